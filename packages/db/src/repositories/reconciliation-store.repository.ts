// The write side of reconciliation: the store behind the core's ReconciliationCommands. One import is one
// transaction on one connection: per chunk of 2,000 parsed lines (in file order, as the command reads the file),
// the chunk's candidates fetched with one set-based query, and the items, journal entries and lines written with
// one statement each (COPY for the items and the ledger lines). Nothing runs per line.
import { invariant } from "@paycore/core/errors/domain-error";
import { newId } from "@paycore/core/ids/ids";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { AuditDraft } from "@paycore/core/ports/audit";
import type {
  ChargebackToApply,
  ExpectedWithMode,
  InFlightSettlement,
  ReconciliationStore,
  ReconImportRecord,
  ReconImportSession,
  ReconItemDraft,
  SettlementPostingDraft,
} from "@paycore/core/ports/reconciliation-store";
import type { ReconCategory } from "@paycore/core/reconciliation/matching";
import type { SettlementLine, SettlementPsp } from "@paycore/core/reconciliation/settlement-line";
import {
  bankCashCode,
  SETTLEMENT_ACCOUNTS,
  settlementPosting,
} from "@paycore/core/reconciliation/settlement-posting";
import { copyText, literal, type ScriptStatement, type Sql, type SqlTransaction } from "../sql";

const json = (value: unknown) =>
  JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v));
/** A bigint or null as JSON text: the bulk statements' rows carry amounts as strings (no replacer per value). */
const bigText = (value: bigint | null | undefined) =>
  value === null || value === undefined ? null : String(value);

/**
 * A time as ISO text for COPY; the last one is kept, since a report's lines repeat their booking times (Date's
 * toISOString is a large part of writing a line otherwise).
 */
let lastIso: { time: number; text: string } = { time: Number.NaN, text: "" };
function isoText(date: Date): string {
  const time = date.getTime();
  if (time !== lastIso.time) lastIso = { time, text: date.toISOString() };
  return lastIso.text;
}

/**
 * Not yet settled by a recorded line: no 'settled' claim on it (recon_item_claims, which enforces one settling
 * line per capture or refund across the items' month partitions: migration 20261214020100).
 */
const UNSETTLED = (id: string) =>
  `NOT EXISTS (SELECT 1 FROM recon_item_claims s WHERE s.kind = 'settled' AND s.scope = '' AND s.key = ${id})`;

/** Succeeded captures are their journal entries (automatic captures have no CAPTURE attempt). */
const CAPTURES_SUCCEEDED = `
SELECT je.id, 'CAPTURE' AS kind, p.psp_name AS psp, p.merchant_id, p.mode::text AS mode, p.id AS payment_id,
       p.psp_reference, NULL::text AS modification_reference, d.amount_minor, je.currency::text AS currency,
       'SUCCEEDED' AS state, je.created_at
  FROM payments p
  JOIN journal_entries je ON je.payment_id = p.id AND je.kind = 'payment.captured'
  JOIN LATERAL (SELECT l.amount_minor FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
                 WHERE l.journal_entry_id = je.id AND a.code = 'psp_receivable' AND l.direction = 'DEBIT') d ON true`;

const EXPECTED_FOR = `
${CAPTURES_SUCCEEDED}
 WHERE p.psp_name = $1 AND p.psp_reference = ANY($2::text[]) AND ${UNSETTLED("je.id")}
UNION ALL
SELECT a.id, 'CAPTURE', a.psp_name, p.merchant_id, p.mode::text, p.id, p.psp_reference, a.psp_reference,
       a.amount_minor, a.currency::text, 'IN_FLIGHT', a.created_at
  FROM payments p JOIN psp_attempts a ON a.payment_id = p.id AND a.operation = 'CAPTURE'
       AND a.status IN ('PENDING', 'ACKNOWLEDGED', 'UNKNOWN')
 WHERE p.psp_name = $1 AND p.psp_reference = ANY($2::text[]) AND ${UNSETTLED("a.id")}
UNION ALL
SELECT r.id, 'REFUND', p.psp_name, r.merchant_id, r.mode::text, p.id, p.psp_reference, r.psp_reference,
       r.amount_minor, r.currency::text,
       CASE r.status WHEN 'SUCCEEDED' THEN 'SUCCEEDED' WHEN 'FAILED' THEN 'FAILED' ELSE 'IN_FLIGHT' END, r.created_at
  FROM refunds r JOIN payments p ON p.id = r.payment_id
 WHERE p.psp_name = $1 AND (p.psp_reference = ANY($2::text[]) OR r.psp_reference = ANY($3::text[]))
   AND ${UNSETTLED("r.id")}`;

/** Lines already recorded (not as duplicates): their 'line' claims. */
const SEEN_KEYS = `
SELECT key AS line_key FROM recon_item_claims WHERE kind = 'line' AND scope = $1 AND key = ANY($2::text[])`;

const FEE_ROW_MERCHANTS = `
SELECT merchant_id, mode::text AS mode, count(*)::integer AS line_count FROM recon_items
 WHERE import_id = $1 AND batch = $2 AND merchant_account IS NOT DISTINCT FROM $3 AND currency = $4
   AND line_type IN ('CAPTURE', 'REFUND') AND merchant_id IS NOT NULL AND category <> 'DUPLICATE'
 GROUP BY merchant_id, mode ORDER BY merchant_id, mode`;

const INSERT_ACCOUNTS = `
INSERT INTO ledger_accounts (id, merchant_id, mode, code, type, currency)
SELECT a.id, a.merchant_id, a.mode::"Mode", a.code, a.type::"LedgerAccountType", a.currency
  FROM jsonb_to_recordset($1::jsonb) AS a(id text, merchant_id text, mode text, code text, type text, currency text)
ON CONFLICT DO NOTHING`;

const SELECT_ACCOUNTS = `
SELECT la.id, la.merchant_id, la.mode::text AS mode, la.code, la.currency::text AS currency
  FROM ledger_accounts la
  JOIN jsonb_to_recordset($1::jsonb) AS a(merchant_id text, mode text, code text, currency text)
    ON la.merchant_id = a.merchant_id AND la.mode = a.mode::"Mode" AND la.code = a.code AND la.currency = a.currency`;

/** For a script: the entries as a JSON `literal`. */
const insertEntries = (entries: string) => `
INSERT INTO journal_entries (id, merchant_id, mode, kind, currency)
SELECT e.id, e.merchant_id, e.mode::"Mode", e.kind, e.currency
  FROM json_to_recordset(${entries}::json) AS e(id text, merchant_id text, mode text, kind text, currency text)`;

/** COPY, text format (see settlementStatements). Its statement triggers run as for an INSERT. */
const COPY_LINES =
  "COPY ledger_lines (journal_entry_id, account_id, direction, amount_minor, currency) FROM STDIN";

/** COPY, text format: each item's values in this order (see record). */
const COPY_ITEMS =
  "COPY recon_items (id, import_id, psp, category, status, rule, line_key, line_number, batch, line_type, raw_type, psp_reference, modification_reference, merchant_reference, merchant_account, currency, gross_minor, fee_minor, net_minor, booked_at, expected_kind, expected_id, expected_amount_minor, expected_currency, payment_id, merchant_id, mode, difference_minor, journal_entry_id) FROM STDIN";

/**
 * Captures and succeeded refunds the PSP's reports should have settled: inside the period its reports cover
 * (from its first reported line) and older than coveredUntil − delay − grace, with no settling line and no
 * open MISSING_EXTERNAL item yet. A settled item's earlier MISSING_EXTERNAL is closed first.
 */
const CLOSE_FOUND = `
UPDATE recon_items m SET status = 'CLOSED', rule = 'missing.settled_later', updated_at = now()
 WHERE m.psp = $1 AND m.category = 'MISSING_EXTERNAL' AND m.status = 'OPEN'
   AND EXISTS (SELECT 1 FROM recon_item_claims s WHERE s.kind = 'settled' AND s.scope = '' AND s.key = m.expected_id)`;

const INSERT_MISSING = `
WITH span AS (SELECT min(booked_at) AS since FROM recon_items WHERE psp = $1 AND line_key IS NOT NULL),
expected AS (
  ${CAPTURES_SUCCEEDED}
   WHERE p.psp_name = $1
  UNION ALL
  SELECT r.id, 'REFUND', p.psp_name, r.merchant_id, r.mode::text, p.id, p.psp_reference, r.psp_reference,
         r.amount_minor, r.currency::text, 'SUCCEEDED', r.updated_at
    FROM refunds r JOIN payments p ON p.id = r.payment_id
   WHERE p.psp_name = $1 AND r.status = 'SUCCEEDED'
)
INSERT INTO recon_items (id, import_id, psp, category, status, rule, currency, expected_kind, expected_id,
  expected_amount_minor, expected_currency, payment_id, merchant_id, mode, psp_reference, modification_reference)
SELECT $4 || '_' || row_number() OVER (ORDER BY e.id), $5, $1, 'MISSING_EXTERNAL', 'OPEN', 'operator', e.currency,
       e.kind, e.id, e.amount_minor, e.currency, e.payment_id, e.merchant_id, e.mode::"Mode", e.psp_reference,
       e.modification_reference
  FROM expected e, span
 WHERE span.since IS NOT NULL
   AND e.created_at >= span.since - make_interval(secs => $3::double precision / 1000)
   AND e.created_at <= $2::timestamptz - make_interval(secs => $3::double precision / 1000)
   AND ${UNSETTLED("e.id")}
   AND NOT EXISTS (SELECT 1 FROM recon_item_claims m WHERE m.kind = 'missing' AND m.scope = '' AND m.key = e.id)`;

/**
 * For a script: moves the unreleased pending releases of the payments' captures (the capture's entry and a
 * conversion's settlement leg) to the report's available time, the moves a JSON `literal`. Only unreleased rows
 * move (the release worker locks and marks its rows, so a row it is posting is either already marked or waits for
 * this transaction): a release is never posted twice.
 */
const rescheduleReleases = (moves: string) => `
UPDATE pending_releases r SET available_on = m.available_on
  FROM jsonb_to_recordset(${moves}::jsonb) AS m(payment_id text, available_on timestamptz), journal_entries e
 WHERE e.payment_id = m.payment_id AND e.refund_id IS NULL
   AND e.kind IN ('payment.captured', 'fx.capture_conversion')
   AND r.journal_entry_id = e.id AND r.released_entry_id IS NULL
   AND r.available_on IS DISTINCT FROM m.available_on`;

const INSERT_IMPORT = `
INSERT INTO recon_imports (id, psp, file_name, file_sha256, status, refused_line, refused_reason, line_count,
  batches, category_counts, totals, imported_by, created_at)
VALUES ($1, $2, $3, $4, $5::"ReconImportStatus", $6, $7, $8, $9::text[], $10::jsonb, $11::jsonb, $12, $13)`;

const INSERT_AUDIT = `
INSERT INTO operator_audit_log (operator_id, action, target_type, target_id, before, after)
VALUES ($1, $2, 'recon_import', $3, $4::jsonb, $5::jsonb)`;

const INSERT_ITEM_AUDIT = `
INSERT INTO operator_audit_log (operator_id, action, target_type, target_id, before, after)
VALUES ($1, $2, 'recon_item', $3, $4::jsonb, $5::jsonb)`;

const SELECT_APPLIED = `
SELECT id, psp, file_name, file_sha256, status::text AS status, refused_line, refused_reason, line_count,
       batches, category_counts, totals, imported_by, created_at
  FROM recon_imports WHERE psp = $1 AND file_sha256 = $2 AND status = 'APPLIED'`;

/** Settled lines we showed in flight, with what the payment commands need to confirm them. */
const TO_CONFIRM = `
SELECT r.id AS item_id, r.psp, r.expected_kind, p.psp_reference AS payment_psp_reference, r.modification_reference,
       CASE r.expected_kind WHEN 'CAPTURE' THEN r.expected_id
            ELSE (SELECT a.id FROM psp_attempts a WHERE a.refund_id = r.expected_id AND a.operation = 'REFUND'
                   ORDER BY a.created_at DESC LIMIT 1) END AS attempt_id
  FROM recon_items r JOIN payments p ON p.id = r.payment_id
 WHERE r.status = 'OPEN' AND r.rule = 'settled.confirms_in_flight' AND p.psp_reference IS NOT NULL
 ORDER BY r.created_at, r.id LIMIT $1`;

const CONFIRMING_ITEM = `
SELECT id, psp, currency::text AS currency, gross_minor, fee_minor, net_minor, merchant_account, expected_kind,
       expected_id, expected_amount_minor, merchant_id, mode::text AS mode, payment_id
  FROM recon_items WHERE id = $1 AND status = 'OPEN' AND rule = 'settled.confirms_in_flight' FOR UPDATE`;

const CAPTURE_SUCCEEDED = `SELECT 1 FROM psp_attempts WHERE id = $1 AND status = 'SUCCEEDED'`;
const REFUND_SUCCEEDED = `SELECT 1 FROM refunds WHERE id = $1 AND status = 'SUCCEEDED'`;

/** The capture's journal entry, not settled by any line yet: what the report's line settles from now on. */
const CAPTURE_ENTRY = `
SELECT je.id FROM journal_entries je
  JOIN ledger_lines l ON l.journal_entry_id = je.id
  JOIN ledger_accounts a ON a.id = l.account_id AND a.code = 'psp_receivable'
 WHERE je.payment_id = $1 AND je.kind = 'payment.captured' AND l.direction = 'DEBIT' AND l.amount_minor = $2
   AND ${UNSETTLED("je.id")}
 ORDER BY je.created_at DESC, je.id DESC LIMIT 1`;

const CLOSE_CONFIRMED = `
UPDATE recon_items SET status = 'CLOSED', rule = 'settled.confirmed_in_flight', expected_id = $2,
       journal_entry_id = $3, updated_at = now()
 WHERE id = $1 AND status = 'OPEN'`;

const CHARGEBACKS_TO_APPLY = `
SELECT id, psp, raw_type, psp_reference, modification_reference, currency::text AS currency, gross_minor
  FROM recon_items WHERE status = 'OPEN' AND rule = 'chargeback.to_dispute'
 ORDER BY created_at, id LIMIT $1`;

const CHARGEBACK_ITEM = `
SELECT id, psp, currency::text AS currency, gross_minor, fee_minor, net_minor, merchant_account
  FROM recon_items WHERE id = $1 AND status = 'OPEN' AND rule = 'chargeback.to_dispute' FOR UPDATE`;

const CLOSE_CHARGEBACK = `
UPDATE recon_items SET status = 'CLOSED', rule = 'chargeback.dispute_applied', payment_id = $2, merchant_id = $3,
       mode = $4::"Mode", journal_entry_id = $5, resolution_note = $6, updated_at = now()
 WHERE id = $1 AND status = 'OPEN'`;

const LEAVE_CHARGEBACK_OPEN = `
UPDATE recon_items SET category = $2, rule = 'operator', resolution_note = $3, updated_at = now()
 WHERE id = $1 AND status = 'OPEN' AND rule = 'chargeback.to_dispute'`;

const CLAIM_FILE = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";

interface ImportRow {
  id: string;
  psp: SettlementPsp;
  file_name: string;
  file_sha256: string;
  status: "APPLIED" | "REFUSED";
  refused_line: number | null;
  refused_reason: string | null;
  line_count: number;
  batches: string[];
  category_counts: Partial<Record<ReconCategory, number>>;
  totals: Array<{ currency: string; grossMinor: string; feeMinor: string; netMinor: string }>;
  imported_by: string;
  created_at: Date;
}

export function toImportRecord(row: ImportRow): ReconImportRecord {
  return {
    id: row.id,
    psp: row.psp,
    fileName: row.file_name,
    fileSha256: row.file_sha256.trim(),
    importedBy: row.imported_by,
    status: row.status,
    refusedLine: row.refused_line,
    refusedReason: row.refused_reason,
    lineCount: row.line_count,
    batches: row.batches,
    categoryCounts: row.category_counts,
    totals: row.totals.map((t) => ({
      currency: t.currency as CurrencyCode,
      grossMinor: BigInt(t.grossMinor),
      feeMinor: BigInt(t.feeMinor),
      netMinor: BigInt(t.netMinor),
    })),
    createdAt: row.created_at,
  };
}

function importValues(record: ReconImportRecord): unknown[] {
  return [
    record.id,
    record.psp,
    record.fileName,
    record.fileSha256,
    record.status,
    record.refusedLine,
    record.refusedReason,
    record.lineCount,
    record.batches,
    JSON.stringify(record.categoryCounts),
    json(record.totals),
    record.importedBy,
    record.createdAt,
  ];
}

async function insertAudit(tx: Pick<Sql, "execute">, audit: AuditDraft): Promise<void> {
  await tx.execute(INSERT_AUDIT, [
    audit.actor.operatorId,
    audit.action,
    audit.targetId,
    audit.before === null ? null : JSON.stringify(audit.before),
    JSON.stringify({ ...audit.after, actor: audit.actor.name }),
  ]);
}

async function insertItemAudit(tx: SqlTransaction, audit: AuditDraft): Promise<void> {
  await tx.execute(INSERT_ITEM_AUDIT, [
    audit.actor.operatorId,
    audit.action,
    audit.targetId,
    audit.before === null ? null : JSON.stringify(audit.before),
    JSON.stringify({ ...audit.after, actor: audit.actor.name }),
  ]);
}

/** Account ids by `merchant|mode|code|currency`. */
type AccountIds = Map<string, string>;

/**
 * The settlement entries' statements, for one script: the entries' INSERT and their lines' COPY. The accounts they
 * use are made on first use (a round trip of their own) and added to `accountIds`, which an import keeps for its
 * transaction: once its accounts are known, posting takes no statement of its own.
 */
async function settlementStatements(
  tx: Statements,
  postings: readonly SettlementPostingDraft[],
  accountIds: AccountIds,
): Promise<ScriptStatement[]> {
  const codeOf = (posting: SettlementPostingDraft, account: keyof typeof SETTLEMENT_ACCOUNTS) =>
    account === "bank_cash" ? posting.bankCashCode : account;
  const missing = new Map<
    string,
    { merchant_id: string; mode: string; code: string; type: string; currency: string }
  >();
  for (const posting of postings) {
    for (const line of posting.entry.lines) {
      const code = codeOf(posting, line.account);
      const key = `${posting.merchantId}|${posting.mode}|${code}|${posting.entry.currency}`;
      if (accountIds.has(key)) continue;
      missing.set(key, {
        merchant_id: posting.merchantId,
        mode: posting.mode,
        code,
        type: SETTLEMENT_ACCOUNTS[line.account],
        currency: posting.entry.currency,
      });
    }
  }
  if (missing.size > 0) {
    const wanted = [...missing.values()];
    await tx.execute(INSERT_ACCOUNTS, [json(wanted.map((a) => ({ ...a, id: newId("ledgerAccount") })))]);
    const rows = await tx.query<{
      id: string;
      merchant_id: string;
      mode: string;
      code: string;
      currency: string;
    }>(SELECT_ACCOUNTS, [json(wanted)]);
    for (const r of rows) accountIds.set(`${r.merchant_id}|${r.mode}|${r.code}|${r.currency.trim()}`, r.id);
  }
  const entries = literal(
    JSON.stringify(
      postings.map((p) => ({
        id: p.journalEntryId,
        merchant_id: p.merchantId,
        mode: p.mode,
        kind: p.entry.kind,
        currency: p.entry.currency,
      })),
    ),
  );
  let lineRows = "";
  for (const p of postings) {
    // The posting's account ids by settlement account: looked up once per posting, not per line.
    const ids = new Map<string, string>();
    const entryId = copyText(p.journalEntryId);
    for (const line of p.entry.lines) {
      let accountId = ids.get(line.account);
      if (accountId === undefined) {
        accountId = accountIds.get(
          `${p.merchantId}|${p.mode}|${codeOf(p, line.account)}|${p.entry.currency}`,
        );
        invariant(accountId !== undefined, "a settlement account was not created");
        accountId = copyText(accountId);
        ids.set(line.account, accountId);
      }
      lineRows += `${entryId}\t${accountId}\t${line.direction}\t${line.amountMinor}\t${p.entry.currency}\n`;
    }
  }
  return [{ text: insertEntries(entries) }, { text: COPY_LINES, copyRows: lineRows }];
}

/** Settlement entries: accounts made on first use, then the entries and all their lines in one round trip. */
export async function postSettlementEntries(
  tx: Statements,
  postings: readonly SettlementPostingDraft[],
): Promise<void> {
  await tx.script(await settlementStatements(tx, postings, new Map()));
}

/** What the statements of this file run on: a transaction, or an import's serialized view of one. */
type Statements = Pick<SqlTransaction, "query" | "execute" | "script">;

/**
 * The import's transaction with its statements run one after the other in the order they are asked for: the
 * command overlaps its calls (see ReconImportSession), and node-postgres will stop queueing a statement sent
 * while another runs (deprecated in pg 8). A failed statement fails its caller; the next ones still run (and fail
 * too, the transaction being aborted) until the command's error rolls it back.
 */
class SerialStatements implements Statements {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly tx: SqlTransaction) {}

  private next<T>(run: () => Promise<T>): Promise<T> {
    const result = this.tail.then(run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  query<R>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    return this.next(() => this.tx.query<R>(text, values));
  }

  execute(text: string, values: readonly unknown[] = []): Promise<number> {
    return this.next(() => this.tx.execute(text, values));
  }

  script(statements: readonly ScriptStatement[]): Promise<number[]> {
    return this.next(() => this.tx.script(statements));
  }
}

class PostgresImportSession implements ReconImportSession {
  private readonly tx: Statements;
  /** The settlement accounts this import has used: they stay for its transaction. */
  private readonly accountIds: AccountIds = new Map();

  constructor(
    tx: SqlTransaction,
    private readonly importId: string,
  ) {
    this.tx = new SerialStatements(tx);
  }

  async claimFile(psp: SettlementPsp, fileSha256: string): Promise<ReconImportRecord | null> {
    // A transaction-scoped advisory lock on the file's identity: a concurrent import of the same file waits here
    // until this one commits or rolls back, then reads the committed import (READ COMMITTED, a new statement).
    await this.tx.query(CLAIM_FILE, [`recon_import:${psp}:${fileSha256}`]);
    const rows = await this.tx.query<ImportRow>(SELECT_APPLIED, [psp, fileSha256]);
    return rows[0] === undefined ? null : toImportRecord(rows[0]);
  }

  async expectedFor(lines: readonly SettlementLine[]): Promise<ExpectedWithMode[]> {
    if (lines.length === 0) return [];
    const psp = (lines[0] as SettlementLine).psp;
    const paymentRefs = [...new Set(lines.flatMap((l) => (l.pspReference === null ? [] : [l.pspReference])))];
    const modificationRefs = [
      ...new Set(lines.flatMap((l) => (l.modificationReference === null ? [] : [l.modificationReference]))),
    ];
    const rows = await this.tx.query<{
      id: string;
      kind: "CAPTURE" | "REFUND";
      psp: SettlementPsp;
      merchant_id: string;
      mode: "TEST" | "LIVE";
      payment_id: string;
      psp_reference: string | null;
      modification_reference: string | null;
      amount_minor: bigint;
      currency: string;
      state: "SUCCEEDED" | "IN_FLIGHT" | "FAILED";
      created_at: Date;
    }>(EXPECTED_FOR, [psp, paymentRefs, modificationRefs]);
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      psp: row.psp,
      merchantId: row.merchant_id,
      mode: row.mode,
      paymentId: row.payment_id,
      pspReference: row.psp_reference,
      modificationReference: row.modification_reference,
      amountMinor: row.amount_minor,
      currency: row.currency.trim() as CurrencyCode,
      state: row.state,
      // Not used for matching lines; MISSING_EXTERNAL is decided in SQL (recordMissingExternal).
      dueAt: row.created_at,
    }));
  }

  async seenLineKeys(lines: readonly SettlementLine[]): Promise<Set<string>> {
    if (lines.length === 0) return new Set();
    const rows = await this.tx.query<{ line_key: string }>(SEEN_KEYS, [
      (lines[0] as SettlementLine).psp,
      [...new Set(lines.map((line) => line.lineKey))],
    ]);
    return new Set(rows.map((row) => row.line_key));
  }

  async feeRowMerchants(line: SettlementLine) {
    const rows = await this.tx.query<{ merchant_id: string; mode: "TEST" | "LIVE"; line_count: number }>(
      FEE_ROW_MERCHANTS,
      [this.importId, line.batch, line.merchantAccount, line.currency],
    );
    return rows.map((row) => ({ merchantId: row.merchant_id, mode: row.mode, lineCount: row.line_count }));
  }

  async record(
    items: readonly ReconItemDraft[],
    postings: readonly SettlementPostingDraft[],
    releaseMoves: ReadonlyArray<{ paymentId: string; availableOn: Date }>,
  ): Promise<number> {
    // Everything in one script (one round trip): the postings, the items, the releases moved.
    const statements =
      postings.length === 0 ? [] : await settlementStatements(this.tx, postings, this.accountIds);
    if (items.length > 0) {
      const importId = copyText(this.importId);
      let rows = "";
      for (const item of items) {
        const line = item.line;
        const expected = item.expected as ExpectedWithMode | null;
        const psp = line?.psp ?? expected?.psp;
        const currency = line?.currency ?? expected?.currency;
        invariant(psp !== undefined && currency !== undefined, "an item has a line or an expected item");
        rows +=
          `${copyText(item.id)}\t${importId}\t${psp}\t${item.category}\t${item.status}\t${copyText(item.rule)}\t` +
          `${copyText(line?.lineKey ?? null)}\t${line === null ? "\\N" : line.lineNumber}\t${copyText(line?.batch ?? null)}\t` +
          `${copyText(line?.type ?? null)}\t${copyText(line?.rawType ?? null)}\t` +
          `${copyText(line?.pspReference ?? expected?.pspReference ?? null)}\t` +
          `${copyText(line?.modificationReference ?? expected?.modificationReference ?? null)}\t` +
          `${copyText(line?.merchantReference ?? null)}\t${copyText(line?.merchantAccount ?? null)}\t${currency}\t` +
          `${copyText(bigText(line?.grossMinor))}\t${copyText(bigText(line?.feeMinor))}\t${copyText(bigText(line?.netMinor))}\t` +
          `${line === null ? "\\N" : isoText(line.bookedAt)}\t${copyText(expected?.kind ?? null)}\t${copyText(expected?.id ?? null)}\t` +
          `${copyText(bigText(expected?.amountMinor))}\t${copyText(expected?.currency ?? null)}\t` +
          `${copyText(expected?.paymentId ?? null)}\t${copyText(expected?.merchantId ?? null)}\t` +
          `${copyText(expected?.mode ?? null)}\t${item.differenceMinor}\t${copyText(item.journalEntryId)}\n`;
      }
      statements.push({ text: COPY_ITEMS, copyRows: rows });
    }
    if (releaseMoves.length > 0)
      statements.push({
        text: rescheduleReleases(
          literal(
            JSON.stringify(
              releaseMoves.map((move) => ({
                payment_id: move.paymentId,
                available_on: move.availableOn.toISOString(),
              })),
            ),
          ),
        ),
      });
    if (statements.length === 0) return 0;
    const counts = await this.tx.script(statements);
    return releaseMoves.length > 0 ? (counts.at(-1) ?? 0) : 0;
  }

  async recordMissingExternal(
    psp: SettlementPsp,
    coveredUntil: Date,
    delayPlusGraceMs: number,
  ): Promise<number> {
    await this.tx.execute(CLOSE_FOUND, [psp]);
    return this.tx.execute(INSERT_MISSING, [
      psp,
      coveredUntil,
      delayPlusGraceMs,
      newId("reconItem"),
      this.importId,
    ]);
  }

  async finish(record: ReconImportRecord, audit: AuditDraft): Promise<void> {
    await this.tx.execute(INSERT_IMPORT, importValues(record));
    await insertAudit(this.tx, audit);
  }
}

export class ReconciliationStoreRepository implements ReconciliationStore {
  constructor(private readonly sql: Sql) {}

  async chargebacksToApply(limit: number): Promise<ChargebackToApply[]> {
    const rows = await this.sql.query<{
      id: string;
      psp: SettlementPsp;
      raw_type: string;
      psp_reference: string | null;
      modification_reference: string | null;
      currency: string;
      gross_minor: bigint;
    }>(CHARGEBACKS_TO_APPLY, [limit]);
    return rows.map((row) => ({
      itemId: row.id,
      psp: row.psp,
      rawType: row.raw_type,
      pspReference: row.psp_reference,
      modificationReference: row.modification_reference,
      currency: row.currency.trim(),
      grossMinor: row.gross_minor,
    }));
  }

  closeChargeback(
    itemId: string,
    dispute: { id: string; paymentId: string; merchantId: string; mode: "TEST" | "LIVE" },
    audit: AuditDraft,
  ): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const [item] = await tx.query<{
        psp: string;
        currency: string;
        gross_minor: bigint;
        fee_minor: bigint;
        net_minor: bigint;
        merchant_account: string | null;
      }>(CHARGEBACK_ITEM, [itemId]);
      if (item === undefined) return false;
      // The row moves the bank against the receivable: the dispute's own entries moved the receivable against
      // the merchant's balance when its funds were withdrawn (or reinstated).
      const entry = settlementPosting({
        currency: item.currency.trim() as CurrencyCode,
        grossMinor: item.gross_minor,
        feeMinor: item.fee_minor,
        netMinor: item.net_minor,
      });
      const journalEntryId = entry === null ? null : newId("journalEntry");
      if (entry !== null && journalEntryId !== null) {
        await postSettlementEntries(tx, [
          {
            journalEntryId,
            merchantId: dispute.merchantId,
            mode: dispute.mode,
            bankCashCode: bankCashCode(item.psp, item.merchant_account),
            entry,
          },
        ]);
      }
      const closed = await tx.execute(CLOSE_CHARGEBACK, [
        itemId,
        dispute.paymentId,
        dispute.merchantId,
        dispute.mode,
        journalEntryId,
        `dispute ${dispute.id}`,
      ]);
      if (closed !== 1) return false;
      await insertItemAudit(tx, audit);
      return true;
    });
  }

  async leaveChargebackOpen(itemId: string, category: ReconCategory, reason: string, audit: AuditDraft) {
    await this.sql.transaction(async (tx) => {
      if ((await tx.execute(LEAVE_CHARGEBACK_OPEN, [itemId, category, reason.slice(0, 500)])) !== 1) return;
      await insertItemAudit(tx, audit);
    });
  }

  async inFlightToConfirm(limit: number): Promise<InFlightSettlement[]> {
    const rows = await this.sql.query<{
      item_id: string;
      psp: SettlementPsp;
      expected_kind: "CAPTURE" | "REFUND";
      payment_psp_reference: string;
      modification_reference: string | null;
      attempt_id: string | null;
    }>(TO_CONFIRM, [limit]);
    return rows.map((row) => ({
      itemId: row.item_id,
      psp: row.psp,
      kind: row.expected_kind,
      paymentPspReference: row.payment_psp_reference,
      modificationReference: row.modification_reference,
      attemptId: row.attempt_id,
    }));
  }

  closeConfirmed(itemId: string, audit: AuditDraft): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const [item] = await tx.query<{
        id: string;
        psp: string;
        currency: string;
        gross_minor: bigint;
        fee_minor: bigint;
        net_minor: bigint;
        merchant_account: string | null;
        expected_kind: "CAPTURE" | "REFUND";
        expected_id: string;
        expected_amount_minor: bigint;
        merchant_id: string;
        mode: "TEST" | "LIVE";
        payment_id: string;
      }>(CONFIRMING_ITEM, [itemId]);
      if (item === undefined) return false;
      let settledId = item.expected_id;
      if (item.expected_kind === "CAPTURE") {
        if ((await tx.query(CAPTURE_SUCCEEDED, [item.expected_id])).length === 0) return false;
        const [entry] = await tx.query<{ id: string }>(CAPTURE_ENTRY, [
          item.payment_id,
          item.expected_amount_minor,
        ]);
        if (entry === undefined) return false;
        // From now on the line settles the capture's entry, as it would have had the notification arrived.
        settledId = entry.id;
      } else if ((await tx.query(REFUND_SUCCEEDED, [item.expected_id])).length === 0) return false;
      const currency = item.currency.trim() as CurrencyCode;
      const entry = settlementPosting({
        currency,
        grossMinor: item.gross_minor,
        feeMinor: item.fee_minor,
        netMinor: item.net_minor,
        clearedMinor: (item.expected_kind === "REFUND" ? -1n : 1n) * item.expected_amount_minor,
      });
      const journalEntryId = entry === null ? null : newId("journalEntry");
      if (entry !== null && journalEntryId !== null) {
        await postSettlementEntries(tx, [
          {
            journalEntryId,
            merchantId: item.merchant_id,
            mode: item.mode,
            bankCashCode: bankCashCode(item.psp, item.merchant_account),
            entry,
          },
        ]);
      }
      if ((await tx.execute(CLOSE_CONFIRMED, [itemId, settledId, journalEntryId])) !== 1) return false;
      await insertItemAudit(tx, audit);
      return true;
    });
  }

  async findAppliedImport(psp: SettlementPsp, fileSha256: string): Promise<ReconImportRecord | null> {
    const rows = await this.sql.query<ImportRow>(SELECT_APPLIED, [psp, fileSha256]);
    return rows[0] === undefined ? null : toImportRecord(rows[0]);
  }

  async recordRefusal(record: ReconImportRecord, audit: AuditDraft): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.execute(INSERT_IMPORT, importValues(record));
      await insertAudit(tx, audit);
    });
  }

  applyImport<T>(importId: string, work: (session: ReconImportSession) => Promise<T>): Promise<T> {
    return this.sql.transaction((tx) => work(new PostgresImportSession(tx, importId)));
  }
}
