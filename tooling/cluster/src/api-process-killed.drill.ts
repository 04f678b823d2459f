// Drill (`npm run drill:api-process`): the production API (apps/api/src/main.ts) runs as three processes behind
// one port (API_PROCESSES=3, node:cluster) on the local cluster (DATABASE_URL on HAProxy, REDIS_CLUSTER_NODES).
// One of them is killed with SIGKILL under a load of creates, captures and refunds: the two others keep
// serving, the supervising process starts a replacement, and the dead one's cut requests are retried by their
// clients with the same idempotency keys (what it left half done is resolved, as the workers would). Prints the
// figures, then checks the invariants (drill-harness.ts).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { figuresTable, freePort } from "@paycore/api/testing/load-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DRILL_SECRETS,
  type DrillBackend,
  drillInvariants,
  paymentLoad,
  resolverDuringLoad,
  startDrillBackend,
} from "./drill-harness";
import { clusterUrls, postgresNodes } from "./layout";
import { isAlive } from "./processes";
import { clusterUp } from "./up";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const API_PROCESSES = 3;
const PAYMENTS = Number(process.env.DRILL_PAYMENTS ?? 90) || 90;
const START_WINDOW_MS = 15_000;
const KILL_AFTER_MS = 5_000;
/** Clients sending at once, each with one request in flight. */
const CONCURRENCY = 6;
// Each process compiles the API with tsx: over a minute on a busy two-core machine, and 3-4 minutes at a load
// average near 30 (other work on the same two cores), where 240 s was not always enough for three.
const READY_TIMEOUT_MS = 480_000;
const REPLACED_TIMEOUT_MS = 300_000;
const API_ENTRY = "apps/api/src/main.ts";
/**
 * Answers the two survivors must give while the third is dead and its replacement not yet serving. The window
 * is held open until they have (the replacement is paused with SIGSTOP before it listens, then resumed), so the
 * proof does not depend on how fast a loaded machine starts a process: on a quiet one the replacement listened
 * within 2-3 s, before a slow client had sent anything new.
 */
const SURVIVOR_ANSWERS_MIN = 15;
/** How long the window is held open at most, waiting for those answers. */
const OUTAGE_WINDOW_MAX_MS = 60_000;

/**
 * The API processes the supervisor forked: its children running the API. Not every child: tsx starts esbuild's
 * service (`esbuild --service`) as a child of the same process whenever it has files to compile, so counting
 * children made the drill wait for three processes while there were four, and could have picked esbuild as the
 * victim.
 */
function workerPids(primaryPid: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(primaryPid)], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.includes(API_ENTRY))
      .map((line) => Number(line.trim().split(/\s+/, 1)[0]))
      .filter((pid) => Number.isInteger(pid) && pid > 0);
  } catch {
    return [];
  }
}

describe("drill: one of several API processes killed under load", () => {
  let backend: DrillBackend;
  let primary: ChildProcess;
  let port: number;
  const output: string[] = [];
  /** API process pid → when it logged that it listens. */
  const listeningAt = new Map<number, number>();

  beforeAll(async () => {
    await clusterUp({ nodes: postgresNodes(3).length, migrate: false });
    port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    backend = await startDrillBackend({ seed: 23, webhooksTo: () => url });
    primary = spawn(process.execPath, ["--import", "tsx", API_ENTRY], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? REPO_ROOT,
        NODE_ENV: "production",
        LOG_LEVEL: "info",
        HOST: "127.0.0.1",
        PORT: String(port),
        API_PROCESSES: String(API_PROCESSES),
        DATABASE_URL: backend.databaseUrl,
        DATABASE_POOL_MAX: "5",
        REDIS_CLUSTER_NODES: clusterUrls().REDIS_CLUSTER_NODES,
        PSP_SANDBOX_URL: backend.sandbox.url,
        // The default. At 2 s, on a machine at a load near 30, the sandbox's answers timed out, the breakers
        // opened and 47 of 60 payments were refused PSP_NOT_REACHED: a drill of the PSP's latency, not of this.
        PSP_TIMEOUT_MS: "10000",
        IDEMPOTENCY_WAIT_MS: "2000",
        RATE_LIMIT_IP_PER_SECOND: "100000",
        RATE_LIMIT_KEY_PER_SECOND: "100000",
        RATE_LIMIT_TOKENIZE_PER_MINUTE: "100000",
        RATE_LIMIT_TOKENIZE_PER_IP_PER_MINUTE: "100000",
        ...DRILL_SECRETS,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer) => {
      output.push(chunk.toString());
      // Each API process logs (pino, JSON) "listening on …" with its pid once it serves.
      for (const match of chunk.toString().matchAll(/"pid":(\d+)[^\n]*"msg":"listening on /g))
        listeningAt.set(Number(match[1]), Date.now());
      if (output.length > 200) output.shift();
    };
    primary.stdout?.on("data", keep);
    primary.stderr?.on("data", keep);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (primary.exitCode !== null)
        throw new Error(`the API exited before it was ready:\n${output.join("")}`);
      const pids = primary.pid ? workerPids(primary.pid) : [];
      const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (ok && pids.length === API_PROCESSES) break;
      if (Date.now() > deadline) throw new Error(`the API did not start in time:\n${output.join("")}`);
      await sleep(250);
    }
  }, 600_000);

  afterAll(async () => {
    if (primary && primary.exitCode === null) {
      const exited = new Promise((resolve) => primary.once("exit", resolve));
      primary.kill("SIGTERM");
      await Promise.race([exited, sleep(10_000)]);
      if (primary.exitCode === null) primary.kill("SIGKILL");
    }
    await backend?.close();
  });

  it("the others keep serving, the dead one is replaced, nothing is lost or charged twice", {
    timeout: 720_000,
  }, async () => {
    const primaryPid = primary.pid as number;
    const load = paymentLoad(() => `http://127.0.0.1:${port}`, backend.merchant, 15_000);
    const before = workerPids(primaryPid);
    let victim = 0;
    let replacement: number | null = null;
    let replacedAfterMs = 0;
    let loadDone = false;
    /**
     * The outage window: from the kill until the replacement may listen. Within it only the two survivors serve
     * (the dead one is gone, the replacement is paused before it listens), so every answer in it is theirs.
     */
    const outage = { answered: 0, noAnswer: 0, sent: 0, windowMs: 0, held: false, listenedBeforeHold: false };
    let killedAt = 0;
    const answered = () => load.client.stats.requests - load.client.stats.noAnswer - load.client.inFlight;
    const killer = (async () => {
      await sleep(KILL_AFTER_MS);
      victim = before[0] as number;
      const atKill = {
        answered: answered(),
        noAnswer: load.client.stats.noAnswer,
        sent: load.client.stats.requests,
      };
      killedAt = Date.now();
      process.kill(victim, "SIGKILL");
      const closeWindow = () => {
        outage.answered = answered() - atKill.answered;
        outage.noAnswer = load.client.stats.noAnswer - atKill.noAnswer;
        outage.sent = load.client.stats.requests - atKill.sent;
        outage.windowMs = Date.now() - killedAt;
      };
      for (;;) {
        const now = workerPids(primaryPid);
        const fresh = now.filter((pid) => !before.includes(pid));
        if (replacement === null && fresh.length === 1) {
          replacement = fresh[0] as number;
          replacedAfterMs = Date.now() - killedAt;
          if (listeningAt.has(replacement)) {
            // Already serving (a fast start): the window closes here, and counts what it holds.
            outage.listenedBeforeHold = true;
            closeWindow();
          } else {
            process.kill(replacement, "SIGSTOP");
            outage.held = true;
          }
        }
        if (replacement !== null && outage.held) {
          const enough = answered() - atKill.answered >= SURVIVOR_ANSWERS_MIN;
          if (enough || loadDone || Date.now() - killedAt > OUTAGE_WINDOW_MAX_MS) {
            closeWindow();
            process.kill(replacement, "SIGCONT");
            outage.held = false;
          }
        }
        const listened = replacement === null ? undefined : listeningAt.get(replacement);
        if (listened !== undefined && !outage.held) break;
        if (Date.now() - killedAt > REPLACED_TIMEOUT_MS + OUTAGE_WINDOW_MAX_MS) {
          if (outage.held && replacement !== null) process.kill(replacement, "SIGCONT");
          if (outage.windowMs === 0) closeWindow();
          break;
        }
        await sleep(100);
      }
    })();
    const resolver = resolverDuringLoad(backend.t);
    await load.run(PAYMENTS, START_WINDOW_MS, CONCURRENCY);
    await resolver.stop();
    loadDone = true;
    await killer;
    // The window closed: wait for the replacement to serve (it compiles after being resumed), within the bound.
    const listenDeadline = Date.now() + REPLACED_TIMEOUT_MS;
    while (replacement !== null && !listeningAt.has(replacement) && Date.now() < listenDeadline)
      await sleep(250);
    const listenedAt = replacement === null ? undefined : listeningAt.get(replacement);
    const replacementListenedAfterMs = listenedAt === undefined ? null : listenedAt - killedAt;
    const invariants = await drillInvariants(backend, load, PAYMENTS);
    const after = workerPids(primaryPid);

    console.log(
      figuresTable(`One of ${API_PROCESSES} API processes SIGKILLed under load`, [
        ["API processes before / after", `${before.join(", ")} / ${after.join(", ")}`],
        ["killed → replacement", `${victim} → ${replacement ?? "none"} after ${replacedAfterMs} ms`],
        ["replacement listening (ms after the kill)", replacementListenedAfterMs ?? "not yet"],
        [
          "outage window: length (ms) / how it closed",
          `${outage.windowMs} / ${outage.listenedBeforeHold ? "the replacement listened before it could be paused" : "replacement paused before listening, resumed after the survivors' answers"}`,
        ],
        [
          "in the window: requests sent / answered by the 2 survivors / cut (no answer)",
          `${outage.sent} / ${outage.answered} / ${outage.noAnswer}`,
        ],
        ...invariants.rows,
      ]),
    );
    expect(isAlive(primaryPid)).toBe(true);
    expect(isAlive(victim)).toBe(false);
    expect(replacement).not.toBeNull();
    expect(after).toHaveLength(API_PROCESSES);
    expect(replacementListenedAfterMs).not.toBeNull();
    // The others kept serving: with one process dead and none in its place, the two survivors answered at least
    // SURVIVOR_ANSWERS_MIN requests (or, when the replacement listened before the window could be held, some).
    expect(outage.answered).toBeGreaterThanOrEqual(outage.listenedBeforeHold ? 1 : SURVIVOR_ANSWERS_MIN);
    await invariants.check();
  });
});
