// Manual ledger adjustments, storage side: the balanced journal entry (kind manual.adjustment) with its two lines,
// the ledger_adjustments row (who asked, who approved, why) and, for a direct post, the operator audit row, in one
// transaction. `postAdjustmentIn` is also the applier of approved requests (approval-store.repository.ts), run
// inside the approving transaction. The database checks the entry balances when the transaction commits.
import { invariant } from "@paycore/core/errors/domain-error";
import type { MerchantId } from "@paycore/core/ids/ids";
import { newId } from "@paycore/core/ids/ids";
import {
  ADJUSTABLE_ACCOUNTS,
  adjustmentLines,
  type LedgerAdjustment,
} from "@paycore/core/ledger/ledger-adjustment";
import type { AuditDraft } from "@paycore/core/ports/audit";
import type { DirectPostLimit, LedgerAdjustmentStore } from "@paycore/core/ports/ledger-adjustment-store";
import type { Sql, SqlTransaction } from "../sql";
import { insertAuditRow } from "./recon-item-store.repository";

const INSERT_ACCOUNTS = `
INSERT INTO ledger_accounts (id, merchant_id, mode, code, type, currency)
SELECT a.id, $1, $2::"Mode", a.code, a.type::"LedgerAccountType", $3
  FROM jsonb_to_recordset($4::jsonb) AS a(id text, code text, type text)
ON CONFLICT DO NOTHING`;

const SELECT_ACCOUNTS = `
SELECT id, code FROM ledger_accounts
 WHERE merchant_id = $1 AND mode = $2::"Mode" AND currency = $3 AND code = ANY($4::text[])`;

const INSERT_ENTRY = `
INSERT INTO journal_entries (id, merchant_id, mode, kind, currency)
VALUES ($1, $2, $3::"Mode", 'manual.adjustment', $4)`;

const INSERT_LINE = `
INSERT INTO ledger_lines (journal_entry_id, account_id, direction, amount_minor, currency)
VALUES ($1, $2, $3::"EntryDirection", $4, $5)`;

const INSERT_ADJUSTMENT = `
INSERT INTO ledger_adjustments (journal_entry_id, merchant_id, mode, currency, debit_account, credit_account,
  amount_minor, reason, requested_by, approved_by, approval_request_id, request_key)
VALUES ($1, $2, $3::"Mode", $4, $5, $6, $7, $8, $9, $10, $11, $12)`;

// One merchant, mode and currency's direct posts run one at a time (the lock is the transaction's), so the sum
// read below includes every earlier post: twenty small adjustments sent at once cannot each see an empty window.
const LOCK_DIRECT_POSTS = `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`;

// What this operator posted alone (no approval) to the same merchant, mode and currency within the window;
// ledger_adjustments_merchant_idx (merchant_id, created_at) bounds the scan.
const DIRECT_TOTAL = `
SELECT COALESCE(SUM(amount_minor), 0)::text AS total
  FROM ledger_adjustments
 WHERE merchant_id = $1 AND created_at > now() - make_interval(hours => $2::int)
   AND mode = $3::"Mode" AND currency = $4 AND requested_by = $5 AND approved_by IS NULL`;

/** Posts an adjustment inside the caller's transaction. */
export async function postAdjustmentIn(tx: SqlTransaction, adjustment: LedgerAdjustment): Promise<void> {
  const lines = adjustmentLines(adjustment);
  const { merchantId, mode, currency } = adjustment;
  const codes = lines.map((line) => line.account);
  await tx.execute(INSERT_ACCOUNTS, [
    merchantId,
    mode,
    currency,
    JSON.stringify(
      codes.map((code) => ({ id: newId("ledgerAccount"), code, type: ADJUSTABLE_ACCOUNTS[code] })),
    ),
  ]);
  const accounts = await tx.query<{ id: string; code: string }>(SELECT_ACCOUNTS, [
    merchantId,
    mode,
    currency,
    codes,
  ]);
  const idOf = new Map(accounts.map((account) => [account.code, account.id]));
  await tx.execute(INSERT_ENTRY, [adjustment.journalEntryId, merchantId, mode, currency]);
  for (const line of lines) {
    const accountId = idOf.get(line.account);
    invariant(accountId !== undefined, `ledger account ${line.account} was not created`);
    await tx.execute(INSERT_LINE, [
      adjustment.journalEntryId,
      accountId,
      line.direction,
      line.amountMinor,
      currency,
    ]);
  }
  await tx.execute(INSERT_ADJUSTMENT, [
    adjustment.journalEntryId,
    merchantId,
    mode,
    currency,
    adjustment.debitAccount,
    adjustment.creditAccount,
    adjustment.amountMinor,
    adjustment.reason,
    adjustment.requestedBy,
    adjustment.approvedBy,
    adjustment.approvalRequestId,
    adjustment.requestKey,
  ]);
}

export interface LedgerAdjustmentRow {
  journalEntryId: string;
  merchantId: string;
  mode: string;
  currency: string;
  debitAccount: string;
  creditAccount: string;
  amountMinor: bigint;
  reason: string;
  requestedBy: string;
  approvedBy: string | null;
  createdAt: Date;
}

export class LedgerAdjustmentStoreRepository implements LedgerAdjustmentStore {
  constructor(private readonly sql: Sql) {}

  async findByRequestKey(requestedBy: string, requestKey: string): Promise<LedgerAdjustment | null> {
    const [row] = await this.sql.query<{
      journal_entry_id: string;
      merchant_id: string;
      mode: "TEST" | "LIVE";
      currency: string;
      debit_account: string;
      credit_account: string;
      amount_minor: bigint;
      reason: string;
      requested_by: string;
      approved_by: string | null;
      approval_request_id: string | null;
    }>(
      `SELECT journal_entry_id, merchant_id, mode::text AS mode, currency::text AS currency, debit_account,
              credit_account, amount_minor, reason, requested_by, approved_by, approval_request_id
         FROM ledger_adjustments WHERE requested_by = $1 AND request_key = $2`,
      [requestedBy, requestKey],
    );
    if (row === undefined) return null;
    return {
      journalEntryId: row.journal_entry_id,
      merchantId: row.merchant_id as MerchantId,
      mode: row.mode,
      currency: row.currency.trim() as LedgerAdjustment["currency"],
      debitAccount: row.debit_account as LedgerAdjustment["debitAccount"],
      creditAccount: row.credit_account as LedgerAdjustment["creditAccount"],
      amountMinor: BigInt(row.amount_minor),
      reason: row.reason,
      requestedBy: row.requested_by,
      approvedBy: row.approved_by,
      approvalRequestId: row.approval_request_id,
      requestKey,
    };
  }

  async merchantExists(merchantId: MerchantId): Promise<boolean> {
    return (await this.sql.query(`SELECT 1 FROM merchants WHERE id = $1`, [merchantId])).length === 1;
  }

  post(
    adjustment: LedgerAdjustment,
    audit: AuditDraft,
    limit: DirectPostLimit,
  ): Promise<"posted" | "over_limit" | "duplicate_key"> {
    const { merchantId, mode, currency } = adjustment;
    return this.sql.transaction(async (tx): Promise<"posted" | "over_limit" | "duplicate_key"> => {
      await tx.query(LOCK_DIRECT_POSTS, [`ledger_adjustment:${merchantId}:${mode}:${currency}`]);
      const [row] = await tx.query<{ total: string }>(DIRECT_TOTAL, [
        merchantId,
        limit.windowHours,
        mode,
        currency,
        adjustment.requestedBy,
      ]);
      // Under the lock, a post of the same form (by key) that committed first is seen here.
      if (adjustment.requestKey !== null) {
        const same = await tx.query(
          `SELECT 1 FROM ledger_adjustments WHERE requested_by = $1 AND request_key = $2`,
          [adjustment.requestedBy, adjustment.requestKey],
        );
        if (same.length > 0) return "duplicate_key";
      }
      if (BigInt(row?.total ?? "0") + adjustment.amountMinor > limit.limitMinor) return "over_limit";
      await postAdjustmentIn(tx, adjustment);
      await insertAuditRow(tx, audit, "journal_entry");
      return "posted";
    });
  }

  /** The newest adjustments (bounded), for the console. */
  async recent(limit = 50): Promise<LedgerAdjustmentRow[]> {
    const rows = await this.sql.query<{
      journal_entry_id: string;
      merchant_id: string;
      mode: string;
      currency: string;
      debit_account: string;
      credit_account: string;
      amount_minor: bigint;
      reason: string;
      requested_by: string;
      approved_by: string | null;
      created_at: Date;
    }>(
      `SELECT journal_entry_id, merchant_id, mode::text AS mode, currency::text AS currency, debit_account,
              credit_account, amount_minor, reason, requested_by, approved_by, created_at
         FROM ledger_adjustments ORDER BY created_at DESC, journal_entry_id DESC LIMIT $1`,
      [Math.min(Math.max(limit, 1), 200)],
    );
    return rows.map((row) => ({
      journalEntryId: row.journal_entry_id,
      merchantId: row.merchant_id,
      mode: row.mode,
      currency: row.currency.trim(),
      debitAccount: row.debit_account,
      creditAccount: row.credit_account,
      amountMinor: row.amount_minor,
      reason: row.reason,
      requestedBy: row.requested_by,
      approvedBy: row.approved_by,
      createdAt: row.created_at,
    }));
  }
}
