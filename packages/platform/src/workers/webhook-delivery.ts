// Delivers merchants' webhooks from the Postgres queue (webhook_deliveries, filled by the outbox trigger): a pass
// leases a batch of due deliveries, posts each one signed afresh (Paycore-Signature, Stripe's scheme), and records
// the attempt with its outcome: done, retried later (exponential backoff with full jitter, for up to 3 days), or
// given up. An endpoint failing for 3 days is disabled and flagged for the console. At least once: a crash
// between the POST and the record leaves the lease to expire, and the same event (same id, same body) goes again.
// Works with or without Redis.

import { afterFailedAttempt, shouldDisableEndpoint } from "@paycore/core/webhooks/delivery-schedule";
import type { WebhookEndpointCommands } from "@paycore/core/webhooks/webhook-endpoint-commands";
import { SIGNATURE_HEADER, signatureHeader } from "@paycore/core/webhooks/webhook-signature";
import {
  type ClaimedDelivery,
  DELIVERY_BATCH_SIZE_MAX,
  type WebhookDeliveryRepository,
} from "@paycore/db/repositories/webhook-delivery.repository";
import type { Logger } from "pino";
import { excerptToKeep } from "../merchant-webhooks/response-excerpt";
import { isSuccess, type SendResult } from "../merchant-webhooks/webhook-sender";
import type { PassResult, WorkerJob } from "./worker";

export interface WebhookDeliveryJobOptions {
  deliveries: Pick<WebhookDeliveryRepository, "claim" | "succeeded" | "failed">;
  endpoints: Pick<WebhookEndpointCommands, "signingSecrets" | "disableFailing">;
  /** Posts one webhook (webhook-sender.ts with the app's resolver and timeouts). */
  send: (
    target: { url: string; mode: "TEST" | "LIVE" },
    body: string,
    headers: Record<string, string>,
  ) => Promise<SendResult>;
  log: Pick<Logger, "info" | "warn" | "debug">;
  now?: () => Date;
  /** A uniform draw in [0, 1) for the retry jitter. */
  random?: () => number;
  /** Deliveries leased per pass (1..100). */
  batchSize?: number;
  /** Posts in flight at once within a pass. */
  concurrency?: number;
  /** How long a lease holds a delivery: longer than a post's total timeout. */
  leaseMs?: number;
  /** Pause when nothing was due. */
  intervalMs?: number;
}

const DEFAULT_BATCH_SIZE = 20;
const DEFAULT_CONCURRENCY = 8;
const DEFAULT_LEASE_MS = 60_000;
const DEFAULT_INTERVAL_MS = 1_000;

export function webhookDeliveryJob(options: WebhookDeliveryJobOptions): WorkerJob {
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > DELIVERY_BATCH_SIZE_MAX) {
    throw new Error(`batchSize must be an integer in 1..${DELIVERY_BATCH_SIZE_MAX}`);
  }
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new Error("concurrency must be an integer in 1..64");
  }

  async function deliver(delivery: ClaimedDelivery): Promise<boolean> {
    const body = JSON.stringify(delivery.payload);
    const secrets = await options.endpoints.signingSecrets(delivery.endpointId);
    const attemptedAt = now();
    const result: SendResult =
      secrets.length === 0
        ? { statusCode: null, latencyMs: 0, responseExcerpt: null, error: "no signing secret", address: null }
        : await options.send({ url: delivery.url, mode: delivery.mode }, body, {
            "content-type": "application/json",
            "user-agent": "Paycore-Webhooks/1.0",
            "paycore-event-id": delivery.eventId,
            [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(
              secrets,
              Math.floor(attemptedAt.getTime() / 1000),
              body,
            ),
          });
    const attempt = {
      attemptedAt,
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      error: result.error,
      // Issue 22: only a failed attempt keeps an excerpt, and never a value of the event we sent (an endpoint may
      // echo the body, customer e-mail included).
      responseExcerpt: excerptToKeep(result, delivery.payload),
    };
    if (isSuccess(result)) {
      await options.deliveries.succeeded(delivery, attempt);
      return true;
    }
    const decision = afterFailedAttempt({
      firstAttemptAt: delivery.firstAttemptAt ?? attemptedAt,
      failedAttempts: delivery.attemptCount + 1,
      now: attemptedAt,
      random: random(),
    });
    const disable = shouldDisableEndpoint(delivery.failingSince, attemptedAt);
    await options.deliveries.failed(
      delivery,
      attempt,
      decision.kind === "retry" ? decision.nextAttemptAt : null,
    );
    // Through the core command: the endpoint's state machine, its audit row in the same transaction.
    const disabled =
      disable &&
      (await options.endpoints.disableFailing(delivery.merchantId, delivery.mode, delivery.endpointId));
    options.log.debug(
      {
        deliveryId: delivery.id,
        endpointId: delivery.endpointId,
        statusCode: result.statusCode,
        error: result.error,
      },
      "webhook delivery failed",
    );
    if (disabled)
      options.log.warn(
        { endpointId: delivery.endpointId },
        "webhook endpoint disabled after failing for days",
      );
    return false;
  }

  return {
    name: "webhook-delivery",
    failureMessage: "webhook delivery pass failed: leased deliveries are retried when their lease ends",
    schedule: {
      intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS,
      backoff: { initialDelayMs: 500, maxDelayMs: 30_000 },
    },
    async pass(): Promise<PassResult> {
      const batch = await options.deliveries.claim(batchSize, leaseMs);
      let next = 0;
      const lanes = Array.from({ length: Math.min(concurrency, batch.length) }, async () => {
        while (next < batch.length) {
          const delivery = batch[next++] as ClaimedDelivery;
          await deliver(delivery);
        }
      });
      await Promise.all(lanes);
      return { done: batch.length, more: batch.length === batchSize };
    },
  };
}

/** Events (with their deliveries and attempts) are kept this long, then purged: the feed's documented retention. */
export const EVENT_RETENTION_DAYS = 30;
const PURGE_BATCH = 1_000;

/** Purges events past their retention, a bounded batch per pass. */
export function webhookEventPurgeJob(options: {
  deliveries: Pick<WebhookDeliveryRepository, "purgeEvents">;
  retentionDays?: number;
}): WorkerJob {
  const retentionDays = options.retentionDays ?? EVENT_RETENTION_DAYS;
  return {
    name: "webhook-event-purge",
    failureMessage: "webhook event purge failed: old events stay until the next pass",
    schedule: {
      intervalMs: 10 * 60_000,
      firstPassDelayMs: 60_000,
      backoff: { initialDelayMs: 60_000, maxDelayMs: 10 * 60_000 },
    },
    async pass(): Promise<PassResult> {
      const done = await options.deliveries.purgeEvents(retentionDays, PURGE_BATCH);
      return { done, more: done === PURGE_BATCH };
    },
  };
}
