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
import type { LedgerAdjustmentStore } from "@paycore/core/ports/ledger-adjustment-store";
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
  amount_minor, reason, requested_by, approved_by, approval_request_id)
VALUES ($1, $2, $3::"Mode", $4, $5, $6, $7, $8, $9, $10, $11)`;

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

  async merchantExists(merchantId: MerchantId): Promise<boolean> {
    return (await this.sql.query(`SELECT 1 FROM merchants WHERE id = $1`, [merchantId])).length === 1;
  }

  post(adjustment: LedgerAdjustment, audit: AuditDraft): Promise<void> {
    return this.sql.transaction(async (tx) => {
      await postAdjustmentIn(tx, adjustment);
      await insertAuditRow(tx, audit, "journal_entry");
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
