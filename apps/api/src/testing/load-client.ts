// A merchant's server under bad conditions, for the chaos and SIGKILL suites:
// GraphQL over real HTTP with a client-side timeout, retrying a request with
// the same idempotency key after no answer or a retryable "in progress", and
// remembering every payment id each key was answered with, so a test can show
// that one key never meant two payments.
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { type ErrorCode, SAME_KEY_RETRY_CODES } from "@paycore/core/errors/domain-error";

export const PAYMENT_FIELDS =
  "id status amount amountCaptured amountCapturable amountRefunded pspName pendingOperation failureCode";
export const CREATE_PAYMENT = `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { ${PAYMENT_FIELDS} } errors { code retryable } } }`;
export const CAPTURE_PAYMENT = `mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { payment { ${PAYMENT_FIELDS} } errors { code retryable } } }`;
export const CANCEL_PAYMENT = `mutation($input: CancelPaymentInput!) { cancelPayment(input: $input) { payment { ${PAYMENT_FIELDS} } errors { code retryable } } }`;
export const REFUND_PAYMENT = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { id status amount } payment { ${PAYMENT_FIELDS} } errors { code retryable } } }`;
const TOKENIZE_CARD =
  "mutation($input: TokenizeCardInput!) { tokenizeCard(input: $input) { paymentMethod { id } errors { code } } }";

export interface ClientPayment {
  id: string;
  status: string;
  amount: string;
  amountCaptured: string;
  amountCapturable: string;
  amountRefunded: string;
  pspName: string | null;
  pendingOperation: string | null;
  failureCode: string | null;
}

export interface MutationPayload {
  payment: ClientPayment | null;
  refund?: { id: string; status: string; amount: string } | null;
  errors: Array<{ code: string; retryable: boolean }>;
}

export type Mutation = "createPayment" | "capturePayment" | "cancelPayment" | "refundPayment";

const QUERIES: Record<Mutation, string> = {
  createPayment: CREATE_PAYMENT,
  capturePayment: CAPTURE_PAYMENT,
  cancelPayment: CANCEL_PAYMENT,
  refundPayment: REFUND_PAYMENT,
};

export interface ClientStats {
  /** HTTP requests sent. */
  requests: number;
  /** Requests with no answer: the client's timeout, or the connection failed (e.g. the API was killed). */
  noAnswer: number;
  /** Answers IDEMPOTENCY_IN_PROGRESS or PAYMENT_OPERATION_IN_PROGRESS. */
  inProgress: number;
  /** Answers marked as replays of an earlier request with the key. */
  replays: number;
  /** Requests sent again with the same key (after no answer, "in progress", or on purpose). */
  sameKeyRetries: number;
  /** GraphQL errors, e.g. "Unexpected error." (an exception the API masked). */
  graphqlErrors: number;
  graphqlErrorMessages: string[];
  /** GraphQL errors by `extensions.code` (SERVICE_UNAVAILABLE during a database failover, say). */
  graphqlErrorCodes: Record<string, number>;
}

export class LoadClient {
  readonly stats: ClientStats = {
    requests: 0,
    noAnswer: 0,
    inProgress: 0,
    replays: 0,
    sameKeyRetries: 0,
    graphqlErrors: 0,
    graphqlErrorMessages: [],
    graphqlErrorCodes: {},
  };
  /** Requests sent and not answered yet. */
  inFlight = 0;
  /** createPayment key → every payment id an answer to it named (one, if exactly-once holds). */
  readonly paymentIdsByKey = new Map<string, Set<string>>();

  constructor(
    private readonly options: {
      /** e.g. http://127.0.0.1:4000 (read per request: a restarted API may move). */
      baseUrl: () => string;
      timeoutMs: number;
      /** Sends of one request with one key, the first included. */
      triesMax: number;
      retryPauseMs: number;
    },
  ) {}

  /** One HTTP round trip; null when no answer came (timeout, reset, refused). */
  async post<T>(
    key: string,
    query: string,
    variables: Record<string, unknown>,
    timeoutMs = this.options.timeoutMs,
  ): Promise<{
    data: T | null;
    replayed: boolean;
    errors: Array<{ message: string; extensions?: { code?: string } }>;
  } | null> {
    this.stats.requests++;
    this.inFlight++;
    try {
      const response = await fetch(`${this.options.baseUrl()}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = (await response.json()) as {
        data?: T;
        errors?: Array<{ message: string; extensions?: { code?: string } }>;
        extensions?: { idempotency?: { replayed?: boolean } };
      };
      if (body.errors?.length) {
        this.stats.graphqlErrors++;
        for (const error of body.errors) {
          if (this.stats.graphqlErrorMessages.length < 20)
            this.stats.graphqlErrorMessages.push(error.message);
          const code = error.extensions?.code ?? "none";
          this.stats.graphqlErrorCodes[code] = (this.stats.graphqlErrorCodes[code] ?? 0) + 1;
        }
      }
      const replayed =
        response.headers.get("idempotent-replayed") === "true" ||
        body.extensions?.idempotency?.replayed === true;
      if (replayed) this.stats.replays++;
      return { data: body.data ?? null, replayed, errors: body.errors ?? [] };
    } catch {
      this.stats.noAnswer++;
      return null;
    } finally {
      this.inFlight--;
    }
  }

  async tokenize(publishableKey: string, number: string): Promise<string> {
    const idempotencyKey = `tok-${randomBytes(8).toString("hex")}`;
    let last = "none";
    for (let i = 0; i < this.options.triesMax * 2; i++) {
      const answer = await this.post<{ tokenizeCard: { paymentMethod: { id: string } | null } }>(
        publishableKey,
        TOKENIZE_CARD,
        { input: { idempotencyKey, card: { number, expMonth: 12, expYear: 2035, cvc: "123" } } },
      );
      const id = answer?.data?.tokenizeCard.paymentMethod?.id;
      if (id) return id;
      last =
        answer === null
          ? "no answer"
          : answer.errors.map((error) => error.extensions?.code ?? error.message).join(", ") ||
            JSON.stringify(answer.data);
      await sleep(this.options.retryPauseMs);
    }
    throw new Error(`could not tokenize a card after ${this.options.triesMax * 2} tries (last: ${last})`);
  }

  /**
   * Sends a mutation under `idempotencyKey`, again with the same key while there is no answer or the answer
   * is "in progress" (bounded). Returns the last payload, or null if none ever came.
   */
  async mutate(
    mutation: Mutation,
    secretKey: string,
    idempotencyKey: string,
    input: Record<string, unknown>,
  ): Promise<MutationPayload | null> {
    let last: MutationPayload | null = null;
    for (let i = 0; i < this.options.triesMax; i++) {
      if (i > 0) {
        this.stats.sameKeyRetries++;
        await sleep(this.options.retryPauseMs);
      }
      const answer = await this.post<Record<Mutation, MutationPayload>>(secretKey, QUERIES[mutation], {
        input: { idempotencyKey, ...input },
      });
      const payload = answer?.data?.[mutation] ?? null;
      if (payload === null) continue;
      last = payload;
      this.note(mutation, idempotencyKey, payload);
      if (payload.errors.some((e) => SAME_KEY_RETRY_CODES.has(e.code as ErrorCode))) {
        this.stats.inProgress++;
        continue;
      }
      return payload;
    }
    return last;
  }

  /** The same request once more with the same key, on purpose: the answer must name the same payment. */
  async resend(
    mutation: Mutation,
    secretKey: string,
    idempotencyKey: string,
    input: Record<string, unknown>,
  ): Promise<MutationPayload | null> {
    this.stats.sameKeyRetries++;
    return this.mutate(mutation, secretKey, idempotencyKey, input);
  }

  private note(mutation: Mutation, key: string, payload: MutationPayload) {
    if (mutation !== "createPayment" || payload.payment === null) return;
    const ids = this.paymentIdsByKey.get(key) ?? new Set<string>();
    ids.add(payload.payment.id);
    this.paymentIdsByKey.set(key, ids);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A reproducible generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Luhn-valid 16-digit number under `prefix`: the sandbox approves it like any card it does not know. */
export function luhnCard(prefix: string, random: () => number): string {
  let digits = prefix;
  while (digits.length < 15) digits += String(Math.floor(random() * 10));
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    // From the right, the check digit's neighbour is doubled first.
    let d = Number(digits[14 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits + String((10 - (sum % 10)) % 10);
}

/** Picks a value by weight. */
export function weighted<T>(random: () => number, choices: ReadonlyArray<readonly [T, number]>): T {
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
  let draw = random() * total;
  for (const [value, weight] of choices) {
    draw -= weight;
    if (draw < 0) return value;
  }
  return choices[choices.length - 1]![0];
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at a time, task i not before `startAt(i)`. */
export async function runPaced(
  count: number,
  concurrency: number,
  startAt: (index: number) => number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const wait = startAt(index) - Date.now();
      if (wait > 0) await sleep(wait);
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port")),
      );
    });
  });
}

/** Prints rows of [label, value] as an aligned two-column table. */
export function figuresTable(title: string, rows: ReadonlyArray<readonly [string, string | number]>): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  const line = "-".repeat(width + 24);
  return [
    title,
    line,
    ...rows.map(([label, value]) => `${label.padEnd(width)}  ${String(value)}`),
    line,
  ].join("\n");
}
