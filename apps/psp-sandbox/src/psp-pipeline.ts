import type { IncomingMessage, ServerResponse } from "node:http";
import type { PspName } from "./charge-ledger";
import type { FaultInjector } from "./fault-injector";
import { BodyTooLargeError, headerValue, holdResponse, readBodyBytes, send, sleep } from "./http-kit";
import { type IdempotencyStore, requestFingerprint, type StoredResponse } from "./idempotency-store";

/** One API call, after authentication and body parsing. */
export interface PspCall {
  readonly method: string;
  /** Path without the PSP prefix and query, e.g. "/payment_intents/pi_1/capture". */
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  /** The query string without its "?" ("" when none): a GET's parameters (Stripe's list calls). */
  readonly query: string;
  readonly body: unknown;
  readonly idempotencyKey: string | null;
  /** The calling account as the dialect identifies it (Stripe: its secret key's fingerprint); null when none. */
  readonly account: string | null;
}

export type PspResult =
  | {
      kind: "respond";
      status: number;
      body: unknown;
      /**
       * Whether the response belongs to the idempotency key. False for requests that did nothing:
       * validation errors and failures before processing, so a retry with the key runs again.
       */
      store: boolean;
      /** Hold the response this long after processing (timeout_after_charge). */
      holdMs?: number;
    }
  /** Hang without processing (timeout_before_charge): the key is released, so a retry runs. */
  | { kind: "hang_without_processing" };

export interface PspRoute {
  readonly method: "GET" | "POST";
  /** Matched against PspCall.path; named groups become params. */
  readonly pattern: RegExp;
  handle(call: PspCall): Promise<PspResult> | PspResult;
}

/** What differs between the PSPs' wire protocols. */
export interface PspDialect {
  readonly psp: PspName;
  /** "/v1" or "/adyen/v72". */
  readonly pathPrefix: string;
  readonly routes: ReadonlyArray<PspRoute>;
  /** null when authenticated, otherwise the PSP's 401. */
  authenticate(request: IncomingMessage): StoredResponse | null;
  /** `bytes` is the body as received (a multipart upload's files are binary); `raw` the same as UTF-8. */
  parseBody(
    raw: string,
    request: IncomingMessage,
    bytes: Buffer,
  ):
    | { ok: true; value: unknown }
    | { ok: false; status: number }
    | Promise<{ ok: true; value: unknown } | { ok: false; status: number }>;
  /** Which account calls (after authentication); absent: calls are not told apart by account. */
  accountOf?(request: IncomingMessage): string | null;
  /** Serializes a body with the PSP's usual headers. */
  render(status: number, body: unknown, idempotencyKey: string | null): StoredResponse;
  errorResponse(
    error:
      | { kind: "server_error"; status: 500 | 503 }
      | { kind: "bad_request"; status: number; message: string }
      | { kind: "not_found"; path: string }
      | { kind: "idempotency_mismatch" }
      | { kind: "idempotency_in_progress" },
    idempotencyKey: string | null,
  ): StoredResponse;
}

export interface PipelineDeps {
  readonly faults: FaultInjector;
  readonly idempotency: IdempotencyStore;
  readonly hangMs: () => number;
  readonly stopSignal: AbortSignal;
  readonly log: (line: string) => void;
}

/**
 * The order is deliberate: down → auth → injected 5xx (nothing done, nothing stored) → parse →
 * idempotency → latency (inside the key's lock) → process → store → optional hold → answer.
 */
export async function handlePspRequest(
  dialect: PspDialect,
  deps: PipelineDeps,
  request: IncomingMessage,
  response: ServerResponse,
  fullPath: string,
): Promise<void> {
  const { psp } = dialect;
  if (deps.faults.isDown(psp)) {
    // Like a PSP that is unreachable: the connection closes with no answer.
    request.socket.destroy();
    return;
  }
  const idempotencyKey = headerValue(request, "idempotency-key");
  let bytes: Buffer;
  try {
    bytes = await readBodyBytes(request);
  } catch (error) {
    const message = error instanceof BodyTooLargeError ? error.message : "could not read the body";
    send(response, dialect.errorResponse({ kind: "bad_request", status: 413, message }, idempotencyKey));
    return;
  }
  const unauthorized = dialect.authenticate(request);
  if (unauthorized !== null) {
    send(response, unauthorized);
    return;
  }
  const injectedStatus = deps.faults.drawError(psp);
  if (injectedStatus !== null) {
    send(response, dialect.errorResponse({ kind: "server_error", status: injectedStatus }, idempotencyKey));
    return;
  }
  const method = request.method ?? "GET";
  const path = fullPath.slice(dialect.pathPrefix.length) || "/";
  let route: PspRoute | undefined;
  let params: Record<string, string> = {};
  for (const candidate of dialect.routes) {
    const match = candidate.method === method ? candidate.pattern.exec(path) : null;
    if (match !== null) {
      route = candidate;
      params = { ...match.groups };
      break;
    }
  }
  if (route === undefined) {
    send(response, dialect.errorResponse({ kind: "not_found", path: fullPath }, idempotencyKey));
    return;
  }
  const parsed = await dialect.parseBody(bytes.toString("utf8"), request, bytes);
  if (!parsed.ok) {
    send(
      response,
      dialect.errorResponse(
        { kind: "bad_request", status: parsed.status, message: "the body could not be parsed" },
        idempotencyKey,
      ),
    );
    return;
  }
  const usesKey = method === "POST" && idempotencyKey !== null;
  if (usesKey) {
    const begun = deps.idempotency.begin(psp, idempotencyKey, requestFingerprint(method, path, parsed.value));
    if (begun.kind === "replay") {
      send(response, begun.response, { "Idempotent-Replayed": "true" });
      return;
    }
    if (begun.kind === "mismatch") {
      send(response, dialect.errorResponse({ kind: "idempotency_mismatch" }, idempotencyKey));
      return;
    }
    if (begun.kind === "in_progress") {
      send(response, dialect.errorResponse({ kind: "idempotency_in_progress" }, idempotencyKey));
      return;
    }
  }
  await sleep(deps.faults.latencyMs(psp), deps.stopSignal);

  let result: PspResult;
  try {
    const account = dialect.accountOf?.(request) ?? null;
    const query = (request.url ?? "").split("?")[1] ?? "";
    result = await route.handle({ method, path, params, query, body: parsed.value, idempotencyKey, account });
  } catch (error) {
    if (usesKey) deps.idempotency.release(psp, idempotencyKey);
    deps.log(`${psp} ${method} ${fullPath} failed: ${error instanceof Error ? error.stack : String(error)}`);
    send(response, dialect.errorResponse({ kind: "server_error", status: 500 }, idempotencyKey));
    return;
  }

  if (result.kind === "hang_without_processing") {
    if (usesKey) deps.idempotency.release(psp, idempotencyKey);
    await holdResponse(response, deps.hangMs(), deps.stopSignal);
    // Nothing was done, and the client has given up by now: close without an answer.
    request.socket.destroy();
    return;
  }

  const stored = dialect.render(result.status, result.body, idempotencyKey);
  if (usesKey) {
    if (result.store) deps.idempotency.complete(psp, idempotencyKey, stored);
    else deps.idempotency.release(psp, idempotencyKey);
  }
  const holdMs =
    result.holdMs ?? (deps.faults.drawTimeout(psp) ? deps.hangMs() : deps.faults.answerDelayMs(psp));
  if (holdMs > 0) {
    const outcome = await holdResponse(response, holdMs, deps.stopSignal);
    if (outcome === "closed") return;
  }
  send(response, stored);
}
