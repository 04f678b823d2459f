// Merchant webhooks for the composition root: one factory call builds the endpoint commands (the write path),
// the reads, and the delivery job for the worker registry.

import type { VaultKeyring } from "@paycore/core/vault/card-vault";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import type { AddressPolicy } from "@paycore/core/webhooks/address-policy";
import { WebhookEndpointCommands } from "@paycore/core/webhooks/webhook-endpoint-commands";
import { WebhookDeliveryRepository } from "@paycore/db/repositories/webhook-delivery.repository";
import { WebhookEndpointRepository } from "@paycore/db/repositories/webhook-endpoint.repository";
import { WebhookEndpointStoreRepository } from "@paycore/db/repositories/webhook-endpoint-store.repository";
import type { Sql } from "@paycore/db/sql";
import type { Logger } from "pino";
import { webhookDeliveryJob, webhookEventPurgeJob } from "../workers/webhook-delivery";
import type { WorkerJob } from "../workers/worker";
import { DnsUrlGuard, type HostResolver, systemResolver } from "./url-guard";
import { sendWebhook } from "./webhook-sender";

export interface MerchantWebhooksOptions {
  sql: Sql;
  vault: VaultKeyring;
  /** Opens customers' sealed e-mails in stored event snapshots (invoices) for delivery and the events feed. */
  pii?: PiiVault;
  /** Tests inject a resolver that maps test hostnames to chosen addresses. */
  resolve?: HostResolver;
  /** Absent: test-mode endpoints may be on loopback (development and tests); production passes false. */
  addressPolicy?: AddressPolicy;
  connectTimeoutMs?: number;
  totalTimeoutMs?: number;
}

export interface MerchantWebhooks {
  /** The one write path for endpoints (API and console). */
  endpoints: WebhookEndpointCommands;
  /** Endpoints, events, deliveries and attempts, read side. */
  reads: WebhookEndpointRepository;
  deliveries: WebhookDeliveryRepository;
  /** The delivery worker's job, for workers/app-workers.ts. */
  deliveryJob(log: Logger): WorkerJob;
  /** The events' retention: purges events older than 30 days with their deliveries. */
  purgeJob(): WorkerJob;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
export const DEFAULT_TOTAL_TIMEOUT_MS = 10_000;

export function createMerchantWebhooks(options: MerchantWebhooksOptions): MerchantWebhooks {
  const resolve = options.resolve ?? systemResolver;
  const policy = options.addressPolicy ?? { testModeLoopback: true };
  const endpoints = new WebhookEndpointCommands({
    store: new WebhookEndpointStoreRepository(options.sql),
    vault: options.vault,
    urlGuard: new DnsUrlGuard(resolve, policy),
    now: () => new Date(),
  });
  const deliveries = new WebhookDeliveryRepository(options.sql, options.pii ?? null);
  const sendOptions = {
    resolve,
    policy,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    totalTimeoutMs: options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS,
  };
  return {
    endpoints,
    reads: new WebhookEndpointRepository(options.sql, options.pii ?? null),
    deliveries,
    deliveryJob: (log) =>
      webhookDeliveryJob({
        deliveries,
        endpoints,
        send: (target, body, headers) => sendWebhook(target, body, headers, sendOptions),
        log,
      }),
    purgeJob: () => webhookEventPurgeJob({ deliveries }),
  };
}
