// What a PSP adapter throws for a failure worth retrying with the same
// idempotency key. Everything else an adapter returns as a definite outcome.
export type TransientKind =
  /** Connection refused or reset before the request was sent: nothing reached the PSP. */
  | "refused"
  /** No answer in time: the PSP may have acted. */
  | "timeout"
  /** 5xx: the PSP may have acted. */
  | "server"
  /** 429: nothing was done; retry after the PSP's delay. */
  | "rate_limited"
  /** 409 on an idempotency key still in flight at the PSP. */
  | "in_progress";

export class TransientPspError extends Error {
  constructor(
    readonly kind: TransientKind,
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = "TransientPspError";
  }

  /** Only a request that never reached the PSP is certainly not charged. */
  get certainlyNotCharged(): boolean {
    return this.kind === "refused" || this.kind === "rate_limited";
  }
}

/** Classifies a low-level network error from fetch/undici or the Stripe SDK. */
export function networkErrorKind(error: unknown): TransientKind {
  // Codes hide at several depths: error.code, error.cause.code, and AggregateError lists (IPv4 and IPv6 tries).
  const seen: string[] = [];
  const collect = (value: unknown, depth: number) => {
    if (!value || typeof value !== "object" || depth > 3) return;
    const record = value as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof record.code === "string") seen.push(record.code);
    if (typeof record.message === "string") seen.push(record.message);
    collect(record.cause, depth + 1);
    if (Array.isArray(record.errors)) for (const inner of record.errors) collect(inner, depth + 1);
  };
  collect(error, 0);
  const text = seen.join(" ");
  // Refused before anything was sent: the port is closed or blocked, or the host does not resolve.
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|bad port/.test(text)) return "refused";
  return "timeout";
}
