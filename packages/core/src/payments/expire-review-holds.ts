// Voids the review holds nobody decided in time, in bounded sweeps.
import { parseIdempotencyKey } from "../ids/ids";
import { runModification, voidModification } from "./modify-payment";
import { type PaymentCommandsDependencies, scope, systemActor } from "./payment-deps";
import { planReviewDecision } from "./review-decision";

/** Holds voided per sweep; the sweep runs again soon, so a backlog drains in bounded steps. */
export const HOLD_EXPIRY_BATCH_MAX = 100;

/**
 * Voids holds nobody decided in time. Safe to run from several processes at once: each hold is voided
 * under its own idempotency key. Returns how many were voided and how many failed (left for the next sweep).
 */
export async function expireReviewHolds(
  deps: PaymentCommandsDependencies,
  limit = HOLD_EXPIRY_BATCH_MAX,
): Promise<{ expired: number; failed: number }> {
  const now = deps.now();
  const due = await deps.store.expiredReviewHolds(now, Math.min(limit, HOLD_EXPIRY_BATCH_MAX));
  let expired = 0;
  let failed = 0;
  for (const hold of due) {
    const actor = systemActor(hold, "SYSTEM", "hold-expiry");
    const key = parseIdempotencyKey(`system:hold-expiry:${hold.paymentId}`);
    const expire = voidModification(actor, "review.expired", planReviewDecision);
    try {
      const outcome = await deps.idempotency.run(
        scope(actor, key),
        "expireReview",
        { paymentId: hold.paymentId },
        (context) => runModification(deps, actor, context, hold.paymentId, expire),
      );
      if (outcome.value.payment.status === "CANCELLED") expired++;
      else failed++;
    } catch {
      failed++;
    }
  }
  return { expired, failed };
}
