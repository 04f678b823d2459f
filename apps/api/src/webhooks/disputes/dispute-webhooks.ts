// Applies a PSP's dispute notification through the core's dispute commands. A dispute about a payment we do not
// know, or one we cannot read, goes to the dead-letter table for an operator; a duplicate or a stale notification
// (an earlier stage, or behind within its stage) is stored and changes nothing.
import type { DisputeNotification } from "@paycore/core/disputes/dispute-commands";
import type { PspModule } from "@paycore/platform/psps/psp-module";
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

/** What a replay did (the same shape as replay.ts's ReplayResult, kept here so the two files do not import each other). */
export interface DisputeReplayResult {
  id: bigint;
  applied: number;
  skipped: number;
  stillFailing: string[];
}

/**
 * Replays a dead-lettered dispute event (null when the payload is not one): applied, or still failing with its
 * reason; a dispute that is already further along counts as skipped. Marked replayed unless still failing.
 */
export async function replayDisputeLetter(
  services: Pick<AppServices, "disputes" | "webhooks">,
  module: PspModule,
  id: bigint,
  payload: unknown,
): Promise<DisputeReplayResult | null> {
  const dispute = module.webhook.dispute(payload, module.id);
  if (dispute === undefined) return null;
  const notification = dispute.notification;
  const result: DisputeReplayResult = { id, applied: 0, skipped: 0, stillFailing: [] };
  if (notification === null) {
    result.stillFailing.push("dispute event not understood");
    return result;
  }
  const outcome = await services.disputes.applyNotification(notification);
  if (outcome.applied) result.applied++;
  else if (outcome.reason === "unknown_payment" || outcome.reason === "invalid")
    result.stillFailing.push(outcome.reason);
  else result.skipped++;
  if (result.stillFailing.length === 0) await services.webhooks.markReplayed(id);
  return result;
}
