// Applies a PSP's dispute notification through the core's dispute commands. A dispute about a payment we do not
// know, or one we cannot read, goes to the dead-letter table for an operator; a duplicate or a stale notification
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
): Promise<void> {
  if (notification === null) {
    await services.webhooks.deadLetter(source, reference, "dispute event not understood", payload);
    return;
  }
  const result = await services.disputes.applyNotification(notification);
  if (result.applied) return;
  if (result.reason === "unknown_payment" || result.reason === "invalid") {
    await services.webhooks.deadLetter(source, notification.paymentPspReference, result.detail, payload);
  }
}
