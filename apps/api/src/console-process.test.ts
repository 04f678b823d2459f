// Goal: the operator console's logs reach the same stream as the API's (this process's stdout), while Next's
// banner and other plain lines go through the start-up log instead of corrupting the JSON log stream.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { forwardConsoleOutput } from "./console-process";

describe("forwardConsoleOutput", () => {
  it("passes JSON log lines through whole and routes the rest to the start-up log", async () => {
    const output = new PassThrough();
    const written: string[] = [];
    const logged: string[] = [];
    forwardConsoleOutput(output, {
      write: (line) => written.push(line),
      log: (message) => logged.push(message),
    });
    const logLine = JSON.stringify({ level: 50, app: "console", msg: "console procedure failed" });
    output.write("   ▲ Next.js 16.4.1\n");
    output.write(`${logLine}\n`);
    output.write('{"level":30,"msg":"split ');
    output.write('across writes"}\n\n');
    output.write("{not json\n");
    output.end();
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toEqual([`${logLine}\n`, '{"level":30,"msg":"split across writes"}\n']);
    expect(logged).toEqual(["console: ▲ Next.js 16.4.1", "console: {not json"]);
  });
});
