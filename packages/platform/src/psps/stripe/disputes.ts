// Stripe-style dispute events (`charge.dispute.created`, `.updated`, `.closed`, `.funds_withdrawn`,
// `.funds_reinstated`) mapped onto the core's dispute notification. Every one of them carries the whole dispute
// object, so each is read as the dispute's current position: its status says where it is, and an inquiry's
// `warning_*` statuses are the inquiry stage (no money moves).

import { parseDisputeReason } from "@paycore/core/disputes/dispute";
import type { DisputeNotification } from "@paycore/core/disputes/dispute-commands";
import type { DisputeStage, DisputeStatus } from "@paycore/core/disputes/dispute-state-machine";

export const STRIPE_DISPUTE_EVENT_TYPES = [
  "charge.dispute.created",
  "charge.dispute.updated",
  "charge.dispute.closed",
  "charge.dispute.funds_withdrawn",
  "charge.dispute.funds_reinstated",
] as const;

/** Stripe's dispute statuses, one row each. */
const STRIPE_DISPUTE_STATUSES: Readonly<Record<string, { status: DisputeStatus; stage: DisputeStage }>> = {
  warning_needs_response: { status: "INQUIRY", stage: "inquiry" },
  warning_under_review: { status: "UNDER_REVIEW", stage: "inquiry" },
  warning_closed: { status: "WON", stage: "inquiry" },
  needs_response: { status: "NEEDS_RESPONSE", stage: "chargeback" },
  under_review: { status: "UNDER_REVIEW", stage: "chargeback" },
  won: { status: "WON", stage: "chargeback" },
  lost: { status: "LOST", stage: "chargeback" },
};

/** The fields of Stripe's dispute object we read. */
export interface StripeDisputeObject {
  object?: string;
  id?: string;
  amount?: number;
  currency?: string;
  status?: string;
  reason?: string;
  payment_intent?: string | { id?: string } | null;
  evidence_details?: { due_by?: number | null } | null;
  payment_method_details?: { card?: { network_reason_code?: string | null } | null } | null;
}

export function isStripeDisputeEvent(type: string): boolean {
  return (STRIPE_DISPUTE_EVENT_TYPES as readonly string[]).includes(type);
}

/** Null when the object is not a dispute we can place (unknown status, no payment): dead-lettered by the caller. */
export function fromStripeDispute(pspName: string, dispute: StripeDisputeObject): DisputeNotification | null {
  const position = dispute.status ? STRIPE_DISPUTE_STATUSES[dispute.status] : undefined;
  const paymentIntent =
    typeof dispute.payment_intent === "string" ? dispute.payment_intent : dispute.payment_intent?.id;
  if (!position || typeof dispute.id !== "string" || !dispute.id || typeof paymentIntent !== "string")
    return null;
  const dueBy = dispute.evidence_details?.due_by;
  return {
    pspName,
    disputeReference: dispute.id,
    paymentPspReference: paymentIntent,
    status: position.status,
    stage: position.stage,
    pspStage: dispute.status ?? "unknown",
    amountMinor: Number.isSafeInteger(dispute.amount) ? BigInt(dispute.amount as number) : null,
    currency: dispute.currency ?? null,
    reason: parseDisputeReason(dispute.reason),
    reasonCode: dispute.payment_method_details?.card?.network_reason_code ?? null,
    evidenceDueBy: typeof dueBy === "number" ? new Date(dueBy * 1000) : null,
  };
}
