// Goal: with several API processes, the primary replaces a worker that dies
// while the others keep serving, and stops the whole group with a non-zero
// exit when workers die in a loop. Real forked processes on loopback.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { get as httpGet } from "node:http";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const FIXTURE = join(import.meta.dirname, "../src/testing/cluster-fixture.ts");
/** Bounds on the polling below; each try is one request or one short wait. */
const TRIES_MAX = 200;
const TRY_PAUSE_MS = 50;

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

function startPrimary(args: string[] = []): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let stderr = "";
  child.stderr?.on("data", (data: Buffer) => {
    stderr += data.toString();
  });
  return { child, stderr: () => stderr };
}

async function listeningPort(child: ChildProcess): Promise<number> {
  let output = "";
  for await (const data of child.stdout ?? []) {
    output += String(data);
    const match = /listening (\d+)/.exec(output);
    if (match) return Number(match[1]);
  }
  throw new Error(`the primary exited before listening: ${output}`);
}

/** GET on a fresh connection (no keep-alive), so the primary hands each request to a worker anew. */
function get(port: number, path: string): Promise<string | null> {
  return new Promise((resolve) => {
    const request = httpGet({ host: "127.0.0.1", port, path, agent: false, timeout: 2_000 }, (response) => {
      let body = "";
      response.on("data", (data: Buffer) => {
        body += data.toString();
      });
      response.on("end", () => resolve(body));
      response.on("error", () => resolve(null));
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(null));
  });
}

async function pidAt(port: number): Promise<number | null> {
  const body = await get(port, "/");
  return body === null ? null : Number(body);
}

describe("runWorkerProcesses", () => {
  it("replaces a worker that dies, while the other keeps serving", async () => {
    const { child } = startPrimary();
    const port = await listeningPort(child);
    const before = new Set<number>();
    for (let i = 0; i < TRIES_MAX && before.size < 2; i++) {
      const pid = await pidAt(port);
      if (pid !== null) before.add(pid);
    }
    expect(before.size).toBe(2);

    await get(port, "/exit");
    const after = new Set<number>();
    let answered = 0;
    for (let i = 0; i < TRIES_MAX && ![...after].some((pid) => !before.has(pid)); i++) {
      const pid = await pidAt(port);
      if (pid !== null) {
        after.add(pid);
        answered += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, TRY_PAUSE_MS));
    }
    expect([...after].filter((pid) => !before.has(pid))).toHaveLength(1);
    expect(answered).toBeGreaterThan(0);
    expect(child.exitCode).toBeNull();

    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });

  it("stops the group with exit code 1 when workers die in a loop", async () => {
    const { child, stderr } = startPrimary(["--crash-at-start"]);
    const [code] = await once(child, "exit");
    expect(code).toBe(1);
    expect(stderr()).toMatch(/crash loop/);
  });
});

describe("metrics with several API processes (issue 22)", () => {
  it("serves every worker's series summed on the primary's metrics port, to loopback clients", async () => {
    const { createServer } = await import("node:net");
    const metricsPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
      });
    });
    const { child, stderr } = startPrimary(["--metrics-port", String(metricsPort)]);
    const port = await listeningPort(child);
    // Requests until both workers have served some (each on a fresh connection, handed out round-robin).
    const pids = new Map<number, number>();
    let sent = 0;
    for (let i = 0; i < TRIES_MAX && (pids.size < 2 || sent < 10); i++) {
      const pid = await pidAt(port);
      if (pid !== null) {
        sent += 1;
        pids.set(pid, (pids.get(pid) ?? 0) + 1);
      }
    }
    expect(pids.size).toBe(2);
    const scrape = await get(metricsPort, "/metrics");
    const total = /^fixture_requests_total\S* (\d+)$/m.exec(scrape ?? "")?.[1];
    expect(Number(total), scrape ?? `no answer: ${stderr()}`).toBe(sent);
    expect(await get(metricsPort, "/other")).toBe("");
    child.kill("SIGTERM");
    await once(child, "exit");
  });
});
