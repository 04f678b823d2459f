// Adyen's notifications: a JSON batch whose every item carries its own HMAC signature, and the mapping of
// each item's event code onto the core's small union of notifications (one switch, below). Adyen's items are
// trusted as sent: each names its own outcome, so nothing is confirmed with the PSP.
import { hmacValidator } from "@adyen/api-library";
import type { PspNotification } from "@paycore/core/payments/payment-commands";
import { adyenEventCoverage } from "../event-coverage";
import type { PspWebhook, WebhookVerification } from "../psp-module";
import type { AdyenPsp } from "./adyen-psp";
import { type AdyenDisputeItem, fromAdyenDispute, isAdyenDisputeEvent } from "./disputes";
import type { AdyenNotificationItem } from "./notification-item";

const adyenHmac = new hmacValidator();

export const adyenWebhook: PspWebhook<AdyenPsp> = {
  coverage: adyenEventCoverage,
  reference: (payload) => (payload as Partial<AdyenNotificationItem> | null)?.pspReference ?? null,
  dispute(payload, pspName) {
    const item = payload as AdyenDisputeItem;
    if (typeof item?.eventCode !== "string" || !isAdyenDisputeEvent(item.eventCode)) return undefined;
    const notification = fromAdyenDispute(pspName, item);
    // A failed dispute item (success "false") says nothing happened: stored, nothing to apply.
    return {
      notification,
      reference: item.pspReference ?? null,
      apply: notification !== null || item.success === "true",
    };
  },
  // REPORT_AVAILABLE: the file name as pspReference, its download URL as reason.
  report(payload) {
    const item = payload as Partial<AdyenNotificationItem> | null;
    if (item?.eventCode !== "REPORT_AVAILABLE" || item.success !== "true") return undefined;
    return { fileName: item.pspReference, url: item.reason };
  },
  verify({ body, secrets }): WebhookVerification {
    let items: AdyenNotificationItem[];
    try {
      const parsed = JSON.parse(body) as {
        notificationItems?: Array<{ NotificationRequestItem: AdyenNotificationItem }>;
      };
      items = (parsed.notificationItems ?? []).map((entry) => entry.NotificationRequestItem);
    } catch {
      return { verified: false, status: 400, message: "malformed notification" };
    }
    // All or nothing: one bad signature and the batch is refused, nothing stored.
    let live = false;
    for (const [index, item] of items.entries()) {
      const signer = secrets.find(({ secret }) => {
        try {
          return adyenHmac.validateHMAC(item as never, secret);
        } catch {
          return false;
        }
      });
      if (signer === undefined) return { verified: false, status: 401, message: "invalid signature" };
      if (index === 0) live = signer.live;
    }
    const events = items.map((item) => ({ id: adyenEventId(item), type: item.eventCode, payload: item }));
    return { verified: true, events, live };
  },

  async normalise(event, { pspName }) {
    return adyenWebhook.fromStored(event.payload, pspName);
  },

  fromStored(payload, pspName) {
    const notification = fromAdyen(pspName, payload as AdyenNotificationItem);
    return notification ? [notification] : [];
  },

  acknowledge() {
    return { status: 200, contentType: "text/plain", body: "[accepted]" };
  },
};

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

export type { AdyenNotificationItem } from "./notification-item";
