// Reconciliation items, operator side: the store behind the core's ReconItemCommands. Every change is
// conditional on the state the command read and is written with its operator audit row in one transaction;
// accepting the PSP's figure posts the adjustment in that same transaction (also run by an approval).
import { newId } from "@paycore/core/ids/ids";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { AuditDraft } from "@paycore/core/ports/audit";
import type { LinkablePayment, ReconItemRecord, ReconItemStore } from "@paycore/core/ports/recon-item-store";
import type { ReconItemStatus } from "@paycore/core/ports/reconciliation-store";
import type { ReconCategory } from "@paycore/core/reconciliation/matching";
import { bankCashCode, settlementPosting } from "@paycore/core/reconciliation/settlement-posting";
import type { Sql, SqlTransaction } from "../sql";
import { postSettlementEntries } from "./reconciliation-store.repository";

const SELECT_ITEM = `
SELECT id, psp, category, status::text AS status, currency::text AS currency, gross_minor, fee_minor, net_minor,
       merchant_account, expected_kind, expected_amount_minor, merchant_id, mode::text AS mode, payment_id,
       difference_minor, journal_entry_id
  FROM recon_items WHERE id = $1`;

const TRANSITION = `
UPDATE recon_items SET status = $3::"ReconItemStatus", resolution_note = $4, updated_at = now()
 WHERE id = $1 AND status = $2::"ReconItemStatus"`;

const RESOLVE_ACCEPTED = `
UPDATE recon_items SET status = 'RESOLVED', rule = 'operator.accepted_psp_figure', journal_entry_id = $2,
       resolution_note = $3, updated_at = now()
 WHERE id = $1 AND status = 'OPEN' AND category = 'AMOUNT_MISMATCH'`;

const LINK_PAYMENT = `
UPDATE recon_items SET payment_id = $2, merchant_id = $3, mode = $4::"Mode", resolution_note = $5, updated_at = now()
 WHERE id = $1 AND status = 'OPEN' AND payment_id IS NULL`;

const PAYMENT_SCOPE = `SELECT merchant_id, mode::text AS mode, currency::text AS currency FROM payments WHERE id = $1`;

const INSERT_AUDIT = `
INSERT INTO operator_audit_log (operator_id, action, target_type, target_id, before, after)
VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)`;

interface ItemRow {
  id: string;
  psp: string;
  category: ReconCategory;
  status: ReconItemStatus;
  currency: string;
  gross_minor: bigint | null;
  fee_minor: bigint | null;
  net_minor: bigint | null;
  merchant_account: string | null;
  expected_kind: "CAPTURE" | "REFUND" | null;
  expected_amount_minor: bigint | null;
  merchant_id: string | null;
  mode: "TEST" | "LIVE" | null;
  payment_id: string | null;
  difference_minor: bigint;
  journal_entry_id: string | null;
}

function toItem(row: ItemRow): ReconItemRecord {
  return {
    id: row.id,
    psp: row.psp,
    category: row.category,
    status: row.status,
    currency: row.currency.trim() as CurrencyCode,
    grossMinor: row.gross_minor,
    feeMinor: row.fee_minor,
    netMinor: row.net_minor,
    merchantAccount: row.merchant_account,
    expectedKind: row.expected_kind,
    expectedAmountMinor: row.expected_amount_minor,
    merchantId: row.merchant_id,
    mode: row.mode,
    paymentId: row.payment_id,
    differenceMinor: row.difference_minor,
    journalEntryId: row.journal_entry_id,
  };
}

export async function insertAuditRow(
  tx: SqlTransaction,
  audit: AuditDraft,
  targetType: string,
): Promise<void> {
  await tx.execute(INSERT_AUDIT, [
    audit.actor.operatorId,
    audit.action,
    targetType,
    audit.targetId,
    audit.before === null ? null : JSON.stringify(audit.before),
    JSON.stringify({ ...audit.after, actor: audit.actor.name }),
  ]);
}

/**
 * Posts the PSP's figure for an open amount mismatch (the receivable cleared by what it held, the difference to
 * recon_adjustments) and resolves the item, inside the caller's transaction. False when it is no longer open.
 */
export async function acceptPspFigureIn(tx: SqlTransaction, id: string, note: string): Promise<boolean> {
  const [row] = await tx.query<ItemRow>(`${SELECT_ITEM} FOR UPDATE`, [id]);
  if (row === undefined || row.status !== "OPEN" || row.category !== "AMOUNT_MISMATCH") return false;
  const item = toItem(row);
  if (item.grossMinor === null || item.feeMinor === null || item.netMinor === null) return false;
  if (item.expectedAmountMinor === null || item.merchantId === null || item.mode === null) return false;
  const entry = settlementPosting({
    currency: item.currency,
    grossMinor: item.grossMinor,
    feeMinor: item.feeMinor,
    netMinor: item.netMinor,
    clearedMinor: (item.expectedKind === "REFUND" ? -1n : 1n) * item.expectedAmountMinor,
  });
  const journalEntryId = entry === null ? null : newId("journalEntry");
  if (entry !== null && journalEntryId !== null) {
    await postSettlementEntries(tx, [
      {
        journalEntryId,
        merchantId: item.merchantId,
        mode: item.mode,
        bankCashCode: bankCashCode(item.psp, item.merchantAccount),
        entry,
      },
    ]);
  }
  return (await tx.execute(RESOLVE_ACCEPTED, [id, journalEntryId, note])) === 1;
}

export class ReconItemStoreRepository implements ReconItemStore {
  constructor(private readonly sql: Sql) {}

  async findItem(id: string): Promise<ReconItemRecord | null> {
    const [row] = await this.sql.query<ItemRow>(SELECT_ITEM, [id]);
    return row === undefined ? null : toItem(row);
  }

  async findPaymentScope(paymentId: string): Promise<LinkablePayment | null> {
    const [row] = await this.sql.query<{ merchant_id: string; mode: "TEST" | "LIVE"; currency: string }>(
      PAYMENT_SCOPE,
      [paymentId],
    );
    return row === undefined
      ? null
      : { merchantId: row.merchant_id, mode: row.mode, currency: row.currency.trim() as CurrencyCode };
  }

  linkPayment(id: string, paymentId: string, payment: LinkablePayment, note: string, audit: AuditDraft) {
    return this.sql.transaction(async (tx) => {
      if ((await tx.execute(LINK_PAYMENT, [id, paymentId, payment.merchantId, payment.mode, note])) !== 1)
        return false;
      await insertAuditRow(tx, audit, "recon_item");
      return true;
    });
  }

  transition(id: string, from: ReconItemStatus, to: ReconItemStatus, note: string, audit: AuditDraft) {
    return this.sql.transaction(async (tx) => {
      if ((await tx.execute(TRANSITION, [id, from, to, note])) !== 1) return false;
      await insertAuditRow(tx, audit, "recon_item");
      return true;
    });
  }

  acceptPspFigure(id: string, note: string, audit: AuditDraft) {
    return this.sql.transaction(async (tx) => {
      if (!(await acceptPspFigureIn(tx, id, note))) return false;
      await insertAuditRow(tx, audit, "recon_item");
      return true;
    });
  }
}
