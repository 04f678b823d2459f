// Merchants' webhook endpoints, write side: the store behind the core's WebhookEndpointCommands. Each change and
// its operator_audit_log row are one transaction; updates are conditional on the version read (and the
// webhook_endpoints trigger checks the status edge and the version step).

import type { Mode } from "@paycore/core/payments/payment-record";
import type { AuditDraft } from "@paycore/core/ports/audit";
import type {
  NewWebhookEndpoint,
  SealedWebhookSecret,
  StoredWebhookSecret,
  WebhookEndpointPatch,
  WebhookEndpointStore,
} from "@paycore/core/ports/webhook-endpoint-store";
import type { WebhookEndpointView } from "@paycore/core/webhooks/webhook-endpoint";
import type { Sql, SqlTransaction } from "../sql";
import { WebhookEndpointRepository } from "./webhook-endpoint.repository";

const INSERT_AUDIT = `
INSERT INTO operator_audit_log (operator_id, action, target_type, target_id, before, after)
VALUES ($1, $2, 'webhook_endpoint', $3, $4::jsonb, $5::jsonb)`;

const INSERT_ENDPOINT = `
INSERT INTO webhook_endpoints (id, merchant_id, mode, url, description, enabled_events)
VALUES ($1, $2, $3::"Mode", $4, $5, $6::text[])`;

const INSERT_SECRET = `
INSERT INTO webhook_endpoint_secrets (id, endpoint_id, ciphertext, nonce, auth_tag, key_version, hint)
VALUES ($1, $2, $3, $4, $5, $6, $7)`;

// One fixed statement for every patch: a flag per column says whether it changes.
const UPDATE_ENDPOINT = `
UPDATE webhook_endpoints SET
  url = CASE WHEN $3 THEN $4 ELSE url END,
  description = CASE WHEN $5 THEN $6 ELSE description END,
  enabled_events = CASE WHEN $7 THEN $8::text[] ELSE enabled_events END,
  status = CASE WHEN $9 THEN $10::"WebhookEndpointStatus" ELSE status END,
  disabled_reason = CASE WHEN $11 THEN $12 ELSE disabled_reason END,
  needs_attention = CASE WHEN $13 THEN $14 ELSE needs_attention END,
  failing_since = CASE WHEN $15 THEN $16::timestamptz ELSE failing_since END,
  version = version + 1
WHERE id = $1 AND version = $2`;

const BUMP_VERSION = `UPDATE webhook_endpoints SET version = version + 1 WHERE id = $1 AND version = $2`;

const EXPIRE_CURRENT_SECRET = `
UPDATE webhook_endpoint_secrets SET valid_until = $2
 WHERE endpoint_id = $1 AND valid_until IS NULL`;

const SIGNING_SECRETS = `
SELECT id, ciphertext, nonce, auth_tag AS "authTag", key_version AS "keyVersion", valid_until AS "validUntil"
  FROM webhook_endpoint_secrets
 WHERE endpoint_id = $1 AND (valid_until IS NULL OR valid_until > $2)
 ORDER BY valid_until DESC NULLS FIRST, created_at DESC
 LIMIT 4`;

const ENQUEUE_REPLAY = `
INSERT INTO webhook_deliveries (id, endpoint_id, event_id, replay)
SELECT 'whd_' || replace(gen_random_uuid()::text, '-', ''), $1, e.id, true
  FROM webhook_events e
 WHERE e.id = $2 AND e.merchant_id = $3 AND e.mode = $4::"Mode"
RETURNING id`;

export class WebhookEndpointStoreRepository implements WebhookEndpointStore {
  private readonly reads: WebhookEndpointRepository;

  constructor(private readonly sql: Sql) {
    this.reads = new WebhookEndpointRepository(sql);
  }

  findById(merchantId: string, mode: Mode, id: string): Promise<WebhookEndpointView | null> {
    return this.reads.findById(merchantId, mode, id);
  }

  countActive(merchantId: string, mode: Mode): Promise<number> {
    return this.reads.countActive(merchantId, mode);
  }

  async create(endpoint: NewWebhookEndpoint, secret: SealedWebhookSecret, audit: AuditDraft): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.execute(INSERT_ENDPOINT, [
        endpoint.id,
        endpoint.merchantId,
        endpoint.mode,
        endpoint.url,
        endpoint.description,
        endpoint.enabledEvents,
      ]);
      await insertSecret(tx, endpoint.id, secret);
      await insertAudit(tx, audit);
    });
  }

  update(id: string, version: number, patch: WebhookEndpointPatch, audit: AuditDraft): Promise<boolean> {
    const has = (key: keyof WebhookEndpointPatch) => Object.hasOwn(patch, key);
    return this.sql.transaction(async (tx) => {
      const count = await tx.execute(UPDATE_ENDPOINT, [
        id,
        version,
        has("url"),
        patch.url ?? null,
        has("description"),
        patch.description ?? null,
        has("enabledEvents"),
        patch.enabledEvents ?? null,
        has("status"),
        patch.status ?? null,
        has("disabledReason"),
        patch.disabledReason ?? null,
        has("needsAttention"),
        patch.needsAttention ?? false,
        has("failingSince"),
        patch.failingSince ?? null,
      ]);
      if (count === 0) return false;
      await insertAudit(tx, audit);
      return true;
    });
  }

  replaceSecret(
    id: string,
    version: number,
    secret: SealedWebhookSecret,
    previousValidUntil: Date,
    audit: AuditDraft,
  ): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      // The version step serializes two rolls of one endpoint: the second finds the version moved.
      if ((await tx.execute(BUMP_VERSION, [id, version])) === 0) return false;
      await tx.execute(EXPIRE_CURRENT_SECRET, [id, previousValidUntil]);
      await insertSecret(tx, id, secret);
      await insertAudit(tx, audit);
      return true;
    });
  }

  async signingSecrets(endpointId: string, now: Date): Promise<StoredWebhookSecret[]> {
    const rows = await this.sql.query<{
      id: string;
      ciphertext: Buffer;
      nonce: Buffer;
      authTag: Buffer;
      keyVersion: number;
      validUntil: Date | null;
    }>(SIGNING_SECRETS, [endpointId, now]);
    return rows.map((row) => ({
      id: row.id,
      encrypted: {
        ciphertext: row.ciphertext,
        nonce: row.nonce,
        authTag: row.authTag,
        keyVersion: row.keyVersion,
      },
      validUntil: row.validUntil,
    }));
  }

  enqueueReplay(
    endpointId: string,
    eventId: string,
    merchantId: string,
    mode: Mode,
    audit: AuditDraft,
  ): Promise<string | null> {
    return this.sql.transaction(async (tx) => {
      const [row] = await tx.query<{ id: string }>(ENQUEUE_REPLAY, [endpointId, eventId, merchantId, mode]);
      if (row === undefined) return null;
      await insertAudit(tx, audit);
      return row.id;
    });
  }
}

async function insertSecret(
  tx: SqlTransaction,
  endpointId: string,
  secret: SealedWebhookSecret,
): Promise<void> {
  await tx.execute(INSERT_SECRET, [
    secret.id,
    endpointId,
    secret.encrypted.ciphertext,
    secret.encrypted.nonce,
    secret.encrypted.authTag,
    secret.encrypted.keyVersion,
    secret.hint,
  ]);
}

async function insertAudit(tx: SqlTransaction, audit: AuditDraft): Promise<void> {
  await tx.execute(INSERT_AUDIT, [
    audit.actor.operatorId,
    audit.action,
    audit.targetId,
    audit.before === null ? null : JSON.stringify(audit.before),
    JSON.stringify({ ...audit.after, actor: audit.actor.name }),
  ]);
}
