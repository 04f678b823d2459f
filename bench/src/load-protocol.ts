// What the bench (parent) and its load generator (a separate process) say to each other over IPC,
// and the GraphQL documents the load generator sends.

export interface BenchMerchant {
  id: string;
  secretKey: string;
  paymentMethodIds: string[];
}

export type Operation = "createPayment" | "replay" | "refund" | "read";

export interface StepSpec {
  name: string;
  operation: Operation;
  /** "many": round-robin over every regular merchant; "hot": one merchant receives everything. */
  merchants: "many" | "hot";
  concurrency: number;
  durationMs: number;
  /** Open loop: requests per second on a fixed schedule (latency counted from the scheduled time). */
  ratePerSecond?: number;
  /** Another API than the configured one (two APIs compared side by side). */
  baseUrl?: string;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface StepResult {
  name: string;
  operation: Operation;
  concurrency: number;
  ratePerSecond: number | null;
  requests: number;
  ok: number;
  /** By error code (GraphQL/user error code, HTTP status or transport error). */
  errors: Record<string, number>;
  errorCount: number;
  /** Open loop only: scheduled requests not sent because `concurrency` were already in flight. */
  notSent: number;
  elapsedMs: number;
  /** Successful operations per second. */
  throughput: number;
  latencyMs: LatencySummary;
  /** Open loop only: the requests slower than SLOW_REQUEST_MS, as [scheduled time (epoch ms), latency ms]. */
  slow: Array<[number, number]>;
  /** Requests sent again on a fresh socket after a reset on a reused keep-alive one (counted, not errors). */
  resetsRetried: number;
  /** Open loop only: latency by the second the requests were scheduled in, oldest first. */
  timeline: LatencySecond[];
}

/** The open loop's requests scheduled in one second (latency from the scheduled time). */
export interface LatencySecond {
  /** Start of the second, epoch ms. */
  at: number;
  requests: number;
  p50: number;
  p99: number;
  max: number;
  /** Requests slower than SLOW_REQUEST_MS. */
  slow: number;
}

/** The open loop lists requests slower than this, to tell what their delay coincided with. */
export const SLOW_REQUEST_MS = 50;

export interface ClientTotals {
  /** Payments the API confirmed as CAPTURED (new, not replays). */
  paymentsCreated: number;
  refundsSucceeded: number;
  replaysServed: number;
  readsServed: number;
}

export type ParentMessage =
  | { type: "configure"; baseUrl: string; runId: string; merchants: BenchMerchant[]; hot: BenchMerchant }
  | { type: "run"; step: StepSpec }
  /** Steps run in alternating slices, each for its duration in total (a comparison fair to both). */
  | { type: "runInterleaved"; steps: StepSpec[]; slices: number }
  | { type: "stop" };

export type ChildMessage =
  | { type: "ready" }
  | { type: "result"; result: StepResult; totals: ClientTotals }
  | { type: "results"; results: StepResult[]; totals: ClientTotals }
  | { type: "failed"; message: string };

export const CREATE_PAYMENT = `mutation Create($input: CreatePaymentInput!) {
  createPayment(input: $input) { payment { id status amount } errors { code message } }
}`;

export const REFUND_PAYMENT = `mutation Refund($input: RefundPaymentInput!) {
  refundPayment(input: $input) { refund { id status amount } payment { id status } errors { code message } }
}`;

export const PAYMENT_BY_ID = `query Payment($id: ID!) {
  payment(id: $id) { id status amount currency paymentMethod { brand last4 } createdAt }
}`;

export const PAYMENTS_PAGE = `query Payments {
  payments(first: 20) { nodes { id status amount currency createdAt } pageInfo { hasNextPage endCursor } }
}`;

export const TOKENIZE_CARD = `mutation Tokenize($input: TokenizeCardInput!) {
  tokenizeCard(input: $input) { paymentMethod { id } errors { code message } }
}`;
