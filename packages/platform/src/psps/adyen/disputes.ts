// Adyen-style dispute notifications mapped onto the core's dispute notification, one row per event code. Adyen's
// dispute path can run NOTIFICATION_OF_CHARGEBACK, CHARGEBACK, CHARGEBACK_REVERSED, SECOND_CHARGEBACK,
// PREARBITRATION_WON or _LOST; the stage column orders them, so a late CHARGEBACK after CHARGEBACK_REVERSED is
// stale, and a SECOND_CHARGEBACK reopens a won dispute.

import { parseDisputeReason } from "@paycore/core/disputes/dispute";
import type { DisputeNotification } from "@paycore/core/disputes/dispute-commands";
import type { DisputeStage, DisputeStatus } from "@paycore/core/disputes/dispute-state-machine";
import type { AdyenNotificationItem } from "./notification-item";

/** `stage: null`: the dispute's current stage (INFORMATION_SUPPLIED is about whatever stage it is in). */
const ADYEN_DISPUTE_EVENTS: Readonly<Record<string, { status: DisputeStatus; stage: DisputeStage | null }>> =
  {
    REQUEST_FOR_INFORMATION: { status: "INQUIRY", stage: "inquiry" },
    // The dispute is opened; Adyen debits nothing until CHARGEBACK.
    NOTIFICATION_OF_CHARGEBACK: { status: "NEEDS_RESPONSE", stage: "inquiry" },
    CHARGEBACK: { status: "NEEDS_RESPONSE", stage: "chargeback" },
    INFORMATION_SUPPLIED: { status: "UNDER_REVIEW", stage: null },
    CHARGEBACK_REVERSED: { status: "WON", stage: "chargeback" },
    // The defence period ended undefended (or the merchant accepted liability): the chargeback stands, lost.
    DISPUTE_DEFENSE_PERIOD_ENDED: { status: "LOST", stage: "chargeback" },
    SECOND_CHARGEBACK: { status: "LOST", stage: "second_chargeback" },
    PREARBITRATION_WON: { status: "WON", stage: "pre_arbitration" },
    PREARBITRATION_LOST: { status: "LOST", stage: "pre_arbitration" },
  };

/** Adyen's reason texts, normalised (anything else is `general`, the network code is kept). */
const ADYEN_REASONS: Readonly<Record<string, string>> = {
  fraud: "fraudulent",
  "goods/services not provided": "product_not_received",
  "not as described": "product_unacceptable",
  "duplicate processing": "duplicate",
  "credit not processed": "credit_not_processed",
  "cancelled recurring transaction": "subscription_canceled",
};

export interface AdyenDisputeItem extends AdyenNotificationItem {
  additionalData?: Record<string, string | undefined>;
}

export function isAdyenDisputeEvent(eventCode: string): boolean {
  return eventCode in ADYEN_DISPUTE_EVENTS;
}

/** The event codes handled here, for the coverage table. */
export const ADYEN_DISPUTE_EVENT_CODES: readonly string[] = Object.keys(ADYEN_DISPUTE_EVENTS);

/**
 * The dispute is named by `additionalData.disputePspReference` when Adyen sends it, else by the disputed payment
 * (Adyen keeps one dispute per payment). Null for a failed (`success: false`) or unknown item.
 */
export function fromAdyenDispute(pspName: string, item: AdyenDisputeItem): DisputeNotification | null {
  const row = ADYEN_DISPUTE_EVENTS[item.eventCode];
  if (!row || item.success !== "true") return null;
  const paymentReference = item.originalReference ?? item.pspReference;
  const extra = item.additionalData ?? {};
  const defenceEnds = extra.defensePeriodEndsAt ? new Date(extra.defensePeriodEndsAt) : null;
  const value = item.amount?.value;
  return {
    pspName,
    disputeReference: extra.disputePspReference ?? paymentReference,
    paymentPspReference: paymentReference,
    // Our payment id, echoed by Adyen on every item: places a dispute that races our own call.
    paymentReference: item.merchantReference || null,
    status: row.status,
    stage: row.stage,
    pspStage: item.eventCode,
    amountMinor: Number.isSafeInteger(value) && (value as number) > 0 ? BigInt(value as number) : null,
    currency: item.amount?.currency ?? null,
    reason: parseDisputeReason(ADYEN_REASONS[(item.reason ?? "").trim().toLowerCase()]),
    reasonCode: extra.chargebackReasonCode ?? null,
    evidenceDueBy: defenceEnds && !Number.isNaN(defenceEnds.getTime()) ? defenceEnds : null,
  };
}
