// Goal: the one loop every background job runs in behaves as promised, on an injected clock and sleep: the
// backoff after failures grows and stays within its bounds, a failed pass is recorded and retried, work
// waiting runs back to back up to a bound, stop waits for the pass in flight, and the health rule says
// unhealthy after N failures in a row, after a long time without success, when not running, or while the job
// reports a problem in its data.
import pino from "pino";
import { describe, expect, it } from "vitest";
import { type PassResult, Worker, type WorkerJob, type WorkerSchedule } from "./worker";
import { WorkerRegistry } from "./worker-registry";

const log = pino({ level: "silent" });

/** A job whose passes follow a script: a result, or an Error to throw. */
function scriptedJob(
  script: (pass: number) => PassResult | Error | Promise<PassResult>,
  schedule: Partial<WorkerSchedule> = {},
): WorkerJob & { passes: number } {
  const job = {
    name: "test-job",
    schedule: { intervalMs: 1_000, backoff: { initialDelayMs: 100, maxDelayMs: 1_000 }, ...schedule },
    passes: 0,
    async pass(): Promise<PassResult> {
      job.passes += 1;
      const next = await script(job.passes);
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return job;
}

/**
 * Runs the worker on a fake clock until it has paused `pausesMax` times (each pause advances the clock by its
 * length), then stops it. Returns the pauses in order.
 */
async function runPauses(job: WorkerJob, pausesMax: number): Promise<{ pauses: number[]; worker: Worker }> {
  const pauses: number[] = [];
  let clockMs = 1_000_000;
  let stopped: Promise<void> = Promise.resolve();
  const worker = new Worker(job, {
    log,
    now: () => clockMs,
    sleep: async (ms) => {
      pauses.push(ms);
      clockMs += ms;
      if (pauses.length >= pausesMax) stopped = worker.stop();
    },
  });
  worker.start();
  for (let turn = 0; turn < 10 * pausesMax && pauses.length < pausesMax; turn += 1) await Promise.resolve();
  await stopped;
  await worker.stop();
  return { pauses, worker };
}

const IDLE: PassResult = { done: 0, more: false };

describe("Worker", () => {
  describe("backs off exponentially with jitter while passes fail, within [d/2, d), d = min(max, initial·2^(n−1))", () => {
    it.each([
      { initialDelayMs: 100, maxDelayMs: 1_000 },
      { initialDelayMs: 200, maxDelayMs: 30_000 },
      { initialDelayMs: 1_000, maxDelayMs: 5_000 },
    ])("initial $initialDelayMs ms, max $maxDelayMs ms", async (backoff) => {
      const failuresCount = 12;
      const job = scriptedJob(() => new Error("database down"), { backoff });
      const { pauses, worker } = await runPauses(job, failuresCount);
      expect(pauses).toHaveLength(failuresCount);
      pauses.forEach((pauseMs, index) => {
        const capMs = Math.min(backoff.maxDelayMs, backoff.initialDelayMs * 2 ** index);
        expect(pauseMs, `pause after failure ${index + 1}`).toBeGreaterThanOrEqual(Math.floor(capMs / 2));
        expect(pauseMs, `pause after failure ${index + 1}`).toBeLessThanOrEqual(capMs);
      });
      // Grows: the last pause is at least half the cap, the first at most the initial delay.
      expect(pauses.at(-1)).toBeGreaterThanOrEqual(backoff.maxDelayMs / 2);
      expect(pauses[0]).toBeLessThanOrEqual(backoff.initialDelayMs);
      expect(worker.consecutiveFailures).toBe(failuresCount);
    });
  });

  it("records a failed pass, retries it after the backoff, and forgets the failures once a pass succeeds", async () => {
    const job = scriptedJob((pass) => (pass <= 2 ? new Error(`failure ${pass}`) : IDLE));
    const healthAfterPass: Array<{ failures: number; error: unknown }> = [];
    let clockMs = 5_000;
    let stopped: Promise<void> = Promise.resolve();
    const worker = new Worker(job, {
      log,
      now: () => clockMs,
      sleep: async (ms) => {
        healthAfterPass.push({ failures: worker.consecutiveFailures, error: worker.lastError });
        clockMs += ms;
        if (healthAfterPass.length === 3) stopped = worker.stop();
      },
    });
    worker.start();
    for (let turn = 0; turn < 50 && healthAfterPass.length < 3; turn += 1) await Promise.resolve();
    await stopped;
    expect(job.passes).toBe(3);
    expect(healthAfterPass).toEqual([
      { failures: 1, error: new Error("failure 1") },
      { failures: 2, error: new Error("failure 2") },
      { failures: 0, error: null },
    ]);
    const health = worker.health();
    expect(health).toMatchObject({ name: "test-job", consecutiveFailures: 0, running: false });
    expect(health.lastFailureAt).not.toBeNull();
    expect(Date.parse(health.lastSuccessAt ?? "")).toBeGreaterThan(Date.parse(health.lastFailureAt ?? ""));
    // The health answer carries no error text (it may name hosts): only when and how many.
    expect(JSON.stringify(health)).not.toContain("failure 2");
  });

  it.each([
    { burstPassesMax: 3, more: true, expected: [0, 0, 1_000, 0, 0, 1_000] },
    { burstPassesMax: 1, more: true, expected: [1_000, 1_000, 1_000] },
    { burstPassesMax: 3, more: false, expected: [1_000, 1_000, 1_000] },
  ])(
    "runs the next pass at once while work waits, at most burstPassesMax in a row (max $burstPassesMax, more $more)",
    async ({ burstPassesMax, more, expected }) => {
      // What happened in order: "pass", or the length of a pause (none between passes run back to back).
      const events: Array<"pass" | number> = [];
      let stopped: Promise<void> = Promise.resolve();
      const worker = new Worker(
        scriptedJob(
          () => {
            events.push("pass");
            if (events.filter((event) => event === "pass").length > expected.length) stopped = worker.stop();
            return { done: 1, more };
          },
          { burstPassesMax },
        ),
        {
          log,
          sleep: async (ms) => {
            events.push(ms);
          },
        },
      );
      worker.start();
      for (let turn = 0; turn < 500 && countPasses(events) <= expected.length; turn += 1)
        await Promise.resolve();
      await stopped;
      expect(pauseAfterEachPass(events).slice(0, expected.length)).toEqual(expected);
    },
  );

  it("stop waits for the pass in flight and starts no other", async () => {
    let finishPass: () => void = () => undefined;
    let passStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      passStarted = resolve;
    });
    const job = scriptedJob(
      () =>
        new Promise<PassResult>((resolve) => {
          passStarted();
          finishPass = () => resolve(IDLE);
        }),
    );
    const worker = new Worker(job, { log });
    worker.start();
    await started;
    let stoppedYet = false;
    const stopping = worker.stop().then(() => {
      stoppedYet = true;
    });
    for (let turn = 0; turn < 20; turn += 1) await Promise.resolve();
    expect(stoppedYet).toBe(false);
    expect(worker.running).toBe(false);
    finishPass();
    await stopping;
    expect(stoppedYet).toBe(true);
    expect(job.passes).toBe(1);
    expect(worker.health().lastSuccessAt).not.toBeNull();
  });

  it("stop cuts a long pause short, and the worker can be started again", async () => {
    const job = scriptedJob(() => IDLE, { intervalMs: 60 * 60_000 });
    const worker = new Worker(job, { log });
    worker.start();
    expect(() => worker.start()).toThrow(/already started/);
    await worker.stop(); // with the real sleep: an hour's pause, ended by the abort
    expect(job.passes).toBe(1);
    worker.start();
    await worker.stop();
    expect(job.passes).toBe(2);
  });

  it("waits firstPassDelayMs before its first pass", async () => {
    const job = scriptedJob(() => IDLE, { firstPassDelayMs: 2_000, intervalMs: 2_000 });
    const { pauses } = await runPauses(job, 3);
    expect(pauses).toEqual([2_000, 2_000, 2_000]);
    expect(job.passes).toBe(2);
  });

  it.each([
    { field: "intervalMs", schedule: { intervalMs: -1 } },
    { field: "intervalMs", schedule: { intervalMs: 1.5 } },
    { field: "backoff.initialDelayMs", schedule: { backoff: { initialDelayMs: 0, maxDelayMs: 10 } } },
    { field: "backoff.maxDelayMs", schedule: { backoff: { initialDelayMs: 100, maxDelayMs: 10 } } },
    { field: "burstPassesMax", schedule: { burstPassesMax: 0 } },
    { field: "unhealthyAfterFailures", schedule: { unhealthyAfterFailures: 0 } },
  ])("refuses a schedule with a bad $field", ({ field, schedule }) => {
    expect(
      () =>
        new Worker(
          scriptedJob(() => IDLE, schedule),
          { log },
        ),
    ).toThrow(field);
  });

  describe("health rule", () => {
    const unhealthyAfterMs = 60_000;
    it.each([
      { case: "running, recent success", failures: 0, quietMs: 1_000, running: true, problem: null },
      { case: "4 failures in a row", failures: 4, quietMs: 1_000, running: true, problem: null },
      {
        case: "5 failures in a row",
        failures: 5,
        quietMs: 1_000,
        running: true,
        problem: "5 passes failed in a row",
      },
      {
        case: "no success for longer than unhealthyAfterMs",
        failures: 0,
        quietMs: unhealthyAfterMs + 1_000,
        running: true,
        problem: "no successful pass for 61 s (limit 60 s)",
      },
      { case: "stopped", failures: 0, quietMs: 0, running: false, problem: "not running" },
    ])("$case: $problem", async ({ failures, quietMs, running, problem }) => {
      let clockMs = 0;
      let release: () => void = () => undefined;
      const parked = new Promise<void>((resolve) => {
        release = resolve;
      });
      const job = scriptedJob(
        (pass) => (pass === 1 ? IDLE : pass <= failures + 1 ? new Error("down") : IDLE),
        {
          unhealthyAfterMs,
        },
      );
      let sleeps = 0;
      const worker = new Worker(job, {
        log,
        now: () => clockMs,
        // Passes run back to back until the scripted failures are done, then the worker parks in its pause.
        sleep: async (_ms, signal) => {
          sleeps += 1;
          if (sleeps <= failures) return;
          await Promise.race([parked, new Promise((resolve) => signal.addEventListener("abort", resolve))]);
        },
      });
      worker.start();
      for (let turn = 0; turn < 200 && sleeps <= failures; turn += 1) await Promise.resolve();
      expect(worker.consecutiveFailures).toBe(failures);
      // Time passes with no pass running (the worker waits in its pause).
      clockMs += failures === 0 ? quietMs : 0;
      if (!running) await worker.stop();
      const health = worker.health();
      expect(health).toMatchObject({
        running,
        healthy: problem === null,
        problem,
        consecutiveFailures: failures,
      });
      release();
      await worker.stop();
    });

    it("is unhealthy while the job reports a problem in its data, although its passes succeed", async () => {
      let problem: string | null = "rows in the default partition of t";
      const job = { ...scriptedJob(() => IDLE), healthProblem: () => problem };
      const worker = new Worker(job, {
        log,
        // Parks in every pause until stopped (a signal aborted before the pause began ends it at once).
        sleep: (_ms, signal) =>
          signal.aborted
            ? Promise.resolve()
            : new Promise((resolve) => signal.addEventListener("abort", () => resolve())),
      });
      worker.start();
      for (let turn = 0; turn < 200 && worker.health().lastSuccessAt === null; turn += 1)
        await Promise.resolve();
      expect(worker.health()).toMatchObject({ healthy: false, problem, consecutiveFailures: 0 });
      problem = null;
      expect(worker.health()).toMatchObject({ healthy: true, problem: null });
      await worker.stop();
    });
  });
});

describe("WorkerRegistry", () => {
  it("starts and stops every worker, reports skipped ones, refuses duplicate names, and is unhealthy if one is", async () => {
    const registry = new WorkerRegistry();
    const healthy = new Worker({ ...scriptedJob(() => IDLE), name: "healthy" }, { log });
    const failing = new Worker(
      { ...scriptedJob(() => new Error("down"), { unhealthyAfterFailures: 1 }), name: "failing" },
      { log },
    );
    registry.add(healthy);
    registry.add(failing);
    registry.skip({ name: "outbox-relay", reason: "no Redis configured" });
    expect(() => registry.add(new Worker({ ...scriptedJob(() => IDLE), name: "healthy" }, { log }))).toThrow(
      /already registered/,
    );
    expect(() => registry.skip({ name: "outbox-relay", reason: "again" })).toThrow(/already registered/);

    registry.start();
    for (let turn = 0; turn < 20 && failing.consecutiveFailures === 0; turn += 1) await Promise.resolve();
    const health = registry.health();
    expect(health.healthy).toBe(false);
    expect(health.workers.map((worker) => [worker.name, worker.running, worker.healthy])).toEqual([
      ["healthy", true, true],
      ["failing", true, false],
    ]);
    expect(health.skipped).toEqual([{ name: "outbox-relay", reason: "no Redis configured" }]);

    await registry.stop();
    expect(registry.health().workers.map((worker) => worker.running)).toEqual([false, false]);
  });
});

function countPasses(events: Array<"pass" | number>): number {
  return events.filter((event) => event === "pass").length;
}

/** For each pass, the pause that followed it: 0 when the next pass came at once. */
function pauseAfterEachPass(events: Array<"pass" | number>): number[] {
  const pauses: number[] = [];
  events.forEach((event, index) => {
    if (event !== "pass") return;
    const next = events[index + 1];
    pauses.push(next === undefined || next === "pass" ? 0 : next);
  });
  return pauses;
}
