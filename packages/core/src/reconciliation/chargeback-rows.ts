// Chargeback rows of a settlement report feed the dispute model: each is read as the PSP's view of the dispute
// at that stage, and applied through the dispute commands with the same ordering rules as the PSP's dispute
// notifications (a row of an earlier stage, or behind within its stage, changes nothing), so a row and the
// notification of the same event open or move the dispute once. Pure mapping here.
import type { DisputeNotification } from "../disputes/dispute-commands";
import type { DisputeStage, DisputeStatus } from "../disputes/dispute-state-machine";
import type { SettlementPsp } from "./settlement-line";

/** The PSP's row type (as written in its report) → the dispute's position that row means. */
const CHARGEBACK_ROWS: Readonly<
  Record<SettlementPsp, Readonly<Record<string, { status: DisputeStatus; stage: DisputeStage }>>>
> = {
  // Adyen's Settlement details report: the funds move at CHARGEBACK (and back at ChargebackReversed).
  adyen: {
    Chargeback: { status: "NEEDS_RESPONSE", stage: "chargeback" },
    ChargebackReversed: { status: "WON", stage: "chargeback" },
    SecondChargeback: { status: "LOST", stage: "second_chargeback" },
  },
  // Stripe's balance change report: `dispute` withdraws the funds, `dispute_reversal` reinstates them.
  stripe: {
    dispute: { status: "NEEDS_RESPONSE", stage: "chargeback" },
    dispute_reversal: { status: "WON", stage: "chargeback" },
  },
};

export interface ChargebackRow {
  psp: SettlementPsp;
  rawType: string;
  /** The disputed payment's PSP reference. */
  pspReference: string | null;
  /** Stripe's dispute id (source_id, dp_…); Adyen's row names its own modification. */
  modificationReference: string | null;
  currency: string;
  grossMinor: bigint;
}

/**
 * The dispute notification a chargeback row means, or null when the row cannot name one (no payment reference,
 * an unknown row type). Adyen keeps one dispute per payment and names it by the payment when its notifications
 * carry no dispute reference, so its rows do the same; Stripe's rows carry the dispute's id.
 */
export function chargebackNotification(row: ChargebackRow): DisputeNotification | null {
  const position = CHARGEBACK_ROWS[row.psp][row.rawType];
  if (position === undefined || row.pspReference === null) return null;
  const disputeReference = row.psp === "stripe" ? row.modificationReference : row.pspReference;
  if (disputeReference === null) return null;
  const amountMinor = row.grossMinor < 0n ? -row.grossMinor : row.grossMinor;
  return {
    pspName: row.psp,
    disputeReference,
    paymentPspReference: row.pspReference,
    status: position.status,
    stage: position.stage,
    pspStage: `settlement:${row.rawType}`,
    amountMinor: amountMinor > 0n ? amountMinor : null,
    currency: row.currency,
    reason: "general",
    reasonCode: null,
    evidenceDueBy: null,
  };
}
