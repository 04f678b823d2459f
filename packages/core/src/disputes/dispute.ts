// The dispute aggregate: what we keep of a card network dispute (chargeback or inquiry) on one payment, the
// normalised reasons, and whether the disputed money is withdrawn from the merchant at a given position.
import type { CurrencyCode } from "../money/currency";
import type { DisputeStage, DisputeStatus } from "./dispute-state-machine";

/** Normalised reasons; the network's own code is kept beside it (`reasonCode`). */
export const DISPUTE_REASONS = [
  "fraudulent",
  "product_not_received",
  "product_unacceptable",
  "duplicate",
  "credit_not_processed",
  "subscription_canceled",
  "unrecognized",
  "general",
] as const;
export type DisputeReason = (typeof DISPUTE_REASONS)[number];

export function parseDisputeReason(input: string | null | undefined): DisputeReason {
  const normalised = (input ?? "").trim().toLowerCase();
  return (DISPUTE_REASONS as readonly string[]).includes(normalised)
    ? (normalised as DisputeReason)
    : "general";
}

export interface DisputeRecord {
  id: string;
  paymentId: string;
  merchantId: string;
  mode: "TEST" | "LIVE";
  amountMinor: bigint;
  currency: CurrencyCode;
  status: DisputeStatus;
  stage: DisputeStage;
  reason: DisputeReason;
  /** The card network's reason code as the PSP sent it (e.g. Visa 10.4), at most 32 characters. */
  reasonCode: string | null;
  pspName: string;
  pspReference: string;
  /** The PSP's own name for where the dispute is (Stripe's status, Adyen's event code), shown to operators. */
  pspStage: string;
  evidenceDueBy: Date | null;
  /** The disputed amount is currently out of the merchant's balance. */
  fundsWithdrawn: boolean;
  /** The dispute fee charged (once, with the first withdrawal); 0 until then. */
  feeMinor: bigint;
  evidenceSubmittedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Whether, at this position, the disputed amount is out of the merchant's balance. An inquiry (retrieval request)
 * moves no money; from the chargeback on, the issuer holds the money until the merchant wins.
 */
export function fundsWithdrawnAt(status: DisputeStatus, stage: DisputeStage): boolean {
  if (stage === "inquiry") return false;
  return status !== "WON";
}

/** The amount a dispute keeps from being refunded: everything but a won dispute's. */
export function disputedAmountOf(dispute: Pick<DisputeRecord, "status" | "amountMinor">): bigint {
  return dispute.status === "WON" ? 0n : dispute.amountMinor;
}
