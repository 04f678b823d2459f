// Replays a dead-lettered PSP event after an operator fixed its cause. The
// stored payload passed signature verification when it arrived, so it is
// applied as stored; the state machine still refuses anything that would move
// a payment backwards.
import type { PspNotification } from "@paycore/core/payments/payment-commands";
import type Stripe from "stripe";
import type { AppServices } from "../services";
import { replayDisputeLetter } from "./disputes/dispute-webhooks";
import { type AdyenNotificationItem, fromAdyen, fromStripeIntent, fromStripeRefund } from "./normalise";

export interface ReplayResult {
  id: bigint;
  applied: number;
  skipped: number;
  stillFailing: string[];
}

export async function replayDeadLetter(services: AppServices, id: bigint): Promise<ReplayResult> {
  const letter = (await services.webhooks.deadLetters(1000)).find((l) => l.id === id);
  if (!letter) throw new Error(`no dead letter ${id}`);
  const psp = letter.source.replace(/^webhook:/, "");
  // Disputes go through their own commands.
  const dispute = await replayDisputeLetter(services, psp, id, letter.payload);
  if (dispute !== null) return dispute;
  const notifications = toNotifications(psp, letter.payload);
  const result: ReplayResult = { id, applied: 0, skipped: 0, stillFailing: [] };
  for (const notification of notifications) {
    const outcome = await services.commands.applyPspNotification(notification);
    if (outcome.applied) result.applied++;
    else if (outcome.reason === "already_applied") result.skipped++;
    else result.stillFailing.push(outcome.reason);
  }
  if (result.stillFailing.length === 0) await services.webhooks.markReplayed(id);
  return result;
}

function toNotifications(psp: string, payload: unknown): PspNotification[] {
  const record = payload as { object?: string; data?: { object?: { object?: string } }; eventCode?: string };
  if (record.eventCode) {
    const notification = fromAdyen(psp, payload as AdyenNotificationItem);
    return notification ? [notification] : [];
  }
  const object = record.data?.object;
  if (object?.object === "payment_intent") return fromStripeIntent(psp, object as Stripe.PaymentIntent);
  if (object?.object === "refund") {
    const notification = fromStripeRefund(psp, object as Stripe.Refund);
    return notification ? [notification] : [];
  }
  if (object?.object === "charge") {
    return ((object as Stripe.Charge).refunds?.data ?? [])
      .map((refund) => fromStripeRefund(psp, refund))
      .filter((n): n is PspNotification => n !== null);
  }
  return [];
}
