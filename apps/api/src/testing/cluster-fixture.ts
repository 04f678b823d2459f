// A stand-in for the API under `runWorkerProcesses`, for the supervision test:
// each worker answers its pid and exits on /exit; with --crash-at-start every
// worker dies before it listens (a crash loop). The primary prints
// "listening <port>" once every worker listens, and exits with the group's code.
import { createServer } from "node:http";
import { isWorkerProcess, runWorkerProcesses } from "../server";

const crashAtStart = process.argv.includes("--crash-at-start");

if (isWorkerProcess()) {
  if (crashAtStart) process.exit(3);
  createServer((request, response) => {
    if (request.url === "/exit") {
      response.end("bye", () => process.exit(7));
      return;
    }
    response.end(String(process.pid));
  }).listen(0, "127.0.0.1");
} else {
  const code = await runWorkerProcesses({
    count: 2,
    log: (message) => console.error(message),
    onListening: (port) => console.log(`listening ${port}`),
    crashLoop: { deathsMax: 3, windowMs: 60_000 },
  });
  process.exit(code);
}
