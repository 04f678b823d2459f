// PaymentEvent and LedgerEntry: what happened to a payment and what it posted.

import { PAYMENT_STATUSES } from "@paycore/core/payments/payment-state-machine";
import type {
  JournalEntryRecord,
  PaymentEventRecord,
} from "@paycore/db/repositories/payment-query.repository";
import { builder } from "./builder";

const EventStatus = builder.enumType("PaymentEventStatus", { values: PAYMENT_STATUSES });
const EventSource = builder.enumType("EventSource", {
  values: ["API", "WEBHOOK", "SYSTEM", "OPERATOR"] as const,
});
const EntryDirection = builder.enumType("EntryDirection", { values: ["DEBIT", "CREDIT"] as const });
const LedgerAccountCode = builder.enumType("LedgerAccountCode", {
  values: {
    psp_receivable: { description: "Asset: what the PSP holds for us." },
    merchant_balance: { description: "Liability: what we owe the merchant." },
    fee_revenue: { description: "Revenue: processing fees earned." },
  },
});

export const PaymentEvent = builder.objectRef<PaymentEventRecord>("PaymentEvent").implement({
  fields: (t) => ({
    id: t.id({ resolve: (e) => e.id.toString() }),
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
  description: "A balanced journal entry: its debits equal its credits.",
  fields: (t) => ({
    id: t.exposeID("id"),
    kind: t.exposeString("kind"),
    currency: t.field({ type: "CurrencyCode", resolve: (e) => e.currency }),
    refundId: t.exposeID("refundId", { nullable: true }),
    lines: t.field({ type: [LedgerLineRef], resolve: (e) => e.lines }),
    createdAt: t.field({ type: "DateTime", resolve: (e) => e.createdAt }),
  }),
});
