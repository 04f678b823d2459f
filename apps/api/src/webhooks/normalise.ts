// PSP webhook formats mapped onto the core's small union of notifications.
import type { PspNotification } from "@paycore/core/payments/payment-commands";
import type Stripe from "stripe";

export interface AdyenNotificationItem {
  eventCode: string;
  success: string;
  pspReference: string;
  originalReference?: string;
  merchantReference?: string;
  reason?: string;
  amount?: { value: number; currency: string };
}

/** Adyen's own dedupe key: the same event code, reference and result is the same event. */
export function adyenEventId(item: AdyenNotificationItem): string {
  return `${item.eventCode}:${item.pspReference}:${item.success}`;
}

export function fromAdyen(pspName: string, item: AdyenNotificationItem): PspNotification | null {
  const success = item.success === "true";
  const code = success ? null : (item.reason ?? item.eventCode.toLowerCase());
  const modification = (kind: "capture" | "void" | "refund", ok: boolean): PspNotification => ({
    kind,
    pspName,
    paymentPspReference: item.originalReference ?? item.pspReference,
    modificationReference: item.pspReference,
    // We send our attempt id as the modification's reference; Adyen echoes it as merchantReference.
    attemptReference: item.merchantReference ?? null,
    success: ok,
    code: ok ? null : (item.reason ?? item.eventCode.toLowerCase()),
  });
  switch (item.eventCode) {
    case "AUTHORISATION":
      return {
        kind: "authorization",
        pspName,
        pspReference: item.pspReference,
        reference: item.merchantReference ?? null,
        success,
        code,
      };
    case "CAPTURE":
      return modification("capture", success);
    case "CAPTURE_FAILED":
      return modification("capture", false);
    case "CANCELLATION":
      return modification("void", success);
    case "REFUND":
      return modification("refund", success);
    case "REFUND_FAILED":
      return modification("refund", false);
    default:
      return null;
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
  if (!paymentIntent) return null;
  return {
    kind: "refund",
    pspName,
    paymentPspReference: paymentIntent,
    modificationReference: refund.id,
    success: refund.status === "succeeded",
    code: refund.status === "failed" ? (refund.failure_reason ?? "refund_failed") : null,
  };
}
