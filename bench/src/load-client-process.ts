// The load generator (bench/src/load-client.ts) as a child process of a bench driver, over IPC.
import { type ChildProcess, fork } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChildMessage, ClientTotals, ParentMessage, StepResult, StepSpec } from "./load-protocol";

/** Time a step may take beyond its duration before the driver gives up on the generator. */
const STEP_TIMEOUT_EXTRA_MS = 60_000;

/** The load generator process. */
export class LoadClient {
  private waiting: ((message: ChildMessage) => void) | null = null;
  totals: ClientTotals = { paymentsCreated: 0, refundsSucceeded: 0, replaysServed: 0, readsServed: 0 };

  private constructor(readonly child: ChildProcess) {
    child.on("message", (message: ChildMessage) => {
      const waiter = this.waiting;
      this.waiting = null;
      waiter?.(message);
    });
    child.on("exit", (code) => {
      const waiter = this.waiting;
      this.waiting = null;
      waiter?.({ type: "failed", message: `load client exited (${code})` });
    });
  }

  static async start(repoRoot: string, configure: ParentMessage): Promise<LoadClient> {
    const child = fork(join(dirname(fileURLToPath(import.meta.url)), "load-client.ts"), [], {
      cwd: repoRoot,
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const client = new LoadClient(child);
    const reply = await client.exchange(configure, 60_000);
    if (reply.type !== "ready") throw new Error(`load client: ${JSON.stringify(reply)}`);
    return client;
  }

  private exchange(message: ParentMessage, timeoutMs: number): Promise<ChildMessage> {
    return new Promise((resolveReply, reject) => {
      const timer = setTimeout(() => reject(new Error("load client did not answer")), timeoutMs);
      this.waiting = (reply) => {
        clearTimeout(timer);
        resolveReply(reply);
      };
      this.child.send(message);
    });
  }

  async runInterleaved(steps: StepSpec[], slices: number): Promise<StepResult[]> {
    const total = steps.reduce((sum, step) => sum + step.durationMs, 0);
    const reply = await this.exchange(
      { type: "runInterleaved", steps, slices },
      total + STEP_TIMEOUT_EXTRA_MS * slices,
    );
    if (reply.type !== "results") throw new Error(`load steps: ${JSON.stringify(reply)}`);
    this.totals = reply.totals;
    return reply.results;
  }

  /** Points the generator at another API (it keeps the payments it created). */
  async configure(message: ParentMessage): Promise<void> {
    const reply = await this.exchange(message, 10_000);
    if (reply.type !== "ready") throw new Error(`load client: ${JSON.stringify(reply)}`);
  }

  async run(step: StepSpec): Promise<StepResult> {
    const reply = await this.exchange({ type: "run", step }, step.durationMs + STEP_TIMEOUT_EXTRA_MS);
    if (reply.type !== "result") throw new Error(`load step ${step.name}: ${JSON.stringify(reply)}`);
    this.totals = reply.totals;
    return reply.result;
  }

  stop(): void {
    if (this.child.connected) this.child.send({ type: "stop" } satisfies ParentMessage);
    setTimeout(() => this.child.kill("SIGKILL"), 2_000).unref();
  }
}
