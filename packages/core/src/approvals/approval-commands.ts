// Four eyes, the one write path: an operator's action above a threshold becomes a request; a different operator
// approves it (the action applies in the same transaction as the approval) or rejects it. Reusable: a kind names
// what is applied (recon.accept_psp_figure today; manual ledger adjustments and payouts next), and the store
// holds the applier of each kind.
import { CUSTOMER_ERASE_ACTION } from "../customers/customer-erasure-action";
import { DomainError } from "../errors/domain-error";
import { newId } from "../ids/ids";
import type { CurrencyCode } from "../money/currency";
import { assertFreeText } from "../payments/free-text";
import type { ApprovalRequestRecord, ApprovalStore } from "../ports/approval-store";
import type { Actor, AuditValue } from "../ports/audit";
import { type ApprovalStatus, canTransitionApproval } from "./approval-state-machine";

export const APPROVAL_REASON_LENGTH_MAX = 500;

/**
 * Kinds only an admin may approve (what they apply is an admin's action in the first place): a large fixed reserve,
 * and a customer's erasure (issue 22: the request is an admin's, and so is its approval).
 */
export const ADMIN_APPROVAL_KINDS: ReadonlySet<string> = new Set([
  "payouts.set_reserve",
  CUSTOMER_ERASE_ACTION,
]);
const KIND = /^[a-z][a-z0-9_.]{2,63}$/;

export interface RequestApprovalInput {
  kind: string;
  targetId: string;
  payload: Record<string, AuditValue>;
  amountMinor: bigint;
  currency: CurrencyCode;
  reason: string;
}

export function validReason(raw: string, field = "reason"): string {
  const reason = raw.trim();
  if (reason.length === 0 || reason.length > APPROVAL_REASON_LENGTH_MAX)
    throw new DomainError("INVALID_INPUT", `${field} is 1 to ${APPROVAL_REASON_LENGTH_MAX} characters.`, {
      field: [field],
    });
  assertFreeText(reason, { field: [field], multiline: true });
  return reason;
}

function snapshot(request: ApprovalRequestRecord): Record<string, AuditValue> {
  return {
    kind: request.kind,
    targetId: request.targetId,
    amountMinor: request.amountMinor.toString(),
    currency: request.currency,
    status: request.status,
    requestedBy: request.requestedBy,
    decidedBy: request.decidedBy,
  };
}

export class ApprovalCommands {
  constructor(private readonly deps: { store: ApprovalStore; now: () => Date }) {}

  async request(actor: Actor, input: RequestApprovalInput): Promise<ApprovalRequestRecord> {
    if (!KIND.test(input.kind))
      throw new DomainError("INVALID_INPUT", "Not an approval kind.", { field: ["kind"] });
    if (input.amountMinor < 0n)
      throw new DomainError("AMOUNT_INVALID", "An approval's amount is not negative.", { field: ["amount"] });
    const request: ApprovalRequestRecord = {
      id: newId("approvalRequest"),
      kind: input.kind,
      targetId: input.targetId,
      payload: input.payload,
      amountMinor: input.amountMinor,
      currency: input.currency,
      reason: validReason(input.reason),
      status: "PENDING",
      requestedBy: actor.name,
      requestedByOperatorId: actor.operatorId,
      decidedBy: null,
      decidedByOperatorId: null,
      decisionNote: null,
      createdAt: this.deps.now(),
      decidedAt: null,
    };
    const created = await this.deps.store.create(request, {
      actor,
      action: "approval.requested",
      targetId: request.id,
      before: null,
      after: { ...snapshot(request), reason: request.reason },
    });
    if (!created)
      throw new DomainError("APPROVAL_ALREADY_REQUESTED", "An approval for this is already waiting.", {
        field: ["targetId"],
      });
    return request;
  }

  /** `approverIsAdmin`: whether the approving operator is an admin (required for ADMIN_APPROVAL_KINDS). */
  approve(actor: Actor, id: string, note: string, approverIsAdmin = false): Promise<ApprovalRequestRecord> {
    return this.decide(actor, id, "APPROVED", note, approverIsAdmin);
  }

  reject(actor: Actor, id: string, note: string): Promise<ApprovalRequestRecord> {
    return this.decide(actor, id, "REJECTED", note);
  }

  private async decide(
    actor: Actor,
    id: string,
    to: ApprovalStatus,
    rawNote: string,
    approverIsAdmin = false,
  ): Promise<ApprovalRequestRecord> {
    const note = validReason(rawNote, "note");
    const before = await this.deps.store.findById(id);
    if (before === null)
      throw new DomainError("APPROVAL_NOT_FOUND", "No such approval request.", { field: ["id"] });
    if (!canTransitionApproval(before.status, to))
      throw new DomainError("APPROVAL_NOT_PENDING", `The request is already ${before.status.toLowerCase()}.`);
    // Four eyes: the same person, by operator id or by name (the CLI's user), never decides their own request.
    const sameOperator =
      before.requestedBy === actor.name ||
      (before.requestedByOperatorId !== null && before.requestedByOperatorId === actor.operatorId);
    if (sameOperator)
      throw new DomainError("APPROVAL_SAME_OPERATOR", "A second operator must decide this request.");
    const adminOnly = ADMIN_APPROVAL_KINDS.has(before.kind);
    if (to === "APPROVED" && adminOnly && !approverIsAdmin)
      throw new DomainError("APPROVAL_ADMIN_REQUIRED", "A second admin must approve this request.");
    const decided: ApprovalRequestRecord = {
      ...before,
      status: to,
      decidedBy: actor.name,
      decidedByOperatorId: actor.operatorId,
      decisionNote: note,
      decidedAt: this.deps.now(),
    };
    const result = await this.deps.store.decide(decided, {
      actor,
      action: to === "APPROVED" ? "approval.approved" : "approval.rejected",
      targetId: id,
      before: snapshot(before),
      // An admin-only kind's approval records that an admin gave it (the applier's own row names them too).
      after: {
        ...snapshot(decided),
        note,
        ...(to === "APPROVED" && adminOnly ? { approverRole: "ADMIN" } : {}),
      },
    });
    if (result === null) throw new DomainError("APPROVAL_NOT_PENDING", "Another operator decided it first.");
    return result;
  }
}
