// The load generator: a separate process (forked by main.ts) so its CPU is not the API's and can be
// measured on its own. It drives the GraphQL API over keep-alive HTTP/1.1 connections (node:http),
// checks every response, and keeps the payments it created for the replay, refund and read steps.
import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type BenchMerchant,
  type ChildMessage,
  type ClientTotals,
  CREATE_PAYMENT,
  type LatencySecond,
  type LatencySummary,
  PAYMENT_BY_ID,
  PAYMENTS_PAGE,
  type ParentMessage,
  REFUND_PAYMENT,
  SLOW_REQUEST_MS,
  type StepResult,
  type StepSpec,
} from "./load-protocol";

/** Latencies kept per step; beyond this a step still counts requests but stops recording their latency. */
const LATENCY_CAPACITY = 2_000_000;
/** Slow requests listed per step. */
const SLOW_CAPACITY = 20_000;
/** Seconds of an open-loop step kept in its timeline (a step of an hour at most). */
const TIMELINE_SECONDS_MAX = 3_600;
/** Payments remembered for replays, refunds and reads. */
const CREATED_CAPACITY = 1_000_000;
const REQUEST_TIMEOUT_MS = 30_000;
const RESPONSE_BYTES_MAX = 1024 * 1024;
/** Open loop: how often the scheduler wakes up to send what is due. */
const OPEN_LOOP_TICK_MS = 1;

interface Created {
  merchant: BenchMerchant;
  /** The exact request body, so a replay sends the same key with the same input. */
  body: string;
  paymentId: string;
  refunded: boolean;
}

interface Job {
  apiKey: string;
  body: string;
  /** Null when the response is what this operation must answer; otherwise an error code to count. */
  check(response: GraphQLResponse, headers: Record<string, string | string[] | undefined>): string | null;
}

interface GraphQLResponse {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
  extensions?: { idempotency?: { replayed?: boolean } };
}

interface Payload {
  errors?: Array<{ code: string }>;
  payment?: { id: string; status: string } | null;
  refund?: { id: string; status: string } | null;
}

let config: Extract<ParentMessage, { type: "configure" }> | undefined;
const created: Created[] = [];
let refundCursor = 0;
let sequence = 0;
let merchantCursor = 0;
const cardUses = new Map<string, number>();
const totals: ClientTotals = { paymentsCreated: 0, refundsSucceeded: 0, replaysServed: 0, readsServed: 0 };

function send(message: ChildMessage): void {
  process.send?.(message);
}

process.on("message", (message: ParentMessage) => {
  if (message.type === "configure") {
    config = message;
    send({ type: "ready" });
  } else if (message.type === "run") {
    runStep(message.step).then(
      (result) => send({ type: "result", result, totals }),
      (error: unknown) =>
        send({ type: "failed", message: error instanceof Error ? error.message : String(error) }),
    );
  } else if (message.type === "runInterleaved") {
    runInterleaved(message.steps, message.slices).then(
      (results) => send({ type: "results", results, totals }),
      (error: unknown) =>
        send({ type: "failed", message: error instanceof Error ? error.message : String(error) }),
    );
  } else if (message.type === "stop") {
    process.exit(0);
  }
});
// The parent going away must not leave a generator running.
process.on("disconnect", () => process.exit(0));

function requireConfig() {
  if (config === undefined) throw new Error("load client not configured");
  return config;
}

function errorCode(response: GraphQLResponse, payload: Payload | undefined): string | null {
  if (response.errors && response.errors.length > 0) {
    return response.errors[0]?.extensions?.code ?? "GRAPHQL_ERROR";
  }
  if (payload === undefined || payload === null) return "NO_DATA";
  if (payload.errors && payload.errors.length > 0) return payload.errors[0]?.code ?? "USER_ERROR";
  return null;
}

function createPaymentJob(merchants: BenchMerchant[]): Job {
  const { runId } = requireConfig();
  const n = ++sequence;
  const merchant = merchants[merchantCursor++ % merchants.length] as BenchMerchant;
  // Each merchant cycles through its own cards, so a card is reused as rarely as possible.
  const uses = cardUses.get(merchant.id) ?? 0;
  cardUses.set(merchant.id, uses + 1);
  const paymentMethodId = merchant.paymentMethodIds[uses % merchant.paymentMethodIds.length] as string;
  const body = JSON.stringify({
    query: CREATE_PAYMENT,
    variables: {
      input: {
        idempotencyKey: `${runId}-pay-${n}`,
        // Spread like real baskets (10.00 to 99.99): the fraud rules hold amounts far from a merchant's usual.
        amount: String(1000 + Math.floor(Math.random() * 9000)),
        currency: "USD",
        paymentMethodId,
        captureMethod: "AUTOMATIC",
      },
    },
  });
  return {
    apiKey: merchant.secretKey,
    body,
    check(response) {
      const payload = response.data?.createPayment as Payload | undefined;
      const code = errorCode(response, payload);
      if (code !== null) return code;
      if (response.extensions?.idempotency?.replayed) return "UNEXPECTED_REPLAY";
      const payment = payload?.payment;
      if (!payment) return "NO_PAYMENT";
      if (payment.status !== "CAPTURED") return `STATUS_${payment.status}`;
      totals.paymentsCreated += 1;
      if (created.length < CREATED_CAPACITY)
        created.push({ merchant, body, paymentId: payment.id, refunded: false });
      return null;
    },
  };
}

function randomCreated(): Created | null {
  if (created.length === 0) return null;
  return created[Math.floor(Math.random() * created.length)] as Created;
}

function replayJob(): Job | null {
  const original = randomCreated();
  if (original === null) return null;
  return {
    apiKey: original.merchant.secretKey,
    body: original.body,
    check(response, headers) {
      const payload = response.data?.createPayment as Payload | undefined;
      const code = errorCode(response, payload);
      if (code !== null) return code;
      if (response.extensions?.idempotency?.replayed !== true || headers["idempotent-replayed"] !== "true")
        return "NOT_REPLAYED";
      if (payload?.payment?.id !== original.paymentId) return "REPLAY_MISMATCH";
      totals.replaysServed += 1;
      return null;
    },
  };
}

function refundJob(): Job | null {
  const { runId } = requireConfig();
  // Each payment is refunded once, in full: the oldest not yet refunded.
  while (refundCursor < created.length && (created[refundCursor] as Created).refunded) refundCursor += 1;
  const target = created[refundCursor];
  if (target === undefined) return null;
  target.refunded = true;
  refundCursor += 1;
  const body = JSON.stringify({
    query: REFUND_PAYMENT,
    variables: {
      input: { idempotencyKey: `${runId}-ref-${++sequence}`, paymentId: target.paymentId, reason: "bench" },
    },
  });
  return {
    apiKey: target.merchant.secretKey,
    body,
    check(response) {
      const payload = response.data?.refundPayment as Payload | undefined;
      const code = errorCode(response, payload);
      if (code !== null) return code;
      if (payload?.refund?.status !== "SUCCEEDED") return `REFUND_${payload?.refund?.status ?? "MISSING"}`;
      if (payload.payment?.status !== "REFUNDED") return `STATUS_${payload.payment?.status ?? "MISSING"}`;
      totals.refundsSucceeded += 1;
      return null;
    },
  };
}

function readJob(): Job | null {
  const target = randomCreated();
  if (target === null) return null;
  const byId = ++sequence % 2 === 0;
  const body = byId
    ? JSON.stringify({ query: PAYMENT_BY_ID, variables: { id: target.paymentId } })
    : JSON.stringify({ query: PAYMENTS_PAGE });
  return {
    apiKey: target.merchant.secretKey,
    body,
    check(response) {
      if (response.errors && response.errors.length > 0)
        return response.errors[0]?.extensions?.code ?? "GRAPHQL_ERROR";
      if (byId) {
        const payment = response.data?.payment as { id: string } | null | undefined;
        if (payment?.id !== target.paymentId) return "PAYMENT_NOT_FOUND";
      } else {
        const page = response.data?.payments as { nodes: unknown[] } | undefined;
        if (!page || page.nodes.length === 0) return "EMPTY_PAGE";
      }
      totals.readsServed += 1;
      return null;
    },
  };
}

function jobFactory(spec: StepSpec): () => Job | null {
  const { merchants, hot } = requireConfig();
  switch (spec.operation) {
    case "createPayment": {
      const pool = spec.merchants === "hot" ? [hot] : merchants;
      return () => createPaymentJob(pool);
    }
    case "replay":
      return replayJob;
    case "refund":
      return refundJob;
    case "read":
      return readJob;
  }
}

interface Outcome {
  error: string | null;
}

/**
 * Sends the job; a request that failed with ECONNRESET on a reused keep-alive socket before any response byte
 * is sent once more on a fresh one (the server closed that socket as it idled out just as the request went
 * out: Node's documented race). The job's check still sees a replay if the first attempt had been served.
 */
async function execute(agent: Agent, url: URL, job: Job, onRetry: () => void): Promise<Outcome> {
  const first = await attempt(agent, url, job);
  if (!first.resetOnReusedSocket) return first;
  onRetry();
  return attempt(agent, url, job);
}

function attempt(agent: Agent, url: URL, job: Job): Promise<Outcome & { resetOnReusedSocket?: boolean }> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${job.apiKey}`,
          "content-length": Buffer.byteLength(job.body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= RESPONSE_BYTES_MAX) chunks.push(chunk);
        });
        res.on("error", () => resolve({ error: "RESPONSE_ABORTED" }));
        res.on("end", () => {
          if (res.statusCode !== 200) {
            resolve({ error: `HTTP_${res.statusCode}` });
            return;
          }
          try {
            const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as GraphQLResponse;
            resolve({ error: job.check(parsed, res.headers) });
          } catch {
            resolve({ error: "BAD_JSON" });
          }
        });
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error("timeout")));
    let answered = false;
    req.once("response", () => {
      answered = true;
    });
    req.on("error", (error: NodeJS.ErrnoException) =>
      resolve({
        error: error.message === "timeout" ? "TIMEOUT" : (error.code ?? "TRANSPORT_ERROR"),
        resetOnReusedSocket: error.code === "ECONNRESET" && req.reusedSocket && !answered,
      }),
    );
    req.end(job.body);
  });
}

class Recorder {
  readonly latencies = new Float64Array(LATENCY_CAPACITY);
  count = 0;
  requests = 0;
  ok = 0;
  readonly errors: Record<string, number> = {};
  readonly slow: Array<[number, number]> = [];
  /** Requests sent again after a reset on a reused keep-alive socket (see execute). */
  resetsRetried = 0;
  /** Open loop: latencies by the epoch second they were scheduled in. */
  private readonly bySecond = new Map<number, number[]>();

  /** Open loop: files the latency under its scheduled second, and lists the request when it was slow. */
  recordScheduled(scheduledAt: number, latencyMs: number): void {
    const at = performance.timeOrigin + scheduledAt;
    const second = Math.floor(at / 1000) * 1000;
    let latencies = this.bySecond.get(second);
    if (latencies === undefined) {
      if (this.bySecond.size >= TIMELINE_SECONDS_MAX) return;
      latencies = [];
      this.bySecond.set(second, latencies);
    }
    latencies.push(latencyMs);
    if (latencyMs > SLOW_REQUEST_MS && this.slow.length < SLOW_CAPACITY) {
      this.slow.push([Math.round(at), Math.round(latencyMs * 10) / 10]);
    }
  }

  timeline(): LatencySecond[] {
    return [...this.bySecond.entries()]
      .sort(([a], [b]) => a - b)
      .map(([at, latencies]) => {
        const sorted = Float64Array.from(latencies).sort();
        const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
        return {
          at,
          requests: sorted.length,
          p50: q(0.5),
          p99: q(0.99),
          max: sorted[sorted.length - 1] ?? 0,
          slow: sorted.filter((ms) => ms > SLOW_REQUEST_MS).length,
        };
      });
  }

  record(latencyMs: number, outcome: Outcome): void {
    this.requests += 1;
    if (outcome.error === null) this.ok += 1;
    else this.errors[outcome.error] = (this.errors[outcome.error] ?? 0) + 1;
    if (this.count < LATENCY_CAPACITY) this.latencies[this.count++] = latencyMs;
  }

  summary(): LatencySummary {
    const sorted = this.latencies.slice(0, this.count).sort();
    const at = (q: number) =>
      sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0);
    let sum = 0;
    for (const value of sorted) sum += value;
    return {
      p50: at(0.5),
      p95: at(0.95),
      p99: at(0.99),
      max: sorted.length === 0 ? 0 : (sorted[sorted.length - 1] ?? 0),
      mean: sorted.length === 0 ? 0 : sum / sorted.length,
    };
  }
}

/** Runs one step. */
async function runStep(spec: StepSpec): Promise<StepResult> {
  const [result] = await runInterleaved([spec], 1);
  return result as StepResult;
}

/**
 * Runs several steps in alternating slices (A, B, A, B, ...), each for its duration in total, so that
 * whatever else happens on the machine meanwhile weighs on all of them alike: a fair comparison.
 */
async function runInterleaved(specs: StepSpec[], slices: number): Promise<StepResult[]> {
  const recorders = specs.map(() => new Recorder());
  const elapsed = specs.map(() => 0);
  const notSent = specs.map(() => 0);
  for (let slice = 0; slice < slices; slice++) {
    for (const [i, spec] of specs.entries()) {
      const outcome = await drive(spec, spec.durationMs / slices, recorders[i] as Recorder);
      elapsed[i] = (elapsed[i] ?? 0) + outcome.elapsedMs;
      notSent[i] = (notSent[i] ?? 0) + outcome.notSent;
    }
  }
  return specs.map((spec, i) => {
    const recorder = recorders[i] as Recorder;
    const elapsedMs = elapsed[i] ?? 0;
    return {
      name: spec.name,
      operation: spec.operation,
      concurrency: spec.concurrency,
      ratePerSecond: spec.ratePerSecond ?? null,
      requests: recorder.requests,
      ok: recorder.ok,
      errors: recorder.errors,
      errorCount: Object.values(recorder.errors).reduce((a, b) => a + b, 0),
      notSent: notSent[i] ?? 0,
      elapsedMs,
      throughput: recorder.ok / (elapsedMs / 1000),
      latencyMs: recorder.summary(),
      slow: recorder.slow,
      timeline: recorder.timeline(),
      resetsRetried: recorder.resetsRetried,
    };
  });
}

/** Sends `spec`'s requests for `durationMs`, recording into `recorder`. */
async function drive(
  spec: StepSpec,
  durationMs: number,
  recorder: Recorder,
): Promise<{ elapsedMs: number; notSent: number }> {
  const url = new URL("/graphql", spec.baseUrl ?? requireConfig().baseUrl);
  const makeJob = jobFactory(spec);
  // A fresh agent per step: connections are opened anew, so several API processes share them out again.
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  let notSent = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  try {
    if (spec.ratePerSecond === undefined) {
      const worker = async () => {
        while (performance.now() < deadline) {
          const job = makeJob();
          if (job === null) return;
          const sentAt = performance.now();
          const outcome = await execute(agent, url, job, () => {
            recorder.resetsRetried += 1;
          });
          recorder.record(performance.now() - sentAt, outcome);
        }
      };
      await Promise.all(Array.from({ length: spec.concurrency }, worker));
    } else {
      const interval = 1000 / spec.ratePerSecond;
      const inFlight = new Set<Promise<void>>();
      let next = start;
      let exhausted = false;
      while (!exhausted && performance.now() < deadline) {
        const now = performance.now();
        while (next <= now) {
          const scheduledAt = next;
          next += interval;
          if (inFlight.size >= spec.concurrency) {
            notSent += 1;
            continue;
          }
          const job = makeJob();
          if (job === null) {
            exhausted = true;
            break;
          }
          // Latency from the scheduled time, not the send time: a slow server cannot hide its queue.
          const pending: Promise<void> = execute(agent, url, job, () => {
            recorder.resetsRetried += 1;
          }).then((outcome) => {
            const latencyMs = performance.now() - scheduledAt;
            recorder.record(latencyMs, outcome);
            recorder.recordScheduled(scheduledAt, latencyMs);
            inFlight.delete(pending);
          });
          inFlight.add(pending);
        }
        await sleep(OPEN_LOOP_TICK_MS);
      }
      await Promise.all(inFlight);
    }
  } finally {
    agent.destroy();
  }
  return { elapsedMs: performance.now() - start, notSent };
}
