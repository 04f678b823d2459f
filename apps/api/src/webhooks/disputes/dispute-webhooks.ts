// Applies a PSP's dispute notification through the core's dispute commands. A dispute about a payment whose call is
// still in flight answers "in_flight" (the route asks the PSP to redeliver). A dispute about a payment we do not
// know, about an attempt that failed over to another PSP, or one we cannot read, goes to the dead-letter table
// for an operator; a duplicate or a stale notification
// (an earlier stage, or behind within its stage) is stored and changes nothing. Replaying a dead-lettered dispute
// event is the platform's (workbench/dead-letter-replay.ts).
import type { DisputeNotification } from "@paycore/core/disputes/dispute-commands";
import type { AppServices } from "@paycore/platform/services";

export async function applyDisputeWebhook(
  services: Pick<AppServices, "disputes" | "webhooks">,
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
  if (result.reason === "unknown_payment" || result.reason === "invalid" || result.reason === "failed_over") {
    // A failed-over attempt's dispute is filed under that attempt's PSP reference, naming the attempt.
    await services.webhooks.deadLetter(source, notification.paymentPspReference, result.detail, payload);
  }
  return "applied";
}
