// Goal: the console process never receives the API's idempotency hash secret, only a key of its own derived from
// it one way, so a compromised console cannot check guesses against the API's stored request hashes; and its logs
// reach the same stream as the API's (this process's stdout), while Next's banner and other plain lines go through
// the start-up log instead of corrupting the JSON log stream; a build stopped by its time bound says so and names the
// setting, rather than reading as a compile error.
import { randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import { type AppSecrets, consoleIdempotencyHashSecret } from "@paycore/platform/secrets";
import { describe, expect, it, vi } from "vitest";
import { buildFailureMessage, consoleEnvironment, forwardConsoleOutput, runBuild } from "./console-process";

const SECRETS: AppSecrets = {
  vaultEncryptionKeys: `1:${randomBytes(32).toString("base64")}`,
  vaultFingerprintKey: randomBytes(32).toString("base64"),
  idempotencyHashSecret: randomBytes(32).toString("base64"),
  stripeWebhookSecret: `whsec_${randomBytes(24).toString("hex")}`,
  adyenHmacKeyHex: randomBytes(32).toString("hex"),
};

function environment(secrets: AppSecrets = SECRETS) {
  return consoleEnvironment({
    port: 0,
    host: "127.0.0.1",
    databaseUrl: "postgresql://postgres@127.0.0.1:5432/none",
    redisUrl: null,
    pspSandboxUrl: null,
    secrets,
    logLevel: "silent",
    buildTimeoutMs: 60_000,
    log: () => undefined,
  });
}

describe("the console's environment", () => {
  it("holds no form of the API's idempotency hash secret, in any variable", () => {
    const apiSecret = Buffer.from(SECRETS.idempotencyHashSecret, "base64");
    const forms = [SECRETS.idempotencyHashSecret, apiSecret.toString("hex"), apiSecret.toString("base64url")];
    for (const [name, value] of Object.entries(environment())) {
      for (const form of forms) expect(value ?? "", name).not.toContain(form);
    }
  });

  it("holds the console's own key, derived from the API's", () => {
    const own = environment().IDEMPOTENCY_HASH_SECRET;
    expect(own).toBe(consoleIdempotencyHashSecret(SECRETS.idempotencyHashSecret));
    expect(Buffer.from(own ?? "", "base64")).toHaveLength(32);
  });

  // `next start` runs the console under NODE_ENV=production: whether test-mode webhooks may go to loopback follows
  // the platform's own mode (as the API's does), or the setting when the operator gives one.
  it.each([
    [undefined, undefined, "true"],
    ["development", undefined, "true"],
    ["production", undefined, "false"],
    ["production", "true", "true"],
    [undefined, "false", "false"],
  ])("NODE_ENV=%s, WEBHOOK_TEST_MODE_LOOPBACK=%s: the console gets %s", (nodeEnv, setting, expected) => {
    vi.stubEnv("NODE_ENV", nodeEnv);
    vi.stubEnv("WEBHOOK_TEST_MODE_LOOPBACK", setting);
    try {
      expect(environment().WEBHOOK_TEST_MODE_LOOPBACK).toBe(expected);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("consoleIdempotencyHashSecret", () => {
  it.each([
    [
      "is deterministic (console restarts keep replaying)",
      () => consoleIdempotencyHashSecret(SECRETS.idempotencyHashSecret),
      true,
    ],
    [
      "differs for another API secret",
      () => consoleIdempotencyHashSecret(randomBytes(32).toString("base64")),
      false,
    ],
  ])("%s", (_label, other, same) => {
    expect(other() === consoleIdempotencyHashSecret(SECRETS.idempotencyHashSecret)).toBe(same);
  });
});

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

describe("a console build that does not succeed", () => {
  it("stopped by its time bound, says so and names the setting that raises it", async () => {
    const hangs = ["-e", "setTimeout(() => undefined, 60_000)"];
    const outcome = await runBuild(hangs, process.cwd(), process.env, 200);
    expect(outcome).toEqual({ code: null, signal: "SIGKILL", timedOut: true });
    const message = buildFailureMessage(outcome, 10 * 60_000);
    expect(message).toContain("did not finish within 10 min");
    expect(message).toContain("CONSOLE_BUILD_TIMEOUT_MINUTES");
    expect(message).not.toContain("exit code");
  });

  it("failing on its own, gives its exit code and points at its errors", async () => {
    const outcome = await runBuild(["-e", "process.exit(3)"], process.cwd(), process.env, 60_000);
    expect(outcome).toEqual({ code: 3, signal: null, timedOut: false });
    expect(buildFailureMessage(outcome, 60_000)).toBe(
      "next build failed (exit code 3; its errors are above)",
    );
  });
});
