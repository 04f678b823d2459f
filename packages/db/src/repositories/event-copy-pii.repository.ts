// Customers' e-mails in stored event copies (issue 22). An event's snapshot is built in SQL from the object's row
// (webhook_object_snapshot), so an invoice event copies the invoice's customer e-mail as stored: an envelope since
// sealing began, plaintext before it. `webhook_events.payload` is the only stored copy: deliveries hold no body
// (the delivery worker reads the event), the events feed reads the same rows, and outbox payloads carry ids and
// amounts only. Three jobs rewrite the copies, like the columns of customer-pii-store.repository.ts:
// - the erasure sweep replaces one customer's e-mail with the erased marker (and clears the response excerpts of
//   those events' delivery attempts, where an echoing endpoint may have left it), in bounded batches that resume from
//   a cursor kept in `pii_erasure_sweeps` (the erasure's own transaction opens the sweep); it then walks the
//   idempotency records' stored responses too (a createPayment response holds the e-mail and IP in clear for the
//   records' retention), nulling the e-mail and the IP beside it;
// - the backfill seals plaintext copies;
// - the key rotation re-seals envelopes under an old key version (an EncryptedSecretStore, one row per field).
// webhook_events is partitioned by month: its guard trigger refuses changes of the id, merchant, outbox id and
// creation time only, so a payload rewrite passes it and stays in its partition.
import type { EncryptedSecretRow, EncryptedSecretStore } from "@paycore/core/ports/encrypted-secret-store";
import type { EncryptedPan } from "@paycore/core/vault/card-vault";
import {
  formatPiiEnvelope,
  isSealedPii,
  PII_ERASED,
  type PiiVault,
  parsePiiEnvelope,
  piiAssociatedData,
} from "@paycore/core/vault/pii-vault";
import type { Sql, SqlTransaction } from "../sql";
import { SEALED_EMAIL_FIELDS } from "./webhook-payload-pii";

/** The two places of a payload that hold an object's fields. */
const PARTS = ["object", "previousAttributes"] as const;
type Part = (typeof PARTS)[number];

export const EVENT_COPY_BATCH_SIZE_MAX = 5_000;

/** A stored event whose snapshot has at least one e-mail field. */
const HAS_EMAIL_FIELD = `(payload->'data'->'object' ?| $FIELDS::text[]
   OR payload->'data'->'previousAttributes' ?| $FIELDS::text[])`;

interface EventRow {
  id: string;
  merchant_id: string;
  created_at: Date;
  payload: { data?: Partial<Record<Part, Record<string, unknown> | null>> } & Record<string, unknown>;
}

/** Every string e-mail field of a stored payload, with its place. */
function emailFields(payload: EventRow["payload"]): Array<{ part: Part; field: string; value: string }> {
  const found: Array<{ part: Part; field: string; value: string }> = [];
  for (const part of PARTS) {
    const fields = payload.data?.[part];
    if (fields === null || fields === undefined || typeof fields !== "object") continue;
    for (const field of SEALED_EMAIL_FIELDS) {
      const value = fields[field];
      if (typeof value === "string") found.push({ part, field, value });
    }
  }
  return found;
}

/** The payload with some fields replaced; the original is not changed. */
function withFields(
  payload: EventRow["payload"],
  changes: ReadonlyArray<{ part: Part; field: string; next: string }>,
): EventRow["payload"] {
  const data = { ...(payload.data ?? {}) };
  for (const { part, field, next } of changes) data[part] = { ...(data[part] ?? {}), [field]: next };
  return { ...payload, data };
}

/** Writes rewritten payloads, each only while the row still holds the payload it was read with. */
async function replacePayloads(
  tx: SqlTransaction,
  rewrites: ReadonlyArray<{ row: EventRow; next: EventRow["payload"] }>,
): Promise<number> {
  if (rewrites.length === 0) return 0;
  return tx.execute(
    `UPDATE webhook_events e SET payload = n.next
       FROM unnest($1::text[], $2::timestamptz[], $3::jsonb[], $4::jsonb[]) AS n(id, created_at, next, previous)
      WHERE e.id = n.id AND e.created_at = n.created_at AND e.payload = n.previous`,
    [
      rewrites.map((r) => r.row.id),
      rewrites.map((r) => r.row.created_at),
      rewrites.map((r) => JSON.stringify(r.next)),
      rewrites.map((r) => JSON.stringify(r.row.payload)),
    ],
  );
}

function checkBatchSize(batchSize: number, what: string): void {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > EVENT_COPY_BATCH_SIZE_MAX)
    throw new Error(`${what}: batchSize must be 1 to ${EVENT_COPY_BATCH_SIZE_MAX}`);
}

/** Opens the sweep of one customer's event copies at one merchant, in the erasure's own transaction. */
export async function openErasureSweepIn(
  tx: SqlTransaction,
  merchantId: string,
  emailIndex: string,
): Promise<void> {
  await tx.execute(`INSERT INTO pii_erasure_sweeps (merchant_id, email_index) VALUES ($1, $2)`, [
    merchantId,
    emailIndex,
  ]);
}

export interface ErasureSweepProgress {
  sweepId: string;
  merchantId: string;
  /** Stored copies (events and idempotency records) of this sweep rewritten so far. */
  copiesErased: number;
  finished: boolean;
}

type SweepStage = "webhook_events" | "idempotency_records";

interface SweepRow {
  id: string;
  merchant_id: string;
  email_index: string;
  stage: SweepStage;
  after_created_at: Date | null;
  after_id: string | null;
  copies_erased: number;
}

/** How deep the walk of a stored response goes (a payment result nests three levels; this bounds a bad one). */
const JSON_DEPTH_MAX = 12;

/**
 * `value` with the customer erased: every object with an e-mail field that `matches` loses all its e-mail fields
 * (they become `erased`) and its `ipAddress` (null), as the erasure does to the payment row. Unchanged: `value`.
 */
export function eraseCustomerInJson(
  value: unknown,
  matches: (stored: string) => boolean,
  erased: string | null,
  depth = 0,
): unknown {
  if (value === null || typeof value !== "object" || depth > JSON_DEPTH_MAX) return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => eraseCustomerInJson(item, matches, erased, depth + 1));
    return items.some((item, index) => item !== value[index]) ? items : value;
  }
  const record = value as Record<string, unknown>;
  let out: Record<string, unknown> | null = null;
  for (const [key, inner] of Object.entries(record)) {
    const next = eraseCustomerInJson(inner, matches, erased, depth + 1);
    if (next !== inner) {
      out ??= { ...record };
      out[key] = next;
    }
  }
  const hit = SEALED_EMAIL_FIELDS.some((field) => {
    const stored = record[field];
    return typeof stored === "string" && stored !== PII_ERASED && matches(stored);
  });
  if (!hit) return out ?? value;
  out ??= { ...record };
  for (const field of SEALED_EMAIL_FIELDS) if (typeof record[field] === "string") out[field] = erased;
  if ("ipAddress" in record) out.ipAddress = null;
  return out;
}

/**
 * One batch of the oldest open erasure sweep, in one transaction with its cursor. Stage `webhook_events`: the
 * merchant's stored events after the cursor (creation time, then id) whose snapshot has an e-mail field; a
 * matching e-mail becomes the erased marker (the delivery worker and the events feed read it as null), and the
 * response excerpts of those events' delivery attempts are cleared (an endpoint may have echoed the body). Stage
 * `idempotency_records`: the merchant's records with a stored response; a matching e-mail and its object's IP
 * become null (what a replay then answers, like a read of the erased payment). A value matches when its
 * plaintext (opened if sealed) has the sweep's blind index. A short batch moves to the next stage, or finishes the
 * sweep and forgets its blind index. Null when no sweep is open. Sweeps are locked SKIP LOCKED, so the CLI and the
 * worker may run side by side; a crash loses at most the uncommitted batch.
 */
export async function sweepErasedEventCopies(
  sql: Sql,
  pii: PiiVault,
  batchSize: number,
): Promise<ErasureSweepProgress | null> {
  checkBatchSize(batchSize, "erasure sweep");
  return sql.transaction(async (tx) => {
    const [sweep] = await tx.query<SweepRow>(
      `SELECT id::text, merchant_id, email_index, stage, after_created_at, after_id, copies_erased
         FROM pii_erasure_sweeps WHERE finished_at IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`,
    );
    if (sweep === undefined) return null;
    const matches = (stored: string) => {
      let plaintext: string | null;
      try {
        plaintext = pii.open("email", sweep.merchant_id, stored);
      } catch {
        // Sealed under a key no longer in the keyring: nobody can open it, so nothing is left to erase.
        return false;
      }
      return plaintext !== null && pii.blindIndex("email", plaintext) === sweep.email_index;
    };
    const cursor = [sweep.merchant_id, sweep.after_created_at, sweep.after_id, batchSize] as const;
    let read: number;
    let erased: number;
    let last: { created_at: Date; id: string } | undefined;
    if (sweep.stage === "webhook_events") {
      const rows = await tx.query<EventRow>(
        `SELECT id, merchant_id, created_at, payload FROM webhook_events
          WHERE merchant_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3))
            AND ${HAS_EMAIL_FIELD.replaceAll("$FIELDS", "$5")}
          ORDER BY created_at, id LIMIT $4`,
        [...cursor, SEALED_EMAIL_FIELDS],
      );
      const rewrites = rows.flatMap((row) => {
        const next = eraseCustomerInJson(row.payload, matches, PII_ERASED) as EventRow["payload"];
        return next === row.payload ? [] : [{ row, next }];
      });
      erased = await replacePayloads(tx, rewrites);
      // The answers of the merchant's endpoint to those events: one that echoed the body kept the customer's data in
      // its excerpt (attempts before excerpts were scrubbed, issue 22). The excerpts go; the attempts stay.
      if (rewrites.length > 0)
        erased += await tx.execute(
          `UPDATE webhook_delivery_attempts a SET response_excerpt = NULL
             FROM webhook_deliveries d
            WHERE a.delivery_id = d.id AND d.event_id = ANY($1::text[]) AND a.response_excerpt IS NOT NULL`,
          [rewrites.map((rewrite) => rewrite.row.id)],
        );
      read = rows.length;
      last = rows[rows.length - 1];
    } else {
      const rows = await tx.query<{ id: string; created_at: Date; response: unknown }>(
        `SELECT id, created_at, response FROM idempotency_records
          WHERE merchant_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3))
            AND response IS NOT NULL
          ORDER BY created_at, id LIMIT $4`,
        [...cursor],
      );
      const rewrites = rows.flatMap((row) => {
        const next = eraseCustomerInJson(row.response, matches, null);
        return next === row.response ? [] : [{ row, next }];
      });
      erased =
        rewrites.length === 0
          ? 0
          : await tx.execute(
              `UPDATE idempotency_records r SET response = n.next
                 FROM unnest($1::text[], $2::timestamptz[], $3::jsonb[], $4::jsonb[])
                      AS n(id, created_at, next, previous)
                WHERE r.id = n.id AND r.created_at = n.created_at AND r.response = n.previous`,
              [
                rewrites.map((r) => r.row.id),
                rewrites.map((r) => r.row.created_at),
                rewrites.map((r) => JSON.stringify(r.next)),
                rewrites.map((r) => JSON.stringify(r.row.response)),
              ],
            );
      read = rows.length;
      last = rows[rows.length - 1];
    }
    const stageDone = read < batchSize;
    const finished = stageDone && sweep.stage === "idempotency_records";
    await tx.execute(
      `UPDATE pii_erasure_sweeps
          SET stage = CASE WHEN $5 THEN 'idempotency_records' ELSE stage END,
              after_created_at = CASE WHEN $5 THEN NULL ELSE COALESCE($2, after_created_at) END,
              after_id = CASE WHEN $5 THEN NULL ELSE COALESCE($3, after_id) END,
              copies_erased = copies_erased + $4,
              finished_at = CASE WHEN $6 THEN now() END,
              email_index = CASE WHEN $6 THEN NULL ELSE email_index END
        WHERE id = $1::bigint`,
      [sweep.id, last?.created_at ?? null, last?.id ?? null, erased, stageDone, finished],
    );
    return {
      sweepId: sweep.id,
      merchantId: sweep.merchant_id,
      copiesErased: sweep.copies_erased + erased,
      finished,
    };
  });
}

export interface EventCopyBackfillProgress {
  sealed: number;
  /** Events changed between the read and the write: the next run seals them. */
  skipped: number;
  complete: boolean;
}

/**
 * Seals the plaintext e-mails of stored event copies (events written before sealing began), in batches of
 * `batchSize` ordered by creation time and id, at most `batchesMax`. Stateless like the column backfill: a sealed
 * copy no longer matches, so a rerun resumes and a finished run finds nothing.
 */
export async function backfillEventCopies(
  sql: Sql,
  pii: PiiVault,
  options: { batchSize: number; batchesMax?: number },
): Promise<EventCopyBackfillProgress> {
  checkBatchSize(options.batchSize, "event copy backfill");
  const progress: EventCopyBackfillProgress = { sealed: 0, skipped: 0, complete: false };
  const batchesMax = options.batchesMax ?? Number.POSITIVE_INFINITY;
  let after: { createdAt: Date; id: string } | null = null;
  for (let batch = 0; batch < batchesMax; batch++) {
    const rows: EventRow[] = await sql.query<EventRow>(
      `SELECT id, merchant_id, created_at, payload FROM webhook_events
        WHERE ($1::timestamptz IS NULL OR (created_at, id) > ($1, $2))
          AND ${HAS_EMAIL_FIELD.replaceAll("$FIELDS", "$3")}
        ORDER BY created_at, id LIMIT $4`,
      [after?.createdAt ?? null, after?.id ?? null, SEALED_EMAIL_FIELDS, options.batchSize],
    );
    if (rows.length === 0) break;
    const rewrites = rows.flatMap((row) => {
      const changes = emailFields(row.payload)
        .filter(({ value }) => !isSealedPii(value))
        .map(({ part, field, value }) => ({
          part,
          field,
          next: pii.seal("email", row.merchant_id, value) as string,
        }));
      return changes.length === 0 ? [] : [{ row, next: withFields(row.payload, changes) }];
    });
    const sealed = await sql.transaction((tx) => replacePayloads(tx, rewrites));
    progress.sealed += sealed;
    progress.skipped += rewrites.length - sealed;
    const last = rows[rows.length - 1] as EventRow;
    after = { createdAt: last.created_at, id: last.id };
    if (rows.length < options.batchSize) break;
  }
  const [left] = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM webhook_events e, unnest($1::text[]) AS f(name), unnest($2::text[]) AS p(name)
      WHERE jsonb_typeof(e.payload->'data'->p.name->f.name) = 'string'
        AND e.payload->'data'->p.name->>f.name NOT LIKE 'pii1:%'`,
    [SEALED_EMAIL_FIELDS, PARTS],
  );
  progress.complete = (left?.n ?? 0) === 0;
  return progress;
}

/** Row ids of the rotation store: the event, then the field's place ("evt_…|object|customerEmail"). */
const rowId = (eventId: string, part: Part, field: string) => `${eventId}|${part}|${field}`;

/**
 * The sealed e-mails of stored event copies as a store of vault ciphertexts, so `vault rotate` re-seals them with
 * the columns. One row per sealed field; an event's fields are always read together (a batch may pass `limit`
 * by the few fields of its last events), so the id cursor never splits an event.
 */
export class EventCopySecretStore implements EncryptedSecretStore {
  readonly name = "webhook_events.payload";

  constructor(private readonly sql: Sql) {}

  async findNotUnder(
    currentVersion: number,
    afterId: string | null,
    limit: number,
  ): Promise<EncryptedSecretRow[]> {
    const afterEvent = afterId === null ? null : (afterId.split("|")[0] ?? null);
    const rows = await this.sql.query<EventRow>(
      `SELECT e.id, e.merchant_id, e.created_at, e.payload FROM webhook_events e
        WHERE ($2::text IS NULL OR e.id > $2)
          AND EXISTS (SELECT 1 FROM unnest($3::text[]) AS f(name), unnest($4::text[]) AS p(name)
                       WHERE CASE WHEN e.payload->'data'->p.name->>f.name LIKE 'pii1:%:%'
                                  THEN split_part(e.payload->'data'->p.name->>f.name, ':', 2)::int <> $1
                                  ELSE false END)
        ORDER BY e.id LIMIT $5`,
      [currentVersion, afterEvent, SEALED_EMAIL_FIELDS, PARTS, limit],
    );
    return rows.flatMap((row) =>
      emailFields(row.payload).flatMap(({ part, field, value }) => {
        const encrypted = parsePiiEnvelope(value);
        return encrypted === null || encrypted.keyVersion === currentVersion
          ? []
          : [
              {
                id: rowId(row.id, part, field),
                encrypted,
                associatedData: piiAssociatedData("email", row.merchant_id),
              },
            ];
      }),
    );
  }

  async replaceAll(changes: ReadonlyArray<{ row: EncryptedSecretRow; next: EncryptedPan }>): Promise<number> {
    if (changes.length === 0) return 0;
    return this.sql.transaction(async (tx) => {
      let replaced = 0;
      for (const { row, next } of changes) {
        const [eventId, part, field] = row.id.split("|");
        // Compare-and-set on the envelope read: a copy erased or re-sealed meanwhile is left alone.
        replaced += await tx.execute(
          `UPDATE webhook_events SET payload = jsonb_set(payload, $2::text[], to_jsonb($3::text))
            WHERE id = $1 AND payload #>> $2::text[] = $4`,
          [eventId, ["data", part, field], formatPiiEnvelope(next), formatPiiEnvelope(row.encrypted)],
        );
      }
      return replaced;
    });
  }

  async countByKeyVersion(): Promise<Map<number, number>> {
    const rows = await this.sql.query<{ key_version: number; count: string }>(
      `SELECT split_part(v.value, ':', 2)::int AS key_version, count(*)::text AS count
         FROM webhook_events e, unnest($1::text[]) AS f(name), unnest($2::text[]) AS p(name),
              LATERAL (SELECT e.payload->'data'->p.name->>f.name AS value) v
        WHERE v.value LIKE 'pii1:%:%' AND v.value <> $3
        GROUP BY 1`,
      [SEALED_EMAIL_FIELDS, PARTS, PII_ERASED],
    );
    return new Map(rows.map((row) => [row.key_version, Number(row.count)]));
  }
}
