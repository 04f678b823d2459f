// Applies a PSP's dispute notification through the core's dispute commands. A dispute about a payment whose call is
// still in flight answers "in_flight" (the route asks the PSP to redeliver, with Retry-After): our payment id as
// the PSP echoes it (Adyen), or, when the dispute names only the PSP's payment reference (Stripe's PaymentIntent),
// any authorization of ours at that PSP account still waiting for its reference. A dispute about an attempt that
// failed over to another PSP (money may have been taken at the first after all) is recorded on that attempt as an
// open reconciliation item (shadow.dispute_on_failed_over_attempt: the needs-attention queue, linked to the
// payment). A dispute about a payment we do not know, or one we cannot read, goes to the dead-letter table for an
// operator; a duplicate or a stale notification
// (an earlier stage, or behind within its stage) is stored and changes nothing. Replaying a dead-lettered dispute
// event is the platform's (workbench/dead-letter-replay.ts).
import type { DisputeNotification } from "@paycore/core/disputes/dispute-commands";
import type { AppServices } from "@paycore/platform/services";

export async function applyDisputeWebhook(
  services: Pick<AppServices, "disputes" | "webhooks" | "shadowReconciliation">,
  source: string,
  notification: DisputeNotification | null,
  reference: string | null,
  payload: unknown,
): Promise<"applied" | "in_flight"> {
  if (notification === null) {
    await services.webhooks.deadLetter(source, reference, "dispute event not understood", payload);
    return "applied";
  }
  const result = await services.disputes.applyNotification(notification);
  if (result.applied) return "applied";
  // Our own call for the payment is still running: the PSP is asked to send it again (never dead-lettered).
  if (result.reason === "in_flight") return "in_flight";
  if (result.reason === "failed_over" && result.attemptId !== undefined && result.paymentId !== undefined) {
    // Recorded now, or already open (a later event of the same dispute): either way an operator has it.
    await services.shadowReconciliation.disputeOnFailedOverAttempt({
      pspName: notification.pspName,
      paymentId: result.paymentId,
      attemptId: result.attemptId,
      amountMinor: notification.amountMinor,
    });
    return "applied";
  }
  if (result.reason === "unknown_payment" || result.reason === "invalid" || result.reason === "failed_over") {
    await services.webhooks.deadLetter(source, notification.paymentPspReference, result.detail, payload);
  }
  return "applied";
}
