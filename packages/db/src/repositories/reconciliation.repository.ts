// Reconciliation, read side (the console's screens and its CSV export): report runs, the items queue with its
// filters and counts, one item with our record beside the PSP's line, and the approvals waiting for a second
// operator. Every list is bounded and paged by keyset (created_at, id); amounts leave as digit strings.
// Changes go through the core's ReconItemCommands and ApprovalCommands, never through here.
import type { Sql } from "../sql";

/** A page of the queue on screen; the CSV export reads pages of EXPORT_PAGE_ROWS. */
export const ITEMS_PAGE_ROWS = 50;
export const EXPORT_PAGE_ROWS = 1_000;
export const RUNS_PAGE_ROWS = 50;
const APPROVALS_ROWS_MAX = 100;
const ITEM_AUDIT_ROWS_MAX = 50;

export const RECON_ITEM_STATUSES = ["OPEN", "RESOLVED", "IGNORED", "CLOSED"] as const;
export type ReconItemStatusName = (typeof RECON_ITEM_STATUSES)[number];

/** What an item is about in money: the PSP's gross, or ours when the PSP has no line (MISSING_EXTERNAL). */
const AMOUNT = "abs(COALESCE(r.gross_minor, r.expected_amount_minor, 0))";
/** What is still at stake in an open item: the difference for a mismatch of figures, else the whole amount. */
const AT_STAKE = `CASE WHEN r.category IN ('AMOUNT_MISMATCH', 'FEE_MISMATCH') THEN abs(r.difference_minor) ELSE ${AMOUNT} END`;

export interface ReconRunView {
  id: string;
  psp: string;
  fileName: string;
  fileSha256: string;
  status: "APPLIED" | "REFUSED";
  refusedLine: number | null;
  refusedReason: string | null;
  lineCount: number;
  batches: string[];
  categoryCounts: Record<string, number>;
  totals: Array<{ currency: string; grossMinor: string; feeMinor: string; netMinor: string }>;
  /** Per currency: open items of this run and Σ of what is at stake in them. */
  openLeft: Array<{ currency: string; open: number; atStakeMinor: string }>;
  importedBy: string;
  createdAt: Date;
}

const RUNS = `
SELECT i.id, i.psp, i.file_name, i.file_sha256, i.status::text AS status, i.refused_line, i.refused_reason,
       i.line_count, i.batches, i.category_counts, i.totals, i.imported_by, i.created_at,
       COALESCE((SELECT json_agg(json_build_object('currency', s.currency, 'open', s.open, 'atStakeMinor', s.at_stake)
                                 ORDER BY s.currency)
                   FROM (SELECT r.currency::text AS currency, count(*)::integer AS open,
                                sum(${AT_STAKE})::numeric::text AS at_stake
                           FROM recon_items r WHERE r.import_id = i.id AND r.status = 'OPEN'
                          GROUP BY r.currency) s), '[]'::json) AS open_left
  FROM recon_imports i
 WHERE $1::timestamptz IS NULL OR (i.created_at, i.id) < ($1::timestamptz, $2::text)
 ORDER BY i.created_at DESC, i.id DESC LIMIT $3`;

export interface ReconItemFilter {
  statuses: readonly ReconItemStatusName[];
  categories: readonly string[];
  psp: string | null;
  /** Recorded at or before this instant (the queue's "older than N days"). */
  createdBefore: Date | null;
  currency: string | null;
  /** Bounds on the item's amount in minor units of `currency` (the caller requires a currency with them). */
  amountMinMinor: bigint | null;
  amountMaxMinor: bigint | null;
}

export interface ReconItemRow {
  id: string;
  importId: string | null;
  psp: string;
  category: string;
  status: ReconItemStatusName;
  rule: string;
  lineNumber: number | null;
  batch: string | null;
  rawType: string | null;
  pspReference: string | null;
  modificationReference: string | null;
  currency: string;
  grossMinor: string | null;
  feeMinor: string | null;
  netMinor: string | null;
  expectedKind: string | null;
  expectedAmountMinor: string | null;
  differenceMinor: string;
  paymentId: string | null;
  merchantId: string | null;
  resolutionNote: string | null;
  bookedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const ITEM_COLUMNS = `
r.id, r.import_id, r.psp, r.category, r.status::text AS status, r.rule, r.line_number, r.batch, r.raw_type,
r.psp_reference, r.modification_reference, r.currency::text AS currency, r.gross_minor::text AS gross_minor,
r.fee_minor::text AS fee_minor, r.net_minor::text AS net_minor, r.expected_kind,
r.expected_amount_minor::text AS expected_amount_minor, r.difference_minor::text AS difference_minor, r.payment_id,
r.merchant_id, r.resolution_note, r.booked_at, r.created_at, r.updated_at`;

/** $1 statuses, $2 categories, $3 psp, $4 created before, $5 currency, $6 amount min, $7 amount max. */
const FILTER = `
r.status = ANY($1::"ReconItemStatus"[])
AND (cardinality($2::text[]) = 0 OR r.category = ANY($2::text[]))
AND ($3::text IS NULL OR r.psp = $3::text)
AND ($4::timestamptz IS NULL OR r.created_at <= $4::timestamptz)
AND ($5::text IS NULL OR r.currency = $5::text)
AND ($6::bigint IS NULL OR ${AMOUNT} >= $6::bigint)
AND ($7::bigint IS NULL OR ${AMOUNT} <= $7::bigint)`;

const ITEMS = `
SELECT ${ITEM_COLUMNS} FROM recon_items r
 WHERE ${FILTER}
   AND ($8::timestamptz IS NULL OR (r.created_at, r.id) > ($8::timestamptz, $9::text))
 ORDER BY r.created_at, r.id LIMIT $10`;

/** Counts per category under every filter but the category (the queue's chips). */
const COUNTS = `
SELECT r.category, count(*)::integer AS count FROM recon_items r
 WHERE ${FILTER.replace("(cardinality($2::text[]) = 0 OR r.category = ANY($2::text[]))", "cardinality($2::text[]) >= 0")}
 GROUP BY r.category ORDER BY r.category`;

const ITEM = `
SELECT ${ITEM_COLUMNS}, r.line_key, r.merchant_reference, r.merchant_account, r.expected_id,
       r.expected_currency::text AS expected_currency, r.journal_entry_id, r.mode::text AS mode,
       i.file_name AS import_file_name,
       p.status::text AS payment_status, p.amount_minor::text AS payment_amount_minor,
       p.amount_captured_minor::text AS payment_captured_minor, p.amount_refunded_minor::text AS payment_refunded_minor,
       p.currency::text AS payment_currency, p.psp_name AS payment_psp_name, p.psp_reference AS payment_psp_reference,
       p.created_at AS payment_created_at, m.name AS merchant_name
  FROM recon_items r
  LEFT JOIN recon_imports i ON i.id = r.import_id
  LEFT JOIN payments p ON p.id = r.payment_id
  LEFT JOIN merchants m ON m.id = COALESCE(p.merchant_id, r.merchant_id)
 WHERE r.id = $1`;

const ITEM_AUDIT = `
SELECT a.id::text AS id, a.action, a.after, a.created_at FROM operator_audit_log a
 WHERE (a.target_type = 'recon_item' AND a.target_id = $1)
    OR (a.target_type = 'approval_request' AND a.target_id IN
          (SELECT q.id FROM approval_requests q WHERE q.target_id = $1))
 ORDER BY a.created_at, a.id LIMIT ${ITEM_AUDIT_ROWS_MAX}`;

export interface ApprovalView {
  id: string;
  kind: string;
  targetId: string;
  amountMinor: string;
  currency: string;
  reason: string;
  status: string;
  requestedBy: string;
  decidedBy: string | null;
  decisionNote: string | null;
  createdAt: Date;
  decidedAt: Date | null;
  /** The reconciliation item it is about, for recon kinds. */
  itemCategory: string | null;
  itemPaymentId: string | null;
}

function toItem(row: Record<string, unknown>): ReconItemRow {
  return {
    id: row.id as string,
    importId: row.import_id as string | null,
    psp: row.psp as string,
    category: row.category as string,
    status: row.status as ReconItemStatusName,
    rule: row.rule as string,
    lineNumber: row.line_number as number | null,
    batch: row.batch as string | null,
    rawType: row.raw_type as string | null,
    pspReference: row.psp_reference as string | null,
    modificationReference: row.modification_reference as string | null,
    currency: (row.currency as string).trim(),
    grossMinor: row.gross_minor as string | null,
    feeMinor: row.fee_minor as string | null,
    netMinor: row.net_minor as string | null,
    expectedKind: row.expected_kind as string | null,
    expectedAmountMinor: row.expected_amount_minor as string | null,
    differenceMinor: row.difference_minor as string,
    paymentId: row.payment_id as string | null,
    merchantId: row.merchant_id as string | null,
    resolutionNote: row.resolution_note as string | null,
    bookedAt: row.booked_at as Date | null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}

function filterValues(filter: ReconItemFilter): unknown[] {
  return [
    filter.statuses,
    filter.categories,
    filter.psp,
    filter.createdBefore,
    filter.currency,
    filter.amountMinMinor,
    filter.amountMaxMinor,
  ];
}

export interface ReconItemDetail extends ReconItemRow {
  lineKey: string | null;
  merchantReference: string | null;
  merchantAccount: string | null;
  expectedId: string | null;
  expectedCurrency: string | null;
  journalEntryId: string | null;
  mode: string | null;
  importFileName: string | null;
  merchantName: string | null;
  payment: {
    status: string;
    amountMinor: string;
    capturedMinor: string;
    refundedMinor: string;
    currency: string;
    pspName: string | null;
    pspReference: string | null;
    createdAt: Date;
  } | null;
  history: Array<{ id: string; action: string; after: Record<string, unknown> | null; createdAt: Date }>;
  /** The approval request waiting for a second operator, if one is. */
  pendingApproval: ApprovalView | null;
}

export class ReconciliationRepository {
  constructor(private readonly sql: Sql) {}

  async runs(before: { createdAt: Date; id: string } | null): Promise<ReconRunView[]> {
    const rows = await this.sql.query<Record<string, unknown>>(RUNS, [
      before?.createdAt ?? null,
      before?.id ?? "",
      RUNS_PAGE_ROWS,
    ]);
    return rows.map((row) => ({
      id: row.id as string,
      psp: row.psp as string,
      fileName: row.file_name as string,
      fileSha256: (row.file_sha256 as string).trim(),
      status: row.status as "APPLIED" | "REFUSED",
      refusedLine: row.refused_line as number | null,
      refusedReason: row.refused_reason as string | null,
      lineCount: row.line_count as number,
      batches: row.batches as string[],
      categoryCounts: row.category_counts as Record<string, number>,
      totals: row.totals as ReconRunView["totals"],
      openLeft: row.open_left as ReconRunView["openLeft"],
      importedBy: row.imported_by as string,
      createdAt: row.created_at as Date,
    }));
  }

  /** One page of items, oldest first, after the cursor; `limit` at most EXPORT_PAGE_ROWS. */
  async items(
    filter: ReconItemFilter,
    after: { createdAt: Date; id: string } | null,
    limit: number = ITEMS_PAGE_ROWS,
  ): Promise<ReconItemRow[]> {
    const rows = await this.sql.query<Record<string, unknown>>(ITEMS, [
      ...filterValues(filter),
      after?.createdAt ?? null,
      after?.id ?? "",
      Math.max(1, Math.min(limit, EXPORT_PAGE_ROWS)),
    ]);
    return rows.map(toItem);
  }

  /** Items per category under every filter but the category. */
  async categoryCounts(filter: ReconItemFilter): Promise<Record<string, number>> {
    const rows = await this.sql.query<{ category: string; count: number }>(COUNTS, filterValues(filter));
    return Object.fromEntries(rows.map((row) => [row.category, row.count]));
  }

  /** Announced reports parked because their PSP account has no report credentials (needs attention). */
  async downloadsAwaitingCredentials(): Promise<number> {
    const [row] = await this.sql.query<{ count: number }>(
      "SELECT count(*)::integer AS count FROM psp_report_downloads WHERE status = 'AWAITING_CREDENTIALS'",
    );
    return row?.count ?? 0;
  }

  async openCount(): Promise<number> {
    const [row] = await this.sql.query<{ count: number }>(
      "SELECT count(*)::integer AS count FROM recon_items WHERE status = 'OPEN'",
    );
    return row?.count ?? 0;
  }

  async item(id: string): Promise<ReconItemDetail | null> {
    const [row] = await this.sql.query<Record<string, unknown>>(ITEM, [id]);
    if (row === undefined) return null;
    const history = await this.sql.query<{
      id: string;
      action: string;
      after: Record<string, unknown> | null;
      created_at: Date;
    }>(ITEM_AUDIT, [id]);
    const pending = await this.sql.query<Record<string, unknown>>(PENDING_FOR_TARGET, [id]);
    return {
      ...toItem(row),
      lineKey: row.line_key as string | null,
      merchantReference: row.merchant_reference as string | null,
      merchantAccount: row.merchant_account as string | null,
      expectedId: row.expected_id as string | null,
      expectedCurrency: (row.expected_currency as string | null)?.trim() ?? null,
      journalEntryId: row.journal_entry_id as string | null,
      mode: row.mode as string | null,
      importFileName: row.import_file_name as string | null,
      merchantName: row.merchant_name as string | null,
      payment:
        row.payment_status === null
          ? null
          : {
              status: row.payment_status as string,
              amountMinor: row.payment_amount_minor as string,
              capturedMinor: row.payment_captured_minor as string,
              refundedMinor: row.payment_refunded_minor as string,
              currency: (row.payment_currency as string).trim(),
              pspName: row.payment_psp_name as string | null,
              pspReference: row.payment_psp_reference as string | null,
              createdAt: row.payment_created_at as Date,
            },
      history: history.map((h) => ({ id: h.id, action: h.action, after: h.after, createdAt: h.created_at })),
      pendingApproval: pending[0] === undefined ? null : toApproval(pending[0]),
    };
  }

  /** Pending requests oldest first, or the latest decided ones. */
  async approvals(which: "PENDING" | "DECIDED"): Promise<ApprovalView[]> {
    const rows = await this.sql.query<Record<string, unknown>>(
      which === "PENDING" ? PENDING_APPROVALS : DECIDED_APPROVALS,
      [which === "PENDING" ? ["PENDING"] : ["APPROVED", "REJECTED"], APPROVALS_ROWS_MAX],
    );
    return rows.map(toApproval);
  }
}

const APPROVAL_COLUMNS = `
SELECT q.id, q.kind, q.target_id, q.amount_minor::text AS amount_minor, q.currency::text AS currency, q.reason,
       q.status::text AS status, q.requested_by, q.decided_by, q.decision_note, q.created_at, q.decided_at,
       r.category AS item_category, r.payment_id AS item_payment_id
  FROM approval_requests q LEFT JOIN recon_items r ON r.id = q.target_id`;

const PENDING_APPROVALS = `${APPROVAL_COLUMNS}
 WHERE q.status = ANY($1::"ApprovalStatus"[]) ORDER BY q.created_at, q.id LIMIT $2`;

const PENDING_FOR_TARGET = `${APPROVAL_COLUMNS}
 WHERE q.target_id = $1 AND q.status = 'PENDING' ORDER BY q.created_at LIMIT 1`;

const DECIDED_APPROVALS = `${APPROVAL_COLUMNS}
 WHERE q.status = ANY($1::"ApprovalStatus"[]) ORDER BY q.decided_at DESC, q.id DESC LIMIT $2`;

function toApproval(row: Record<string, unknown>): ApprovalView {
  return {
    id: row.id as string,
    kind: row.kind as string,
    targetId: row.target_id as string,
    amountMinor: row.amount_minor as string,
    currency: (row.currency as string).trim(),
    reason: row.reason as string,
    status: row.status as string,
    requestedBy: row.requested_by as string,
    decidedBy: row.decided_by as string | null,
    decisionNote: row.decision_note as string | null,
    createdAt: row.created_at as Date,
    decidedAt: row.decided_at as Date | null,
    itemCategory: row.item_category as string | null,
    itemPaymentId: row.item_payment_id as string | null,
  };
}
