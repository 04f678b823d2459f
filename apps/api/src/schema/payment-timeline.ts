// PaymentEvent, LedgerEntry and PspAttempt: what happened to a payment, what it posted, what it asked PSPs.

import { PAYMENT_STATUSES } from "@paycore/core/payments/payment-state-machine";
import type { JournalEntryRecord, PspAttemptView } from "@paycore/db/repositories/payment-query.repository";
import type { PaymentEventView } from "../context";
import { builder } from "./builder";
import { Node } from "./node-interface";

const EventStatus = builder.enumType("PaymentEventStatus", { values: PAYMENT_STATUSES });
const EventSource = builder.enumType("EventSource", {
  values: ["API", "WEBHOOK", "SYSTEM", "OPERATOR", "RECONCILIATION"] as const,
});
const EntryDirection = builder.enumType("EntryDirection", { values: ["DEBIT", "CREDIT"] as const });
const LedgerAccountCode = builder.enumType("LedgerAccountCode", {
  values: {
    psp_receivable: { description: "Asset: what the PSP holds for us." },
    merchant_balance: {
      description: "Liability: what we owe the merchant and it may be paid out now (available).",
    },
    fee_revenue: { description: "Revenue: processing fees earned." },
    // Bank transfers (issue 18).
    bank_transfer_cash: {
      description: "Asset: what payers sent to our bank account for bank-transfer payments.",
    },
    bank_transfer_unapplied: {
      description: "Liability: partial bank transfers not yet enough to pay their payment.",
    },
    bank_transfer_owed: { description: "Liability: bank-transfer money to return to payers." },
    merchant_pending: {
      description:
        "Liability: captured for the merchant, not yet released by the PSP's settlement delay (pending).",
    },
    merchant_reserved: { description: "Liability: held back from the merchant under a reserve." },
    payouts_in_transit: {
      description: "Liability: paid out of the balance, on its way to the merchant's bank.",
    },
    payout_bank: { description: "Asset: our payout bank account (what payouts took, returns gave back)." },
    fx_clearing: {
      description: "Asset: a conversion's clearing in each of its two currencies (multiple currencies).",
    },
    fx_gain_loss: {
      description: "Expense: FX loss (debit) or gain (credit) on refunds of converted payments.",
    },
    verification_expense: {
      description: "Expense: the platform's micro-deposits that verify payout destinations.",
    },
  },
});

export const PaymentEvent = builder.objectRef<PaymentEventView>("PaymentEvent").implement({
  interfaces: [Node],
  fields: (t) => ({
    id: t.id({
      description: "The payment's id and the event's position in its trail (pay_…:1, pay_…:2, …).",
      // Not the stored id: that is a platform-wide sequence, which would tell a merchant everyone's volume.
      resolve: (e) => `${e.paymentId}:${e.ordinal}`,
    }),
    type: t.exposeString("type"),
    oldStatus: t.field({ type: EventStatus, nullable: true, resolve: (e) => e.oldStatus }),
    newStatus: t.field({ type: EventStatus, nullable: true, resolve: (e) => e.newStatus }),
    source: t.field({ type: EventSource, resolve: (e) => e.source }),
    createdAt: t.field({ type: "DateTime", resolve: (e) => e.createdAt }),
  }),
});

type LedgerLine = JournalEntryRecord["lines"][number];

const LedgerLineRef = builder.objectRef<LedgerLine>("LedgerLine").implement({
  fields: (t) => ({
    account: t.field({ type: LedgerAccountCode, resolve: (l) => l.account }),
    direction: t.field({ type: EntryDirection, resolve: (l) => l.direction }),
    amount: t.field({ type: "MinorUnits", resolve: (l) => l.amountMinor }),
  }),
});

export const LedgerEntry = builder.objectRef<JournalEntryRecord>("LedgerEntry").implement({
  interfaces: [Node],
  description: "A balanced journal entry: its debits equal its credits.",
  fields: (t) => ({
    id: t.exposeID("id"),
    kind: t.exposeString("kind"),
    currency: t.field({ type: "CurrencyCode", resolve: (e) => e.currency }),
    refundId: t.exposeID("refundId", { nullable: true }),
    lines: t.field({
      type: [LedgerLineRef],
      // An entry has two or three lines (receivable, merchant balance, fee), not the default list estimate.
      complexity: { field: 4, multiplier: 4 },
      resolve: (e) => e.lines,
    }),
    createdAt: t.field({ type: "DateTime", resolve: (e) => e.createdAt }),
  }),
});

const AttemptStatus = builder.enumType("PspAttemptStatus", {
  values: {
    PENDING: { description: "Recorded; the request is being sent." },
    ACKNOWLEDGED: {
      description: "Accepted by the PSP, to be confirmed by its notification (asynchronous PSPs).",
    },
    SUCCEEDED: {},
    FAILED: {},
    UNKNOWN: {
      description: "No definite answer (timeout): being resolved with the same PSP, never retried elsewhere.",
    },
  },
});
const AttemptOperation = builder.enumType("PspOperation", {
  values: ["AUTHORIZE", "CAPTURE", "VOID", "REFUND"] as const,
});

/**
 * What a merchant may see of a routing decision, by whitelist: which PSPs were tried in which order and why one
 * was skipped. PSP costs (`costBps`), authorization-rate scores, platform-wide breaker states and global rule
 * ids are the platform's routing economics, not the merchant's.
 */
function merchantRoutingView(routing: unknown): { candidates: unknown; skipped: unknown } {
  const decision = (typeof routing === "object" && routing !== null ? routing : {}) as Record<
    string,
    unknown
  >;
  return { candidates: decision.candidates ?? [], skipped: decision.skipped ?? [] };
}

export const PspAttempt = builder.objectRef<PspAttemptView>("PspAttempt").implement({
  interfaces: [Node],
  description: "One request to a PSP, recorded before it was sent, with the routing decision behind it.",
  fields: (t) => ({
    id: t.exposeID("id"),
    operation: t.field({ type: AttemptOperation, resolve: (a) => a.operation }),
    pspName: t.exposeString("pspName"),
    status: t.field({ type: AttemptStatus, resolve: (a) => a.status }),
    amount: t.field({ type: "MinorUnits", resolve: (a) => a.amountMinor }),
    pspReference: t.exposeString("pspReference", { nullable: true }),
    errorCode: t.exposeString("errorCode", { nullable: true }),
    refundId: t.exposeID("refundId", { nullable: true }),
    routing: t.string({
      nullable: true,
      description:
        "The routing decision as JSON: the candidate PSPs in order and those skipped (with why). Operators also see the matched rule, scores, costs and breaker states.",
      resolve: (a, _args, context) => {
        if (!a.routing) return null;
        return JSON.stringify(context.operator !== null ? a.routing : merchantRoutingView(a.routing));
      },
    }),
    escalated: t.boolean({
      description: "Still unknown after every retry: an operator must look.",
      resolve: (a) => a.escalatedAt !== null,
    }),
    createdAt: t.field({ type: "DateTime", resolve: (a) => a.createdAt }),
    updatedAt: t.field({ type: "DateTime", resolve: (a) => a.updatedAt }),
  }),
});
