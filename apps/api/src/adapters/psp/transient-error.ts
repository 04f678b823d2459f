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
  const text = String(
    (error as { code?: string; cause?: { code?: string } })?.cause?.code ??
      (error as { code?: string })?.code ??
      error,
  );
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET_BEFORE_SEND/.test(text)) return "refused";
  return "timeout";
}
