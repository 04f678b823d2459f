// POST /webhooks/<psp>: PSP notifications. The signature is verified on the raw
// body before anything is parsed or written (bad, stale or future-dated → 400
// or 401, nothing stored). An accepted event is stored once, deduplicated by
// the PSP's event id under a unique constraint, then applied through the state
// machine; 2xx is answered only once it is durably stored. What cannot be
// applied goes to the dead-letter table for operators to inspect and replay.
import { hmacValidator } from "@adyen/api-library";
import type { PspNotification } from "@paycore/core/payments/payment-commands";
import type { Plugin } from "graphql-yoga";
import type { Logger } from "pino";
import Stripe from "stripe";
import type { StripePsp } from "../adapters/psp/stripe-psp";
import type { AppServices } from "../services";
import {
  type AdyenNotificationItem,
  adyenEventId,
  fromAdyen,
  fromStripeIntent,
  fromStripeRefund,
} from "../webhooks/normalise";
import { REQUEST_BODY_MAX_BYTES } from "./use-request-body-limit";

export interface WebhookEndpoints {
  stripe?: { pspName: string; secret: string; psp: StripePsp };
  adyen?: { pspName: string; hmacKeyHex: string };
}

/** Signed timestamps older or newer than this are refused (replay window). */
const SIGNATURE_TOLERANCE_S = 300;
/** Webhook bodies are small; anything larger is refused, unread when its length is declared. */
const BODY_MAX_BYTES = REQUEST_BODY_MAX_BYTES;

export function usePspWebhooks(services: AppServices, endpoints: WebhookEndpoints, logger: Logger): Plugin {
  // Signature checks only: this client never calls Stripe.
  const stripeWebhooks = new Stripe("sk_test_webhook_verification_only").webhooks;
  const adyenHmac = new hmacValidator();

  /** Applies the notifications; answers false when one concerns a call of ours still in flight (redeliver later). */
  const apply = async (
    source: string,
    notifications: PspNotification[],
    payload: unknown,
  ): Promise<boolean> => {
    for (const notification of notifications) {
      const result = await services.commands.applyPspNotification(notification);
      if (!result.applied && result.reason === "in_flight") return false;
      if (!result.applied && result.reason !== "already_applied") {
        const reference =
          notification.kind === "authorization"
            ? notification.pspReference
            : notification.paymentPspReference;
        const reason =
          result.reason === "unknown_payment"
            ? "no payment with this PSP reference"
            : `${notification.kind} failed after the PSP had confirmed it: needs an operator`;
        await services.webhooks.deadLetter(source, reference, reason, payload);
      }
    }
    return true;
  };

  const handleStripe = async (request: Request, raw: string): Promise<Response> => {
    const endpoint = endpoints.stripe;
    if (!endpoint) return text(404, "unknown PSP");
    const header = request.headers.get("stripe-signature") ?? "";
    let event: Stripe.Event;
    try {
      event = stripeWebhooks.constructEvent(raw, header, endpoint.secret, SIGNATURE_TOLERANCE_S);
    } catch {
      return text(400, "invalid signature");
    }
    const signedAt = Number(/(?:^|,)t=(\d+)/.exec(header)?.[1] ?? Number.NaN);
    if (!(signedAt <= Date.now() / 1000 + SIGNATURE_TOLERANCE_S))
      return text(400, "signature from the future");

    const stored = await services.webhooks.record(endpoint.pspName, event.id, event.type, event);
    if (!stored.needsApplying) return json(200, { received: true, duplicate: true });
    const object = event.data.object as { object?: string; id?: string };
    let notifications: PspNotification[] = [];
    if (object.object === "payment_intent" && object.id) {
      try {
        // Read what is true now, not what was true when the event was sent (late or out-of-order delivery).
        notifications = fromStripeIntent(endpoint.pspName, await endpoint.psp.retrieveIntent(object.id));
      } catch (error) {
        logger.warn(
          { err: error, eventId: event.id },
          "could not confirm a Stripe event; asking for redelivery",
        );
        return text(503, "retry later");
      }
    } else if (object.object === "refund") {
      const notification = fromStripeRefund(endpoint.pspName, object as Stripe.Refund);
      notifications = notification ? [notification] : [];
    } else if (object.object === "charge") {
      const refunds = (object as Stripe.Charge).refunds?.data ?? [];
      notifications = refunds.map((r) => fromStripeRefund(endpoint.pspName, r)).filter((n) => n !== null);
    }
    if (!(await applyAndMark(`webhook:${endpoint.pspName}`, stored.id, notifications, event))) {
      return text(503, "our call for this is still in flight; send it again later");
    }
    return json(200, { received: true });
  };

  const handleAdyen = async (raw: string): Promise<Response> => {
    const endpoint = endpoints.adyen;
    if (!endpoint) return text(404, "unknown PSP");
    let items: AdyenNotificationItem[];
    try {
      const body = JSON.parse(raw) as {
        notificationItems?: Array<{ NotificationRequestItem: AdyenNotificationItem }>;
      };
      items = (body.notificationItems ?? []).map((entry) => entry.NotificationRequestItem);
    } catch {
      return text(400, "malformed notification");
    }
    // All or nothing: one bad signature and the batch is refused, nothing stored.
    for (const item of items) {
      let valid = false;
      try {
        valid = adyenHmac.validateHMAC(item as never, endpoint.hmacKeyHex);
      } catch {
        valid = false;
      }
      if (!valid) return text(401, "invalid signature");
    }
    for (const item of items) {
      const stored = await services.webhooks.record(
        endpoint.pspName,
        adyenEventId(item),
        item.eventCode,
        item,
      );
      if (!stored.needsApplying) continue;
      const notification = fromAdyen(endpoint.pspName, item);
      if (
        !(await applyAndMark(
          `webhook:${endpoint.pspName}`,
          stored.id,
          notification ? [notification] : [],
          item,
        ))
      ) {
        return text(503, "our call for this is still in flight; send it again later");
      }
    }
    return text(200, "[accepted]");
  };

  /** Applies and marks the stored event processed; false when it must be redelivered (left unprocessed). */
  const applyAndMark = async (
    source: string,
    storedId: bigint,
    notifications: PspNotification[],
    payload: unknown,
  ) => {
    try {
      if (!(await apply(source, notifications, payload))) return false;
    } catch (error) {
      logger.error({ err: error, source }, "webhook could not be applied; dead-lettered");
      await services.webhooks.deadLetter(
        source,
        null,
        error instanceof Error ? error.message : "apply failed",
        payload,
      );
    }
    await services.webhooks.markProcessed(storedId);
    return true;
  };

  return {
    async onRequest({ request, url, endResponse }) {
      const match = /^\/webhooks\/([a-z0-9_-]{1,40})$/.exec(url.pathname);
      if (!match) return;
      if (request.method !== "POST") return endResponse(text(405, "POST only"));
      const length = Number(request.headers.get("content-length") ?? 0);
      if (length > BODY_MAX_BYTES) return endResponse(text(413, "too large"));
      const raw = await request.text();
      if (Buffer.byteLength(raw) > BODY_MAX_BYTES) return endResponse(text(413, "too large"));
      const psp = match[1];
      try {
        if (psp === endpoints.stripe?.pspName) return endResponse(await handleStripe(request, raw));
        if (psp === endpoints.adyen?.pspName) return endResponse(await handleAdyen(raw));
        return endResponse(text(404, "unknown PSP"));
      } catch (error) {
        // Not stored, or stored and not applied: either way the PSP must send it again.
        logger.error({ err: error, psp }, "webhook failed");
        return endResponse(text(500, "retry later"));
      }
    },
  };
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain" } });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}
