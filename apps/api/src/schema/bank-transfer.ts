// Bank transfers (issue 18): Payment.bankTransferInstructions, what the customer must send and what has arrived.
// Read through a batched loader scoped to the payment's own merchant and mode, like every nested field.
import type { BankTransferRecord } from "@paycore/core/bank-transfers/bank-transfer";
import type { PaymentId } from "@paycore/core/ids/ids";
import { type GraphQLContext, scopedLoader } from "../context";
import { builder } from "./builder";
import { Payment } from "./payment";

const loaders = new WeakMap<GraphQLContext, ReturnType<typeof createLoader>>();

function createLoader(context: GraphQLContext) {
  return scopedLoader<PaymentId, BankTransferRecord | null>(async (actor, ids) => {
    const rows = await context.services.bankTransferStore.transfersOf(actor, ids);
    return new Map(rows.map((row) => [row.paymentId, row]));
  }, null);
}

function loaderOf(context: GraphQLContext) {
  let loader = loaders.get(context);
  if (!loader) {
    loader = createLoader(context);
    loaders.set(context, loader);
  }
  return loader;
}

export const BankTransferInstructions = builder
  .objectRef<BankTransferRecord>("BankTransferInstructions")
  .implement({
    description:
      "Where and how the customer pays a bank-transfer payment. The payment is captured when amountReceived reaches amountDue.",
    fields: (t) => ({
      reference: t.exposeString("reference", {
        description: "The reference the customer must quote in the transfer's remittance information.",
      }),
      iban: t.exposeString("iban", { description: "The virtual IBAN used by this payment only." }),
      bic: t.exposeString("bic"),
      amountDue: t.field({ type: "MinorUnits", resolve: (b) => b.amountDueMinor }),
      amountReceived: t.field({
        type: "MinorUnits",
        description:
          "Received so far towards this payment (partial transfers add up; an excess is returned).",
        resolve: (b) => b.amountReceivedMinor,
      }),
      currency: t.field({ type: "CurrencyCode", resolve: (b) => b.currency }),
      expiresAt: t.field({
        type: "DateTime",
        description: "After this the payment is cancelled and whatever arrives is returned.",
        resolve: (b) => b.expiresAt,
      }),
    }),
  });

builder.objectField(Payment, "bankTransferInstructions", (t) =>
  t.field({
    type: BankTransferInstructions,
    nullable: true,
    description: "For a BANK_TRANSFER payment: the instructions and the amount received; null for cards.",
    resolve: (p, _args, context) =>
      p.paymentMethodId === null
        ? loaderOf(context).load({ id: p.id, merchantId: p.merchantId, mode: p.mode })
        : null,
  }),
);
