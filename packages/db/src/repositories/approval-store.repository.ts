// Four eyes, storage side: the store behind the core's ApprovalCommands. An approval runs its kind's applier in
// the approving transaction, so the action and its approval commit together or not at all. Appliers are
// registered by kind; a kind without one cannot be approved (a programming error, not an operator's).
import { CUSTOMER_ERASE_ACTION } from "@paycore/core/customers/customer-erasure-commands";
import { DomainError, invariant } from "@paycore/core/errors/domain-error";
import { adjustmentFromApproval, LEDGER_ADJUSTMENT } from "@paycore/core/ledger/ledger-adjustment-commands";
import type { CurrencyCode } from "@paycore/core/money/currency";
import { fixedReserveChangePosting, reserveFromApproval, SET_RESERVE } from "@paycore/core/payouts/reserves";
import type { ApprovalRequestRecord, ApprovalStore } from "@paycore/core/ports/approval-store";
import type { AuditDraft } from "@paycore/core/ports/audit";
import { ACCEPT_PSP_FIGURE } from "@paycore/core/reconciliation/recon-item-commands";
import { type Sql, type SqlTransaction, sqlState } from "../sql";
import { eraseCustomerIn } from "./customer-pii-store.repository";
import { postAdjustmentIn } from "./ledger-adjustment-store.repository";
import { setReservePolicyIn } from "./payout-store.repository";
import { acceptPspFigureIn, insertAuditRow } from "./recon-item-store.repository";

/** Applies an approved request inside the approving transaction; false when its target is no longer eligible. */
export type ApprovalApplier = (tx: SqlTransaction, request: ApprovalRequestRecord) => Promise<boolean>;

/** Every kind of approval and what approving it does. */
export const APPROVAL_APPLIERS: Readonly<Record<string, ApprovalApplier>> = {
  [ACCEPT_PSP_FIGURE]: (tx, request) =>
    acceptPspFigureIn(tx, request.targetId, `approved by ${request.decidedBy}: ${request.reason}`),
  // Workbench (issue 17): a manual ledger adjustment above the threshold, posted with both operators named.
  // Customers' personal data (issue 22): an admin's erasure, applied once another operator approves it.
  [CUSTOMER_ERASE_ACTION]: async (tx, request) => {
    const emailIndex = request.payload.emailIndex;
    if (typeof emailIndex !== "string") return false;
    const erased = await eraseCustomerIn(tx, request.targetId, emailIndex);
    await insertAuditRow(
      tx,
      {
        actor: { operatorId: request.decidedByOperatorId, name: request.decidedBy ?? "unknown" },
        action: CUSTOMER_ERASE_ACTION,
        targetId: request.targetId,
        before: null,
        after: { ...erased, reason: request.reason, requestedBy: request.requestedBy, approval: request.id },
      },
      "merchant_customer",
    );
    return true;
  },
  [LEDGER_ADJUSTMENT]: async (tx, request) => {
    const adjustment = adjustmentFromApproval(request);
    if (adjustment === null) return false;
    await postAdjustmentIn(tx, adjustment);
    return true;
  },
  // Payouts (issue 18): a fixed reserve above the threshold, set by a second admin's approval with its own audit
  // row naming both operators.
  [SET_RESERVE]: async (tx, request) => {
    const reserve = reserveFromApproval(request.payload);
    if (reserve === null) return false;
    const { merchantId, mode, policy } = reserve;
    await setReservePolicyIn(
      tx,
      merchantId,
      mode,
      policy,
      (fixedInForceMinor) =>
        fixedReserveChangePosting({
          fromMinor: fixedInForceMinor,
          toMinor: policy.fixedMinor,
          currency: policy.currency,
        }),
      {
        actor: { operatorId: request.decidedByOperatorId, name: request.decidedBy ?? "approver" },
        action: "reserves.set",
        targetId: merchantId,
        before: null,
        after: {
          currency: policy.currency,
          mode,
          rollingBps: policy.rollingBps,
          rollingDays: policy.rollingDays,
          fixed: policy.fixedMinor.toString(),
          requestedBy: request.requestedBy,
          approvalRequestId: request.id,
        },
      },
    );
    return true;
  },
};

const UNIQUE_VIOLATION = "23505";

const COLUMNS = `id, kind, target_id, payload, amount_minor, currency::text AS currency, reason, status::text AS status,
  requested_by, requested_by_operator_id, decided_by, decided_by_operator_id, decision_note, created_at, decided_at`;

interface Row {
  id: string;
  kind: string;
  target_id: string;
  payload: ApprovalRequestRecord["payload"];
  amount_minor: bigint;
  currency: string;
  reason: string;
  status: ApprovalRequestRecord["status"];
  requested_by: string;
  requested_by_operator_id: string | null;
  decided_by: string | null;
  decided_by_operator_id: string | null;
  decision_note: string | null;
  created_at: Date;
  decided_at: Date | null;
}

function toRecord(row: Row): ApprovalRequestRecord {
  return {
    id: row.id,
    kind: row.kind,
    targetId: row.target_id,
    payload: row.payload,
    amountMinor: row.amount_minor,
    currency: row.currency.trim() as CurrencyCode,
    reason: row.reason,
    status: row.status,
    requestedBy: row.requested_by,
    requestedByOperatorId: row.requested_by_operator_id,
    decidedBy: row.decided_by,
    decidedByOperatorId: row.decided_by_operator_id,
    decisionNote: row.decision_note,
    createdAt: row.created_at,
    decidedAt: row.decided_at,
  };
}

const INSERT = `
INSERT INTO approval_requests (id, kind, target_id, payload, amount_minor, currency, reason, status, requested_by,
  requested_by_operator_id, created_at)
VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, 'PENDING', $8, $9, $10)`;

const DECIDE = `
UPDATE approval_requests SET status = $2::"ApprovalStatus", decided_by = $3, decided_by_operator_id = $4,
       decision_note = $5, decided_at = $6
 WHERE id = $1 AND status = 'PENDING'
RETURNING ${COLUMNS}`;

export class ApprovalStoreRepository implements ApprovalStore {
  constructor(
    private readonly sql: Sql,
    private readonly appliers: Readonly<Record<string, ApprovalApplier>> = APPROVAL_APPLIERS,
  ) {}

  async findById(id: string): Promise<ApprovalRequestRecord | null> {
    const [row] = await this.sql.query<Row>(`SELECT ${COLUMNS} FROM approval_requests WHERE id = $1`, [id]);
    return row === undefined ? null : toRecord(row);
  }

  async create(request: ApprovalRequestRecord, audit: AuditDraft): Promise<boolean> {
    try {
      await this.sql.transaction(async (tx) => {
        await tx.execute(INSERT, [
          request.id,
          request.kind,
          request.targetId,
          JSON.stringify(request.payload),
          request.amountMinor,
          request.currency,
          request.reason,
          request.requestedBy,
          request.requestedByOperatorId,
          request.createdAt,
        ]);
        await insertAuditRow(tx, audit, "approval_request");
      });
      return true;
    } catch (error) {
      if (sqlState(error) === UNIQUE_VIOLATION) return false;
      throw error;
    }
  }

  decide(decided: ApprovalRequestRecord, audit: AuditDraft): Promise<ApprovalRequestRecord | null> {
    return this.sql.transaction(async (tx) => {
      const [row] = await tx.query<Row>(DECIDE, [
        decided.id,
        decided.status,
        decided.decidedBy,
        decided.decidedByOperatorId,
        decided.decisionNote,
        decided.decidedAt,
      ]);
      if (row === undefined) return null;
      const record = toRecord(row);
      if (record.status === "APPROVED") {
        const applier = this.appliers[record.kind];
        invariant(applier !== undefined, `no applier for approval kind ${record.kind}`);
        // A target that changed meanwhile (resolved by hand, say) makes the approval fail whole.
        if (!(await applier(tx, record)))
          throw new DomainError("APPROVAL_NOT_PENDING", "Its target changed meanwhile: reject this request.");
      }
      await insertAuditRow(tx, audit, "approval_request");
      return record;
    });
  }
}
