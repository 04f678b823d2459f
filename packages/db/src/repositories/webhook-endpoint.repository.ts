// Merchants' webhook endpoints, events and deliveries, read side: the API's queries, the console's pages and
// the endpoint store's reads. Every read is scoped to one merchant and mode; every list is bounded.

import type { Mode } from "@paycore/core/payments/payment-record";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import type {
  DisabledReason,
  WebhookEndpointStatus,
  WebhookEndpointView,
} from "@paycore/core/webhooks/webhook-endpoint";
import type { Sql } from "../sql";
import { openSealedPayload } from "./webhook-payload-pii";

export const WEBHOOK_PAGE_SIZE_MAX = 100;

export type WebhookDeliveryStatus = "PENDING" | "SUCCEEDED" | "FAILED";

export interface WebhookEventRow {
  id: string;
  type: string;
  objectId: string;
  createdAt: Date;
  /** The event exactly as delivered: { id, type, createdAt, livemode, data: { object, previousAttributes } }. */
  payload: Record<string, unknown>;
}

export interface WebhookDeliveryRow {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  replay: boolean;
  attemptCount: number;
  nextAttemptAt: Date;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface WebhookAttemptRow {
  attemptedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

export interface EventsFilter {
  types?: readonly string[] | null;
  objectId?: string | null;
  createdAfter?: Date | null;
}

/** A position in the events feed (newest first): the last row's time and id. */
export interface EventsCursor {
  createdAt: Date;
  id: string;
}

const ENDPOINT_COLUMNS = `
  w.id, w.merchant_id AS "merchantId", w.mode, w.url, w.description, w.enabled_events AS "enabledEvents",
  w.status, w.disabled_reason AS "disabledReason", w.failing_since AS "failingSince",
  w.needs_attention AS "needsAttention", w.version, w.created_at AS "createdAt", w.updated_at AS "updatedAt",
  (SELECT s.hint FROM webhook_endpoint_secrets s WHERE s.endpoint_id = w.id AND s.valid_until IS NULL
    ORDER BY s.created_at DESC LIMIT 1) AS "secretHint",
  ARRAY(SELECT s.valid_until FROM webhook_endpoint_secrets s
         WHERE s.endpoint_id = w.id AND s.valid_until > now() ORDER BY s.valid_until DESC LIMIT 4)
    AS "previousSecretsValidUntil"`;

const FIND_BY_ID = `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints w
 WHERE w.id = $1 AND w.merchant_id = $2 AND w.mode = $3::"Mode"`;

const LIST = `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints w
 WHERE w.merchant_id = $1 AND ($2::"Mode" IS NULL OR w.mode = $2::"Mode") AND w.status <> 'DELETED'
 ORDER BY w.created_at, w.id
 LIMIT 100`;

const COUNT_ACTIVE = `SELECT count(*)::int AS n FROM webhook_endpoints
 WHERE merchant_id = $1 AND mode = $2::"Mode" AND status <> 'DELETED'`;

const EVENTS_PAGE = `
SELECT id, type, object_id AS "objectId", created_at AS "createdAt", payload
  FROM webhook_events
 WHERE merchant_id = $1 AND mode = $2::"Mode"
   AND ($3::text[] IS NULL OR type = ANY($3::text[]))
   AND ($4::text IS NULL OR object_id = $4)
   AND ($5::timestamptz IS NULL OR created_at > $5)
   AND ($6::timestamptz IS NULL OR (created_at, id) < ($6, $7::text))
 ORDER BY created_at DESC, id DESC
 LIMIT $8`;

const EVENT_BY_ID = `
SELECT id, type, object_id AS "objectId", created_at AS "createdAt", payload
  FROM webhook_events WHERE id = $1 AND merchant_id = $2 AND mode = $3::"Mode"`;

const DELIVERY_COLUMNS = `
  d.id, d.endpoint_id AS "endpointId", d.event_id AS "eventId", e.type AS "eventType", d.status, d.replay,
  d.attempt_count AS "attemptCount", d.next_attempt_at AS "nextAttemptAt", d.last_status_code AS "lastStatusCode",
  d.last_error AS "lastError", d.created_at AS "createdAt", d.finished_at AS "finishedAt"`;

const DELIVERIES = `
SELECT ${DELIVERY_COLUMNS}
  FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
 WHERE d.endpoint_id = $1
   AND ($2::"WebhookDeliveryStatus" IS NULL OR d.status = $2::"WebhookDeliveryStatus")
   AND ($3::text IS NULL OR e.type = $3)
 ORDER BY d.created_at DESC, d.id DESC
 LIMIT $4`;

// Latest failures across a merchant's endpoints: given up, or still retrying after a failed attempt.
const LATEST_FAILURES = `
SELECT ${DELIVERY_COLUMNS}
  FROM webhook_deliveries d
  JOIN webhook_events e ON e.id = d.event_id
  JOIN webhook_endpoints w ON w.id = d.endpoint_id
 WHERE w.merchant_id = $1 AND (d.status = 'FAILED' OR (d.status = 'PENDING' AND d.attempt_count > 0))
 ORDER BY d.updated_at DESC
 LIMIT $2`;

const ATTEMPTS = `
SELECT attempted_at AS "attemptedAt", status_code AS "statusCode", latency_ms AS "latencyMs", error,
       response_excerpt AS "responseExcerpt"
  FROM webhook_delivery_attempts WHERE delivery_id = $1 ORDER BY attempted_at DESC, id DESC LIMIT 50`;

interface EndpointRow {
  id: string;
  merchantId: string;
  mode: Mode;
  url: string;
  description: string | null;
  enabledEvents: string[];
  status: WebhookEndpointStatus;
  disabledReason: string | null;
  failingSince: Date | null;
  needsAttention: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  secretHint: string | null;
  previousSecretsValidUntil: Date[];
}

function toView(row: EndpointRow): WebhookEndpointView {
  return {
    id: row.id,
    merchantId: row.merchantId,
    mode: row.mode,
    url: row.url,
    description: row.description,
    enabledEvents: row.enabledEvents,
    status: row.status,
    disabledReason: row.disabledReason as DisabledReason | null,
    failingSince: row.failingSince,
    needsAttention: row.needsAttention,
    secretHint: row.secretHint ?? "",
    previousSecretsValidUntil: row.previousSecretsValidUntil,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function boundedLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > WEBHOOK_PAGE_SIZE_MAX + 1) {
    throw new Error(`limit must be an integer in 1..${WEBHOOK_PAGE_SIZE_MAX + 1}, got ${limit}`);
  }
  return limit;
}

export class WebhookEndpointRepository {
  /** @param pii opens a sealed customer e-mail in the events' snapshots (null: payloads as stored). */
  constructor(
    private readonly sql: Sql,
    private readonly pii: PiiVault | null = null,
  ) {}

  async findById(merchantId: string, mode: Mode, id: string): Promise<WebhookEndpointView | null> {
    const [row] = await this.sql.query<EndpointRow>(FIND_BY_ID, [id, merchantId, mode]);
    return row ? toView(row) : null;
  }

  /** A merchant's endpoints not deleted (both modes when `mode` is null), oldest first, at most 100. */
  async list(merchantId: string, mode: Mode | null): Promise<WebhookEndpointView[]> {
    const rows = await this.sql.query<EndpointRow>(LIST, [merchantId, mode]);
    return rows.map(toView);
  }

  async countActive(merchantId: string, mode: Mode): Promise<number> {
    const [row] = await this.sql.query<{ n: number }>(COUNT_ACTIVE, [merchantId, mode]);
    return row?.n ?? 0;
  }

  /** Up to `limit` events newest first, after the cursor; ask for one more than the page to know if more follow. */
  async events(
    merchantId: string,
    mode: Mode,
    filter: EventsFilter,
    after: EventsCursor | null,
    limit: number,
  ): Promise<WebhookEventRow[]> {
    const rows = await this.sql.query<WebhookEventRow>(EVENTS_PAGE, [
      merchantId,
      mode,
      filter.types && filter.types.length > 0 ? [...filter.types] : null,
      filter.objectId ?? null,
      filter.createdAfter ?? null,
      after?.createdAt ?? null,
      after?.id ?? null,
      boundedLimit(limit),
    ]);
    return rows.map((row) => ({ ...row, payload: openSealedPayload(row.payload, merchantId, this.pii) }));
  }

  async eventById(merchantId: string, mode: Mode, id: string): Promise<WebhookEventRow | null> {
    const [row] = await this.sql.query<WebhookEventRow>(EVENT_BY_ID, [id, merchantId, mode]);
    return row ? { ...row, payload: openSealedPayload(row.payload, merchantId, this.pii) } : null;
  }

  /** An endpoint's deliveries, newest first; filter by status and event type. The caller checks the endpoint's owner. */
  deliveries(
    endpointId: string,
    filter: { status?: WebhookDeliveryStatus | null; eventType?: string | null },
    limit: number,
  ): Promise<WebhookDeliveryRow[]> {
    return this.sql.query<WebhookDeliveryRow>(DELIVERIES, [
      endpointId,
      filter.status ?? null,
      filter.eventType ?? null,
      boundedLimit(limit),
    ]);
  }

  latestFailures(merchantId: string, limit: number): Promise<WebhookDeliveryRow[]> {
    return this.sql.query<WebhookDeliveryRow>(LATEST_FAILURES, [merchantId, boundedLimit(limit)]);
  }

  /** A delivery's attempts, newest first (at most 50). The caller checks the delivery's owner. */
  attempts(deliveryId: string): Promise<WebhookAttemptRow[]> {
    return this.sql.query<WebhookAttemptRow>(ATTEMPTS, [deliveryId]);
  }
}
