// Customers' personal data at rest (issue 22): every column that holds a customer's e-mail, IP address or a payment's
// location, sealed by the PII vault (packages/core/src/vault/pii-vault.ts). Three jobs walk them:
// - the backfill seals rows written before the release that began sealing (and fills their blind indexes);
// - the key rotation re-seals envelopes under an old key version (an EncryptedSecretStore per column, beside the
//   card vault's stores);
// - `customer erase` drops one customer's data from every column in one transaction, with its audit row, and opens
//   the sweep of the stored event copies (event-copy-pii.repository.ts), which runs after it in bounded batches.
// The three cover the event copies too: the backfill and the rotation walk them here, the erasure by its sweep.
// Each rewrite runs in a transaction with paycore.pii_maintenance = 'on' (SET LOCAL), which lets the guard triggers
// of payments, invoices, checkout sessions and receipts pass an update that changes these columns and nothing else
// (migration 20261210040100_customer_pii_encryption).
import type { AuditDraft } from "@paycore/core/ports/audit";
import type { CustomerErasureResult, CustomerErasureStore } from "@paycore/core/ports/customer-erasure-store";
import type { EncryptedSecretRow, EncryptedSecretStore } from "@paycore/core/ports/encrypted-secret-store";
import type { EncryptedPan } from "@paycore/core/vault/card-vault";
import {
  formatGeoPoint,
  formatPiiEnvelope,
  PII_ENVELOPE_PREFIX,
  PII_ERASED,
  type PiiKind,
  type PiiVault,
  parsePiiEnvelope,
  piiAssociatedData,
} from "@paycore/core/vault/pii-vault";
import type { Sql, SqlTransaction } from "../sql";
import { backfillEventCopies, EventCopySecretStore, openErasureSweepIn } from "./event-copy-pii.repository";
import { insertAuditRow } from "./recon-item-store.repository";

/** Where a customer's e-mail or IP lives. Names are constants of this file, never input, so they go into SQL text. */
export interface PiiColumn {
  name: string;
  table: string;
  /** The primary key, compared as text (email_outbox's is a bigint). */
  id: string;
  column: string;
  kind: PiiKind;
  /** The blind index column filled beside it, if the column is searched. */
  blindIndex: string | null;
}

export const PII_COLUMNS: readonly PiiColumn[] = [
  {
    name: "payments.customer_email",
    table: "payments",
    id: "id",
    column: "customer_email",
    kind: "email",
    blindIndex: "customer_email_bidx",
  },
  {
    name: "payments.receipt_email",
    table: "payments",
    id: "id",
    column: "receipt_email",
    kind: "email",
    blindIndex: "receipt_email_bidx",
  },
  {
    name: "payments.ip_address",
    table: "payments",
    id: "id",
    column: "ip_address",
    kind: "ip",
    blindIndex: "ip_address_bidx",
  },
  // A payment's location (billing coordinates or the IP's), sealed as "latitude,longitude" (migration 20261212040100).
  {
    name: "payments.geo_location",
    table: "payments",
    id: "id",
    column: "geo_location",
    kind: "geo",
    blindIndex: null,
  },
  { name: "receipts.email", table: "receipts", id: "id", column: "email", kind: "email", blindIndex: null },
  {
    name: "email_outbox.to_address",
    table: "email_outbox",
    id: "id",
    column: "to_address",
    kind: "email",
    blindIndex: null,
  },
  {
    name: "invoices.customer_email",
    table: "invoices",
    id: "id",
    column: "customer_email",
    kind: "email",
    blindIndex: "customer_email_bidx",
  },
  {
    name: "checkout_sessions.customer_email",
    table: "checkout_sessions",
    id: "id",
    column: "customer_email",
    kind: "email",
    blindIndex: "customer_email_bidx",
  },
];

const MAINTENANCE = "SET LOCAL paycore.pii_maintenance = 'on'";
/** Ids compared in their text form sort like text: bigints are zero-padded so the walk keeps its order. */
const idText = (column: PiiColumn) =>
  column.table === "email_outbox" ? `lpad(${column.id}::text, 20, '0')` : column.id;

interface StoredRow {
  id: string;
  merchant_id: string;
  value: string;
}

/** One column as a store of vault ciphertexts, so `vault rotate` re-seals it with the card numbers. */
export class PiiColumnSecretStore implements EncryptedSecretStore {
  readonly name: string;
  private readonly findText: string;
  private readonly countText: string;

  constructor(
    private readonly sql: Sql,
    private readonly column: PiiColumn,
  ) {
    const { table, column: c } = column;
    this.name = column.name;
    this.findText = `
SELECT ${idText(column)} AS id, merchant_id, ${c} AS value FROM ${table}
 WHERE ${c} LIKE '${PII_ENVELOPE_PREFIX}%' AND ${c} <> '${PII_ERASED}'
   AND split_part(${c}, ':', 2)::int <> $1 AND ($2::text IS NULL OR ${idText(column)} > $2)
 ORDER BY ${idText(column)}
 LIMIT $3`;
    this.countText = `
SELECT split_part(${c}, ':', 2)::int AS key_version, count(*)::text AS count FROM ${table}
 WHERE ${c} LIKE '${PII_ENVELOPE_PREFIX}%' AND ${c} <> '${PII_ERASED}'
 GROUP BY 1`;
  }

  async findNotUnder(
    currentVersion: number,
    afterId: string | null,
    limit: number,
  ): Promise<EncryptedSecretRow[]> {
    const rows = await this.sql.query<StoredRow>(this.findText, [currentVersion, afterId, limit]);
    return rows.flatMap((row) => {
      const encrypted = parsePiiEnvelope(row.value);
      return encrypted === null
        ? []
        : [{ id: row.id, encrypted, associatedData: piiAssociatedData(this.column.kind, row.merchant_id) }];
    });
  }

  async replaceAll(changes: ReadonlyArray<{ row: EncryptedSecretRow; next: EncryptedPan }>): Promise<number> {
    if (changes.length === 0) return 0;
    const { table, column: c } = this.column;
    return this.sql.transaction(async (tx) => {
      await tx.execute(MAINTENANCE);
      // Compare-and-set on the envelope read: a row erased or re-sealed meanwhile is left alone.
      return tx.execute(
        `UPDATE ${table} t SET ${c} = n.next
           FROM unnest($1::text[], $2::text[], $3::text[]) AS n(id, next, previous)
          WHERE ${idText(this.column).replace(this.column.id, `t.${this.column.id}`)} = n.id AND t.${c} = n.previous`,
        [
          changes.map((change) => change.row.id),
          changes.map((change) => formatPiiEnvelope(change.next)),
          changes.map((change) => formatPiiEnvelope(change.row.encrypted)),
        ],
      );
    });
  }

  async countByKeyVersion(): Promise<Map<number, number>> {
    const rows = await this.sql.query<{ key_version: number; count: string }>(this.countText);
    return new Map(rows.map((row) => [row.key_version, Number(row.count)]));
  }
}

export function piiSecretStores(sql: Sql): EncryptedSecretStore[] {
  return [
    ...PII_COLUMNS.map((column) => new PiiColumnSecretStore(sql, column)),
    new EventCopySecretStore(sql),
  ];
}

export interface BackfillProgress {
  column: string;
  sealed: number;
  /** Rows changed by another writer between the read and the write: the next run seals them. */
  skipped: number;
  /** False when the batch budget stopped the run before the column had no plaintext left. */
  complete: boolean;
}

export const BACKFILL_BATCH_SIZE_MAX = 5_000;

/**
 * Seals every plaintext value still stored, in batches of `batchSize`, at most `batchesMax` per column. It keeps no
 * state: a sealed row no longer matches the batch query, so an interrupted run resumes where it stopped when run
 * again, and a second run finds nothing to do (idempotent). Each batch is one transaction with compare-and-set on
 * the plaintext read, so a row changed meanwhile is left for the next run.
 */
export async function backfillPii(
  sql: Sql,
  pii: PiiVault,
  options: { batchSize: number; batchesMax?: number; onBatch?: (progress: BackfillProgress) => void },
): Promise<BackfillProgress[]> {
  if (
    !Number.isInteger(options.batchSize) ||
    options.batchSize < 1 ||
    options.batchSize > BACKFILL_BATCH_SIZE_MAX
  )
    throw new Error(`pii backfill: batchSize must be 1 to ${BACKFILL_BATCH_SIZE_MAX}`);
  const results: BackfillProgress[] = [];
  for (const column of PII_COLUMNS) {
    const { table, column: c, blindIndex } = column;
    const progress: BackfillProgress = { column: column.name, sealed: 0, skipped: 0, complete: false };
    const plaintext = `${c} IS NOT NULL AND ${c} NOT LIKE '${PII_ENVELOPE_PREFIX}%'`;
    let afterId: string | null = null;
    const batchesMax = options.batchesMax ?? Number.POSITIVE_INFINITY;
    for (let batch = 0; batch < batchesMax; batch++) {
      const rows: StoredRow[] = await sql.query<StoredRow>(
        `SELECT ${idText(column)} AS id, merchant_id, ${c} AS value FROM ${table}
          WHERE ${plaintext} AND ($1::text IS NULL OR ${idText(column)} > $1)
          ORDER BY ${idText(column)} LIMIT $2`,
        [afterId, options.batchSize],
      );
      if (rows.length === 0) break;
      const sealed = await sql.transaction(async (tx) => {
        await tx.execute(MAINTENANCE);
        return tx.execute(
          `UPDATE ${table} t SET ${c} = n.sealed${blindIndex ? `, ${blindIndex} = n.blind_index` : ""}
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS n(id, sealed, blind_index, previous)
            WHERE ${idText(column).replace(column.id, `t.${column.id}`)} = n.id AND t.${c} = n.previous`,
          [
            rows.map((row) => row.id),
            rows.map((row) => pii.seal(column.kind, row.merchant_id, row.value)),
            rows.map((row) => pii.blindIndex(column.kind, row.value)),
            rows.map((row) => row.value),
          ],
        );
      });
      progress.sealed += sealed;
      progress.skipped += rows.length - sealed;
      afterId = rows[rows.length - 1]?.id ?? afterId;
      options.onBatch?.({ ...progress });
    }
    const [left] = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${table} WHERE ${plaintext}`,
    );
    progress.complete = (left?.n ?? 0) === 0;
    results.push(progress);
  }
  results.push(await backfillPaymentLocations(sql, pii, options));
  options.onBatch?.({ ...(results[results.length - 1] as BackfillProgress) });
  // The stored event copies (invoice snapshots written before sealing began), with the same batch budget.
  const events = await backfillEventCopies(sql, pii, options);
  results.push({ column: "webhook_events.payload", ...events });
  options.onBatch?.({ column: "webhook_events.payload", ...events });
  return results;
}

/** Where a payment's location was kept in clear before 20261212040100; the backfill's progress names it so. */
export const LEGACY_LOCATION_COLUMNS = "payments.geo_latitude+geo_longitude";

/**
 * Seals the clear coordinates of payments located before sealing began into `geo_location` and nulls the clear
 * columns in the same update (compare-and-set on the values read), in batches by id like the column backfill.
 */
async function backfillPaymentLocations(
  sql: Sql,
  pii: PiiVault,
  options: { batchSize: number; batchesMax?: number },
): Promise<BackfillProgress> {
  const progress: BackfillProgress = {
    column: LEGACY_LOCATION_COLUMNS,
    sealed: 0,
    skipped: 0,
    complete: false,
  };
  const legacy = "(geo_latitude IS NOT NULL OR geo_longitude IS NOT NULL)";
  let afterId: string | null = null;
  const batchesMax = options.batchesMax ?? Number.POSITIVE_INFINITY;
  for (let batch = 0; batch < batchesMax; batch++) {
    const rows: Array<{
      id: string;
      merchant_id: string;
      latitude: number | null;
      longitude: number | null;
    }> = await sql.query(
      `SELECT id, merchant_id, geo_latitude AS latitude, geo_longitude AS longitude FROM payments
          WHERE ${legacy} AND ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2`,
      [afterId, options.batchSize],
    );
    if (rows.length === 0) break;
    const sealed = await sql.transaction(async (tx) => {
      await tx.execute(MAINTENANCE);
      return tx.execute(
        `UPDATE payments p SET geo_location = n.sealed, geo_latitude = NULL, geo_longitude = NULL
           FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[]) AS n(id, sealed, latitude, longitude)
          WHERE p.id = n.id AND p.geo_latitude IS NOT DISTINCT FROM n.latitude
            AND p.geo_longitude IS NOT DISTINCT FROM n.longitude`,
        [
          rows.map((row) => row.id),
          rows.map((row) =>
            // Half a point was never written by the API; it holds nothing the fraud rule can use: dropped.
            row.latitude === null || row.longitude === null
              ? null
              : pii.seal(
                  "geo",
                  row.merchant_id,
                  formatGeoPoint({ latitude: row.latitude, longitude: row.longitude }),
                ),
          ),
          rows.map((row) => row.latitude),
          rows.map((row) => row.longitude),
        ],
      );
    });
    progress.sealed += sealed;
    progress.skipped += rows.length - sealed;
    afterId = rows[rows.length - 1]?.id ?? afterId;
  }
  const [left] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM payments WHERE ${legacy}`);
  progress.complete = (left?.n ?? 0) === 0;
  return progress;
}

/**
 * Erases one customer's personal data at one merchant inside the caller's transaction (the CLI's command, or the
 * approving transaction of a four-eyes request): every payment that names the e-mail (as customer or receipt
 * address) loses its e-mail, receipt address, IP (with their blind indexes) and location; its receipt keeps the erased marker
 * (the document renders without the address); mails not yet sent are cancelled and their recipient erased; invoices
 * and checkout sessions addressed to it lose the address. Amounts, statuses and the ledger are not touched. The
 * stored event copies are left to the sweep this transaction opens (sweepErasedEventCopies), so a busy merchant's
 * thirty days of events are not rewritten in one transaction.
 */
export async function eraseCustomerIn(
  tx: SqlTransaction,
  merchantId: string,
  emailIndex: string,
): Promise<CustomerErasureResult> {
  await tx.execute(MAINTENANCE);
  const payments = await tx.query<{ id: string }>(
    `UPDATE payments SET customer_email = NULL, customer_email_bidx = NULL, receipt_email = NULL,
                         receipt_email_bidx = NULL, ip_address = NULL, ip_address_bidx = NULL,
                         geo_location = NULL, geo_latitude = NULL, geo_longitude = NULL
      WHERE merchant_id = $1 AND (customer_email_bidx = $2 OR receipt_email_bidx = $2)
      RETURNING id`,
    [merchantId, emailIndex],
  );
  const paymentIds = payments.map((row) => row.id);
  const receipts = await tx.query<{ id: string }>(
    `UPDATE receipts SET email = $2 WHERE payment_id = ANY($1::text[]) AND email <> $2 RETURNING id`,
    [paymentIds, PII_ERASED],
  );
  const invoices = await tx.query<{ id: string }>(
    `UPDATE invoices SET customer_email = NULL, customer_email_bidx = NULL
      WHERE merchant_id = $1 AND customer_email_bidx = $2 RETURNING id`,
    [merchantId, emailIndex],
  );
  const checkoutSessions = await tx.execute(
    `UPDATE checkout_sessions SET customer_email = NULL, customer_email_bidx = NULL
      WHERE merchant_id = $1 AND customer_email_bidx = $2`,
    [merchantId, emailIndex],
  );
  // Mails about the erased documents: receipts, their credit notes and the invoices.
  const mails = await tx.execute(
    `UPDATE email_outbox SET to_address = $2,
            status = CASE WHEN status = 'PENDING' THEN 'FAILED'::"EmailStatus" ELSE status END,
            last_error = CASE WHEN status = 'PENDING' THEN 'recipient erased' ELSE last_error END
      WHERE merchant_id = $3 AND to_address <> $2
        AND (document_id = ANY($1::text[])
             OR document_id IN (SELECT c.id FROM credit_notes c WHERE c.receipt_id = ANY($1::text[])))`,
    [[...receipts.map((row) => row.id), ...invoices.map((row) => row.id)], PII_ERASED, merchantId],
  );
  await openErasureSweepIn(tx, merchantId, emailIndex);
  return {
    payments: paymentIds.length,
    receipts: receipts.length,
    invoices: invoices.length,
    checkoutSessions,
    mails,
  };
}

export class CustomerErasureStoreRepository implements CustomerErasureStore {
  constructor(private readonly sql: Sql) {}

  eraseCustomer(merchantId: string, emailIndex: string, audit: AuditDraft): Promise<CustomerErasureResult> {
    return this.sql.transaction(async (tx) => {
      const result = await eraseCustomerIn(tx, merchantId, emailIndex);
      await insertAuditRow(
        tx,
        { ...audit, after: { ...(audit.after ?? {}), ...result } },
        "merchant_customer",
      );
      return result;
    });
  }
}
