// The operator console's process under `npm start` (plain JavaScript: no
// loader in the console's process). `serve <dir> <port> <host>` serves the
// built Next.js app through Next's documented custom-server API and sends
// `{ type: "ready" }` over IPC once it listens; `build <dir>` runs `next build`.
// Either way the process exits when its IPC channel closes, i.e. when the
// process that started it is gone (even after SIGKILL).
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { forwardedForFromSocket, trustedProxyHopsOf } from "./forwarded-for.mjs";

const [mode, dir, port, hostname] = process.argv.slice(2);
if (!dir) throw new Error("usage: console-server.mjs serve <dir> <port> <host> | build <dir>");
const requireFromConsole = createRequire(join(dir, "package.json"));

if (mode === "build") {
  const build = spawn(process.execPath, [requireFromConsole.resolve("next/dist/bin/next"), "build"], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
  });
  process.once("disconnect", () => build.kill("SIGKILL"));
  build.once("exit", (code) => process.exit(code ?? 1));
} else {
  const next = requireFromConsole("next");
  const app = next({ dev: false, dir, hostname, port: Number(port) });
  process.once("disconnect", () => process.exit(0));
  await app.prepare();
  const handle = app.getRequestHandler();
  // biome-ignore lint/style/noProcessEnv: plain JavaScript without the console's env module; the console validates the same variable.
  const trustedProxyHops = trustedProxyHopsOf(process.env.CONSOLE_TRUSTED_PROXY_HOPS);
  const server = createServer((request, response) => {
    forwardedForFromSocket(request.headers, request.socket.remoteAddress, trustedProxyHops);
    return handle(request, response);
  });
  const stop = () => server.close(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  server.listen(Number(port), hostname, () => process.send?.({ type: "ready" }));
}
