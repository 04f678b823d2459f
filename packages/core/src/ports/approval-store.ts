// Four eyes, storage side: requests, and their decision written with the approved action itself. The store
// holds one applier per kind (packages/db), so the action runs inside the approving transaction.
import type { ApprovalStatus } from "../approvals/approval-state-machine";
import type { CurrencyCode } from "../money/currency";
import type { AuditDraft, AuditValue } from "./audit";

export interface ApprovalRequestRecord {
  id: string;
  kind: string;
  targetId: string;
  payload: Record<string, AuditValue>;
  amountMinor: bigint;
  currency: CurrencyCode;
  reason: string;
  status: ApprovalStatus;
  requestedBy: string;
  requestedByOperatorId: string | null;
  decidedBy: string | null;
  decidedByOperatorId: string | null;
  decisionNote: string | null;
  createdAt: Date;
  decidedAt: Date | null;
}

export interface ApprovalStore {
  findById(id: string): Promise<ApprovalRequestRecord | null>;
  /** False when a request of that kind and target is already pending (unique index). */
  create(request: ApprovalRequestRecord, audit: AuditDraft): Promise<boolean>;
  /**
   * Moves a PENDING request to its decision, and for APPROVED runs the kind's applier, with the audit row, in one
   * transaction. Null when the request was no longer PENDING (another operator decided first).
   */
  decide(decided: ApprovalRequestRecord, audit: AuditDraft): Promise<ApprovalRequestRecord | null>;
}
