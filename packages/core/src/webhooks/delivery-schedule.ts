// When a failed webhook delivery is tried again, when it is given up, and when its endpoint is disabled.
// Exponential backoff with full jitter (AWS' "full jitter": a uniform delay in [0, min(cap, base * 2^n))),
// so endpoints that failed together do not come back in lockstep. Pure: the caller passes the random draw.

/** The first retry's ceiling; it doubles per failed attempt. */
export const RETRY_BASE_MS = 30_000;
/** A retry waits at most this long (the ceiling stops doubling here). */
export const RETRY_CAP_MS = 6 * 60 * 60_000;
/** A delivery still failing this long after its first attempt is given up (FAILED). */
export const RETRY_WINDOW_MS = 3 * 24 * 60 * 60_000;
/** An endpoint whose deliveries have failed, with no success, for this long is disabled and flagged. */
export const ENDPOINT_FAILING_DISABLE_MS = 3 * 24 * 60 * 60_000;
/** Bounds the exponent; 2^20 * base is far past the cap anyway. */
const EXPONENT_MAX = 20;

/** The delay before attempt `failedAttempts + 1`, given a uniform draw in [0, 1). */
export function retryDelayMs(failedAttempts: number, random: number): number {
  if (!Number.isInteger(failedAttempts) || failedAttempts < 1) throw new Error("failedAttempts must be >= 1");
  if (!(random >= 0 && random < 1)) throw new Error("random must be in [0, 1)");
  const ceilingMs = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.min(failedAttempts - 1, EXPONENT_MAX));
  // At least one second: a zero delay would retry in the same pass.
  return Math.max(1_000, Math.floor(random * ceilingMs));
}

export type FailedDeliveryDecision = { kind: "retry"; nextAttemptAt: Date } | { kind: "give_up" };

/** After a failed attempt: retry later, or give up once the next try would fall past the 3-day window. */
export function afterFailedAttempt(input: {
  firstAttemptAt: Date;
  failedAttempts: number;
  now: Date;
  random: number;
}): FailedDeliveryDecision {
  const next = new Date(input.now.getTime() + retryDelayMs(input.failedAttempts, input.random));
  if (next.getTime() - input.firstAttemptAt.getTime() > RETRY_WINDOW_MS) return { kind: "give_up" };
  return { kind: "retry", nextAttemptAt: next };
}

/** True when an endpoint failing since `failingSince` should be disabled now. */
export function shouldDisableEndpoint(failingSince: Date | null, now: Date): boolean {
  return failingSince !== null && now.getTime() - failingSince.getTime() >= ENDPOINT_FAILING_DISABLE_MS;
}
