// Refund: its fields and the refund query (refundPayment acts on a payment and lives with it).
import { parseId } from "@paycore/core/ids/ids";
import type { RefundRecord } from "@paycore/core/payments/payment-record";
import { requireSecretKey } from "../context";
import { builder } from "./builder";
import { Node } from "./node-interface";
import { notFound } from "./user-error";

const RefundStatus = builder.enumType("RefundStatus", {
  // RETURNED: a bank-transfer refund the payer's bank sent back after it was paid (issue 18).
  values: ["PENDING", "SUCCEEDED", "FAILED", "RETURNED"] as const,
});

export const Refund = builder.objectRef<RefundRecord>("Refund").implement({
  interfaces: [Node],
  fields: (t) => ({
    id: t.exposeID("id"),
    paymentId: t.exposeID("paymentId"),
    amount: t.field({ type: "MinorUnits", resolve: (r) => r.amountMinor }),
    currency: t.field({ type: "CurrencyCode", resolve: (r) => r.currency }),
    status: t.field({ type: RefundStatus, resolve: (r) => r.status }),
    reason: t.exposeString("reason", { nullable: true }),
    pspReference: t.exposeString("pspReference", { nullable: true }),
    failureCode: t.exposeString("failureCode", { nullable: true }),
    createdAt: t.field({ type: "DateTime", resolve: (r) => r.createdAt }),
    updatedAt: t.field({ type: "DateTime", resolve: (r) => r.updatedAt }),
  }),
});

builder.queryField("refund", (t) =>
  t.field({
    type: Refund,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const actor = requireSecretKey(context);
      const refundId = parseId("refund", String(id));
      const refund = refundId && (await context.services.queries.findRefund(actor, refundId));
      if (!refund) throw notFound("refund");
      return refund;
    },
  }),
);
