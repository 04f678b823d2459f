// Stripe's webhooks: the `Stripe-Signature` check on the raw body (the SDK's, with one timestamp read
// first), and the mapping of its events onto the core's small union of notifications. A PaymentIntent event is
// read as what the PSP says of the intent now; refunds (and a charge's refunds) as they are sent.
import type { PspNotification } from "@paycore/core/payments/payment-commands";
import Stripe from "stripe";
import { stripeEventCoverage } from "../event-coverage";
import type { PspWebhook, WebhookVerification } from "../psp-module";
import { fromStripeDispute, isStripeDisputeEvent, type StripeDisputeObject } from "./disputes";
import type { StripePsp } from "./stripe-psp";
import { parseStripeSignatureTimestamp } from "./webhook-signature";

/** Signed timestamps older or newer than this are refused (replay window). */
export const SIGNATURE_TOLERANCE_S = 300;

// Signature checks only: this client never calls Stripe.
const stripeWebhooks = new Stripe("sk_test_webhook_verification_only").webhooks;

export const stripeWebhook: PspWebhook<StripePsp> = {
  coverage: stripeEventCoverage,
  // A Stripe event is filed under its id (it names no PSP reference of its own).
  reference: () => null,
  // A succeeded report run: its result file (named after the run) at the file's URL.
  report(payload) {
    const event = payload as { type?: unknown; data?: { object?: unknown } };
    if (event?.type !== "reporting.report_run.succeeded") return undefined;
    const run = event.data?.object as { id?: unknown; result?: { url?: unknown } | null } | undefined;
    return { fileName: typeof run?.id === "string" ? `${run.id}.csv` : run?.id, url: run?.result?.url };
  },
  dispute(payload, pspName) {
    const event = payload as { type?: unknown; data?: { object?: unknown } };
    if (typeof event?.type !== "string" || !isStripeDisputeEvent(event.type)) return undefined;
    const dispute = (event.data?.object ?? {}) as StripeDisputeObject;
    const reference = typeof dispute.id === "string" ? dispute.id : null;
    return { notification: fromStripeDispute(pspName, dispute), reference, apply: true };
  },
  verify({ headers, body, secrets, nowMs }): WebhookVerification {
    const header = headers.get("stripe-signature") ?? "";
    // One timestamp, parsed once: the SDK takes the last `t=` and never refuses a future one, so a header
    // with two could pass its check with one value and ours with the other.
    const signedAt = parseStripeSignatureTimestamp(header);
    if (signedAt === null) return { verified: false, status: 400, message: "invalid signature" };
    if (Math.abs(nowMs / 1000 - signedAt) > SIGNATURE_TOLERANCE_S)
      return { verified: false, status: 400, message: "signature timestamp outside the tolerance" };
    // The secret that verifies says which account sent it, and so which account confirms the event.
    for (const candidate of secrets) {
      let event: Stripe.Event;
      try {
        event = stripeWebhooks.constructEvent(body, header, candidate.secret, SIGNATURE_TOLERANCE_S);
      } catch {
        continue; // Not this secret; try the next.
      }
      // Signed, so Stripe's; but not an event we can file and read (no id, no object): refused, nothing stored.
      if (!isReadableEvent(event)) return { verified: false, status: 400, message: "malformed event" };
      return {
        verified: true,
        events: [{ id: event.id, type: event.type, payload: event }],
        live: candidate.live,
      };
    }
    return { verified: false, status: 400, message: "invalid signature" };
  },

  async normalise(event, { pspName, adapter }) {
    const object = (event.payload as Stripe.Event).data.object as { object?: string; id?: string };
    if (object.object === "payment_intent") {
      if (!object.id) return [];
      // Read what is true now, not what was true when the event was sent (late or out-of-order delivery).
      return fromStripeIntent(pspName, await (await adapter()).retrieveIntent(object.id));
    }
    return fromStripeObject(pspName, object);
  },

  fromStored(payload, pspName) {
    const object = (payload as Partial<Stripe.Event>).data?.object as { object?: string } | undefined;
    return object ? fromStripeObject(pspName, object) : [];
  },

  acknowledge(duplicate) {
    return {
      status: 200,
      contentType: "application/json",
      body: JSON.stringify(duplicate ? { received: true, duplicate: true } : { received: true }),
    };
  },
};

/**
 * An event with a string id and type and an object under `data.object`: what the route files it under and
 * `normalise` reads. Anything else would fail there (a 500 or 503 that Stripe redelivers for three days).
 */
function isReadableEvent(event: unknown): event is Stripe.Event {
  if (typeof event !== "object" || event === null) return false;
  const { id, type, data } = event as { id?: unknown; type?: unknown; data?: unknown };
  if (typeof id !== "string" || typeof type !== "string") return false;
  if (typeof data !== "object" || data === null) return false;
  const object = (data as { object?: unknown }).object;
  return typeof object === "object" && object !== null;
}

/** The event's object as sent, by its kind (the one table of Stripe objects we map). */
function fromStripeObject(pspName: string, object: { object?: string }): PspNotification[] {
  switch (object.object) {
    case "payment_intent":
      return fromStripeIntent(pspName, object as Stripe.PaymentIntent);
    case "refund": {
      const notification = fromStripeRefund(pspName, object as Stripe.Refund);
      return notification ? [notification] : [];
    }
    case "charge": {
      // Only the refunds that are objects: anything else would throw, and a throw asks Stripe to redeliver forever.
      const refunds: unknown = (object as Stripe.Charge).refunds?.data;
      if (!Array.isArray(refunds)) return [];
      return refunds
        .filter((refund): refund is Stripe.Refund => typeof refund === "object" && refund !== null)
        .map((refund) => fromStripeRefund(pspName, refund))
        .filter((n) => n !== null);
    }
    default:
      return [];
  }
}

/**
 * Stripe events are confirmed against the PSP's current view of the PaymentIntent (retrieved by id), so a
 * late or out-of-order event is read as what is true now, not what was true when it was sent.
 */
export function fromStripeIntent(pspName: string, intent: Stripe.PaymentIntent): PspNotification[] {
  const reference = intent.metadata?.reference ?? null;
  switch (intent.status) {
    case "succeeded":
      return [
        { kind: "authorization", pspName, pspReference: intent.id, reference, success: true, code: null },
        {
          kind: "capture",
          pspName,
          paymentPspReference: intent.id,
          modificationReference: null,
          success: true,
          code: null,
        },
      ];
    case "requires_capture":
      return [
        { kind: "authorization", pspName, pspReference: intent.id, reference, success: true, code: null },
      ];
    case "canceled":
      return [
        {
          kind: "void",
          pspName,
          paymentPspReference: intent.id,
          modificationReference: null,
          success: true,
          code: null,
        },
      ];
    case "requires_payment_method": {
      const error = intent.last_payment_error;
      return [
        {
          kind: "authorization",
          pspName,
          pspReference: intent.id,
          reference,
          success: false,
          code: error?.decline_code ?? error?.code ?? "card_declined",
        },
      ];
    }
    default:
      return [];
  }
}

export function fromStripeRefund(pspName: string, refund: Stripe.Refund): PspNotification | null {
  if (refund.status !== "succeeded" && refund.status !== "failed") return null;
  const paymentIntent =
    typeof refund.payment_intent === "string" ? refund.payment_intent : refund.payment_intent?.id;
  if (typeof paymentIntent !== "string" || !paymentIntent || typeof refund.id !== "string") return null;
  return {
    kind: "refund",
    pspName,
    paymentPspReference: paymentIntent,
    modificationReference: refund.id,
    success: refund.status === "succeeded",
    code: refund.status === "failed" ? (refund.failure_reason ?? "refund_failed") : null,
  };
}
