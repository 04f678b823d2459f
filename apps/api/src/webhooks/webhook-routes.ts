// POST /webhooks/<psp>: PSP notifications, served as plain HTTP routes before
// GraphQL. The PSP is matched from the path before anything is read (unknown →
// 404, body unread); the body is then read counting bytes as it streams and
// refused past WEBHOOK_BODY_MAX_BYTES (413), whether its length was declared or
// it came chunked. The signature is verified on the raw body before anything
// is parsed or written (bad, stale or future-dated → 400 or 401, nothing
// stored). An accepted event is stored once, deduplicated by the PSP's event id
// under a unique constraint, then applied through the state machine; 2xx is
// answered only once it is durably stored. What cannot be applied goes to the
// dead-letter table for operators to inspect and replay.
import { hmacValidator } from "@adyen/api-library";
import type { PspNotification } from "@paycore/core/payments/payment-commands";
import type { Logger } from "pino";
import Stripe from "stripe";
import type { StripePsp } from "../adapters/psp/stripe-psp";
import type { AppServices } from "../services";
import { fromAdyenDispute, isAdyenDisputeEvent } from "./disputes/adyen-disputes";
import { applyDisputeWebhook } from "./disputes/dispute-webhooks";
import {
  fromStripeDispute,
  isStripeDisputeEvent,
  type StripeDisputeObject,
} from "./disputes/stripe-disputes";
import {
  adyenEventCoverage,
  type EventCoverage,
  stripeEventCoverage,
  UNSUPPORTED_EVENT_TYPE,
} from "./event-coverage";
import {
  type AdyenNotificationItem,
  adyenEventId,
  fromAdyen,
  fromStripeIntent,
  fromStripeRefund,
} from "./normalise";
import { readBodyLimited } from "./read-body-limited";
import { parseStripeSignatureTimestamp } from "./stripe-signature";

export interface WebhookEndpoints {
  stripe?: { pspName: string; secret: string; psp: StripePsp };
  adyen?: { pspName: string; hmacKeyHex: string };
}

/** Signed timestamps older or newer than this are refused (replay window). */
export const SIGNATURE_TOLERANCE_S = 300;
/**
 * Notifications are a few kilobytes (an Adyen batch holds at most a handful of items); a quarter of a
 * mebibyte is far beyond any honest one and small enough that a flood of refused uploads costs little.
 */
export const WEBHOOK_BODY_MAX_BYTES = 256 * 1024;
/** Paths this router owns; the PSP name is matched against the configured endpoints before the body is read. */
const WEBHOOK_PATH = /^\/webhooks\/([a-z0-9_-]{1,40})$/;

export interface WebhookRoutes {
  /** True when the path is a webhook route (`/webhooks/…`), answered by `handle` and never by GraphQL. */
  matches(pathname: string): boolean;
  handle(request: Request): Promise<Response>;
}

export function createWebhookRoutes(
  services: AppServices,
  endpoints: WebhookEndpoints,
  logger: Logger,
  bodyMaxBytes = WEBHOOK_BODY_MAX_BYTES,
): WebhookRoutes {
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
    const header = request.headers.get("stripe-signature") ?? "";
    // One timestamp, parsed once: the SDK takes the last `t=` and never refuses a future one, so a header
    // with two could pass its check with one value and ours with the other.
    const signedAt = parseStripeSignatureTimestamp(header);
    if (signedAt === null) return text(400, "invalid signature");
    if (Math.abs(Date.now() / 1000 - signedAt) > SIGNATURE_TOLERANCE_S)
      return text(400, "signature timestamp outside the tolerance");
    // Test mode's secret, then the live account's (current first, then those still in their overlap): the
    // secret that verifies says which account sent it, and so which account confirms the event.
    const candidates = [
      ...(endpoint ? [{ secret: endpoint.secret, live: false }] : []),
      ...(await services.livePsps.webhookSecrets("stripe")).map((secret) => ({ secret, live: true })),
    ];
    let verified: { event: Stripe.Event; live: boolean } | null = null;
    for (const candidate of candidates) {
      try {
        const event = stripeWebhooks.constructEvent(raw, header, candidate.secret, SIGNATURE_TOLERANCE_S);
        verified = { event, live: candidate.live };
        break;
      } catch {
        // Not this secret; try the next.
      }
    }
    if (verified === null) return text(400, "invalid signature");
    const { event, live } = verified;
    const pspName = endpoint?.pspName ?? "stripe";
    const retrieveIntent = (id: string) =>
      live || !endpoint ? services.livePsps.retrieveStripeIntent(id) : endpoint.psp.retrieveIntent(id);

    const stored = await services.webhooks.record(pspName, event.id, event.type, event);
    if (!stored.needsApplying) return json(200, { received: true, duplicate: true });
    // Types we do not apply are listed (informational) or dead-lettered; disputes go to their own commands.
    const coverage = stripeEventCoverage(event.type);
    if (coverage !== "handled") {
      await settleUncovered(`webhook:${pspName}`, stored.id, coverage, null, event);
      return json(200, { received: true });
    }
    if (isStripeDisputeEvent(event.type)) {
      const dispute = event.data.object as StripeDisputeObject;
      const notification = fromStripeDispute(pspName, dispute);
      await applyDisputeWebhook(services, `webhook:${pspName}`, notification, dispute.id ?? null, event);
      await services.webhooks.markProcessed(stored.id);
      return json(200, { received: true });
    }
    const object = event.data.object as { object?: string; id?: string };
    let notifications: PspNotification[] = [];
    if (object.object === "payment_intent" && object.id) {
      try {
        // Read what is true now, not what was true when the event was sent (late or out-of-order delivery).
        notifications = fromStripeIntent(pspName, await retrieveIntent(object.id));
      } catch (error) {
        logger.warn(
          { err: error, eventId: event.id },
          "could not confirm a Stripe event; asking for redelivery",
        );
        return text(503, "retry later");
      }
    } else if (object.object === "refund") {
      const notification = fromStripeRefund(pspName, object as Stripe.Refund);
      notifications = notification ? [notification] : [];
    } else if (object.object === "charge") {
      const refunds = (object as Stripe.Charge).refunds?.data ?? [];
      notifications = refunds.map((r) => fromStripeRefund(pspName, r)).filter((n) => n !== null);
    }
    if (!(await applyAndMark(`webhook:${pspName}`, stored.id, notifications, event))) {
      return text(503, "our call for this is still in flight; send it again later");
    }
    return json(200, { received: true });
  };

  const handleAdyen = async (raw: string): Promise<Response> => {
    const endpoint = endpoints.adyen;
    const pspName = endpoint?.pspName ?? "adyen";
    // Test mode's HMAC key, then the live account's (current first, then those still in their overlap).
    const hmacKeys = [
      ...(endpoint ? [endpoint.hmacKeyHex] : []),
      ...(await services.livePsps.webhookSecrets("adyen")),
    ];
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
      const valid = hmacKeys.some((key) => {
        try {
          return adyenHmac.validateHMAC(item as never, key);
        } catch {
          return false;
        }
      });
      if (!valid) return text(401, "invalid signature");
    }
    for (const item of items) {
      const stored = await services.webhooks.record(pspName, adyenEventId(item), item.eventCode, item);
      if (!stored.needsApplying) continue;
      const coverage = adyenEventCoverage(item.eventCode);
      if (coverage !== "handled") {
        await settleUncovered(`webhook:${pspName}`, stored.id, coverage, item.pspReference, item);
        continue;
      }
      if (isAdyenDisputeEvent(item.eventCode)) {
        const dispute = fromAdyenDispute(pspName, item);
        // A failed dispute item (success "false") says nothing happened: stored, nothing to apply.
        if (dispute !== null || item.success === "true") {
          await applyDisputeWebhook(services, `webhook:${pspName}`, dispute, item.pspReference, item);
        }
        await services.webhooks.markProcessed(stored.id);
        continue;
      }
      const notification = fromAdyen(pspName, item);
      if (!(await applyAndMark(`webhook:${pspName}`, stored.id, notification ? [notification] : [], item))) {
        return text(503, "our call for this is still in flight; send it again later");
      }
    }
    return text(200, "[accepted]");
  };

  /** An event type we do not apply: informational ones are kept as stored, the rest dead-lettered. */
  const settleUncovered = async (
    source: string,
    storedId: bigint,
    coverage: Exclude<EventCoverage, "handled">,
    reference: string | null,
    payload: unknown,
  ) => {
    if (coverage === "unsupported") {
      await services.webhooks.deadLetter(source, reference, UNSUPPORTED_EVENT_TYPE, payload);
    }
    await services.webhooks.markProcessed(storedId);
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
    matches: (pathname) => pathname.startsWith("/webhooks/"),
    async handle(request) {
      const match = WEBHOOK_PATH.exec(new URL(request.url).pathname);
      const psp = match?.[1];
      const known =
        psp !== undefined &&
        (psp === endpoints.stripe?.pspName ||
          psp === endpoints.adyen?.pspName ||
          // A live account's PSP (its name is its route); a cached read, no body read yet.
          ((psp === "stripe" || psp === "adyen") &&
            (await services.livePsps.webhookSecrets(psp)).length > 0));
      // Refused before the body is read: closing the connection keeps Node from draining an unread body.
      if (!known) return text(404, "unknown PSP", { close: true });
      if (request.method !== "POST") return text(405, "POST only", { close: true });
      const body = await readBodyLimited(request, bodyMaxBytes);
      if (body.outcome === "bad_length")
        return text(400, "Content-Length is not a number of bytes", { close: true });
      if (body.outcome === "too_large")
        return text(413, `larger than ${bodyMaxBytes} bytes`, { close: true });
      const raw = body.text;
      try {
        if (psp === (endpoints.stripe?.pspName ?? "stripe")) return await handleStripe(request, raw);
        return await handleAdyen(raw);
      } catch (error) {
        // Not stored, or stored and not applied: either way the PSP must send it again.
        logger.error({ err: error, psp }, "webhook failed");
        return text(500, "retry later");
      }
    },
  };
}

function text(status: number, body: string, options: { close?: boolean } = {}): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "text/plain", ...(options.close ? { connection: "close" } : {}) },
  });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}
