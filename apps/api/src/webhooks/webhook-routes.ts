// POST /webhooks/<psp>: PSP notifications, served as plain HTTP routes before
// GraphQL. The PSP is looked up in the registry (src/psps/registry.ts) from the
// path before anything is read (unknown → 404, body unread); the body is then
// read counting bytes as it streams and refused past WEBHOOK_BODY_MAX_BYTES
// (413), whether its length was declared or it came chunked. The PSP's own
// verifier checks the signature on the raw body before anything is parsed or
// written (bad, stale or future-dated → 400 or 401, nothing stored). An
// accepted event is stored once, deduplicated by the PSP's event id under a
// unique constraint, mapped by the PSP's own normaliser onto the core's
// notifications, then applied through the state machine; 2xx is answered only
// once it is durably stored. What cannot be applied goes to the dead-letter
// table for operators to inspect and replay, except a message that contradicts
// what we recorded: that is one reconciliation item (shadow mode), dead-lettered
// only if the item could not be recorded. Nothing here is specific to one PSP.
import { DomainError } from "@paycore/core/errors/domain-error";
import type { PspNotification } from "@paycore/core/payments/payment-commands";
import type { PspName } from "@paycore/core/psp-accounts/psp-account";
import { UNSUPPORTED_EVENT_TYPE } from "@paycore/platform/psps/event-coverage";
import type { PspAdapter, PspModule, WebhookSecret } from "@paycore/platform/psps/psp-module";
import { pspModule } from "@paycore/platform/psps/registry";
import type { AppServices } from "@paycore/platform/services";
import type { Logger } from "pino";
import { applyDisputeWebhook } from "./disputes/dispute-webhooks";
import { readBodyLimited } from "./read-body-limited";

/** Test mode's webhook endpoints, by PSP: the secret the sandbox signs with, and the adapter that confirms. */
export type WebhookEndpoints = ReadonlyMap<PspName, { secret: string; adapter: PspAdapter }>;

/**
 * Notifications are a few kilobytes (an Adyen batch holds at most a handful of items); a quarter of a
 * mebibyte is far beyond any honest one and small enough that a flood of refused uploads costs little.
 */
export const WEBHOOK_BODY_MAX_BYTES = 256 * 1024;
/** Retry-After on a 503 for a call of ours still in flight: its answer is seconds away. */
export const IN_FLIGHT_RETRY_AFTER_S = 5;
/** Paths this router owns; the PSP name is looked up in the registry before the body is read. */
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
  /** Applies the notifications; answers false when one concerns a call of ours still in flight (redeliver later). */
  const apply = async (
    source: string,
    notifications: PspNotification[],
    payload: unknown,
  ): Promise<boolean> => {
    for (const notification of notifications) {
      const result = await services.commands.applyPspNotification(notification);
      // Shadow mode (issue 16): a notification that contradicts our state opens a reconciliation item at once.
      // A failure here is logged, never a reason to have the PSP redeliver what was applied.
      const observed = await services.shadowReconciliation
        .observe(notification, result)
        .catch((error: unknown) => {
          logger.error({ err: error, source }, "shadow reconciliation failed");
          return null;
        });
      if (!result.applied && result.reason === "in_flight") return false;
      // A contradiction of what we recorded is one operator item: its reconciliation item (open now, or already
      // open for the same attempt and rule). Dead-lettered only when no item covers it, so it is never lost.
      const covered = !result.applied && result.reason === "contradicts_confirmed" && observed !== null;
      if (!result.applied && result.reason !== "already_applied" && !covered) {
        const reference =
          notification.kind === "authorization"
            ? notification.pspReference
            : notification.paymentPspReference;
        const reason =
          result.reason === "unknown_payment"
            ? "no payment with this PSP reference"
            : `${notification.kind} ${notification.success ? "succeeded" : "failed"} at the PSP, contradicting the outcome recorded: needs an operator`;
        await services.webhooks.deadLetter(source, reference, reason, payload);
      }
    }
    return true;
  };

  /** A notification for a PSP whose route is known, its body read within the limit. */
  const handlePsp = async (module: PspModule, request: Request, raw: string): Promise<Response> => {
    const name = module.id;
    const endpoint = endpoints.get(name);
    // Test mode's secret, then the live account's (current first, then those still in their overlap).
    const secrets: WebhookSecret[] = [
      ...(endpoint ? [{ secret: endpoint.secret, live: false }] : []),
      ...(await services.livePsps.webhookSecrets(name)).map((secret) => ({ secret, live: true })),
    ];
    const verification = module.webhook.verify({
      headers: request.headers,
      body: raw,
      secrets,
      nowMs: Date.now(),
    });
    if (!verification.verified) return text(verification.status, verification.message);
    // Signed by the PSP, but unstorable: an id a unique index cannot hold, or a NUL that Postgres refuses in
    // text and jsonb. Refused whole, before anything is stored, rather than a 500 on every redelivery.
    if (!verification.events.every(isStorableEvent)) return text(400, "malformed event");
    // The account whose secret verified is the one that confirms the events.
    const adapter = async (): Promise<PspAdapter> => {
      if (!verification.live && endpoint) return endpoint.adapter;
      const client = await services.livePsps.client(name);
      if (!client) throw new Error(`no active live ${name} account`);
      return client.sdk;
    };
    let duplicate = true;
    for (const event of verification.events) {
      const stored = await services.webhooks.record(name, event.id, event.type, event.payload);
      if (!stored.needsApplying) continue;
      duplicate = false;
      // Types we do not apply are listed (informational) or dead-lettered; disputes go to their own commands.
      const coverage = module.webhook.coverage(event.type);
      if (coverage !== "handled") {
        if (coverage === "unsupported") {
          await services.webhooks.deadLetter(
            `webhook:${name}`,
            module.webhook.reference(event.payload),
            UNSUPPORTED_EVENT_TYPE,
            event.payload,
          );
        }
        await services.webhooks.markProcessed(stored.id);
        continue;
      }
      // A settlement report is ready (issue 16): queued once per file for the download worker.
      const report = module.webhook.report?.(event.payload);
      if (report) {
        try {
          await services.announcedReports.announce({ psp: name, ...report });
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          await services.webhooks.deadLetter(`webhook:${name}`, null, error.message, event.payload);
        }
        await services.webhooks.markProcessed(stored.id);
        continue;
      }
      const dispute = module.webhook.dispute(event.payload, name);
      if (dispute) {
        if (dispute.apply) {
          // The account whose secret verified says the mode (where a race with our own call is looked for).
          const notification =
            dispute.notification === null
              ? null
              : { ...dispute.notification, mode: verification.live ? ("LIVE" as const) : ("TEST" as const) };
          const outcome = await applyDisputeWebhook(
            services,
            `webhook:${name}`,
            notification,
            dispute.reference,
            event.payload,
          );
          // Left unprocessed: the PSP's redelivery applies it once our call's answer is recorded.
          if (outcome === "in_flight") return inFlight();
        }
        await services.webhooks.markProcessed(stored.id);
        continue;
      }
      let notifications: PspNotification[];
      try {
        notifications = await module.webhook.normalise(event, { pspName: name, adapter });
      } catch (error) {
        logger.warn(
          { err: error, psp: name, eventId: event.id },
          "could not confirm a PSP event; asking for redelivery",
        );
        return text(503, "retry later");
      }
      if (!(await applyAndMark(`webhook:${name}`, stored.id, notifications, event.payload))) {
        return inFlight();
      }
    }
    const answer = module.webhook.acknowledge(duplicate);
    return new Response(answer.body, {
      status: answer.status,
      headers: { "content-type": answer.contentType },
    });
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
      const module = match?.[1] === undefined ? null : pspModule(match[1]);
      const known =
        module !== null &&
        (endpoints.has(module.id) ||
          // A live account's PSP (its name is its route); a cached read, no body read yet.
          (await services.livePsps.webhookSecrets(module.id)).length > 0);
      // Refused before the body is read: closing the connection keeps Node from draining an unread body.
      if (!known) return text(404, "unknown PSP", { close: true });
      if (request.method !== "POST") return text(405, "POST only", { close: true });
      const body = await readBodyLimited(request, bodyMaxBytes);
      if (body.outcome === "bad_length")
        return text(400, "Content-Length is not a number of bytes", { close: true });
      if (body.outcome === "too_large")
        return text(413, `larger than ${bodyMaxBytes} bytes`, { close: true });
      try {
        return await handlePsp(module, request, body.text);
      } catch (error) {
        // Not stored, or stored and not applied: either way the PSP must send it again.
        logger.error({ err: error, psp: module.id }, "webhook failed");
        return text(500, "retry later");
      }
    },
  };
}

/** Event ids and types: printable ASCII without spaces, at most this long (a PSP's are tens of characters). */
const EVENT_ID = /^[\x21-\x7e]{1,255}$/;

function isStorableEvent(event: { id: string; type: string; payload: unknown }): boolean {
  return (
    typeof event.id === "string" &&
    EVENT_ID.test(event.id) &&
    typeof event.type === "string" &&
    EVENT_ID.test(event.type) &&
    !JSON.stringify(event.payload).includes("\\u0000")
  );
}

/** 503 with Retry-After: the event is stored unprocessed and the PSP's redelivery applies it. */
function inFlight(): Response {
  return new Response("our call for this is still in flight; send it again later", {
    status: 503,
    headers: { "content-type": "text/plain", "retry-after": String(IN_FLIGHT_RETRY_AFTER_S) },
  });
}

function text(status: number, body: string, options: { close?: boolean } = {}): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "text/plain", ...(options.close ? { connection: "close" } : {}) },
  });
}
