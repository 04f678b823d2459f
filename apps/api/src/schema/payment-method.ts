// PaymentMethod: a tokenized card. Only brand, last4 and expiry ever leave the vault.
import type { TokenizeCardResult } from "@paycore/core/payments/payment-commands";
import type { PaymentMethodRecord } from "@paycore/core/payments/payment-record";
import { requirePublishableKey } from "../context";
import { builder } from "./builder";
import { Node } from "./node-interface";
import { runMutation, UserError, type UserErrorShape } from "./user-error";

/** Issue 18: a card's funding type, usable in routing rules. */
export const FundingTypeEnum = builder.enumType("FundingType", {
  values: ["CREDIT", "DEBIT", "PREPAID", "UNKNOWN"] as const,
});

export const PaymentMethod = builder.objectRef<PaymentMethodRecord>("PaymentMethod").implement({
  interfaces: [Node],
  description: "A card stored in the vault. The card number is encrypted at rest and never returned.",
  fields: (t) => ({
    id: t.exposeID("id"),
    brand: t.exposeString("brand"),
    last4: t.exposeString("last4"),
    expMonth: t.exposeInt("expMonth"),
    expYear: t.exposeInt("expYear"),
    fundingType: t.field({
      type: FundingTypeEnum,
      description:
        "From the card's BIN: credit, debit or prepaid (UNKNOWN when the BIN table does not know it).",
      resolve: (m) =>
        (m.fundingType ?? "unknown").toUpperCase() as "CREDIT" | "DEBIT" | "PREPAID" | "UNKNOWN",
    }),
    createdAt: t.field({ type: "DateTime", resolve: (m) => m.createdAt }),
  }),
});

/** How a payment is paid (issue 18): a tokenized card, or a bank transfer the customer sends to our instructions. */
export const PaymentMethodType = builder.enumType("PaymentMethodType", {
  values: {
    CARD: { description: "A tokenized card (paymentMethodId)." },
    BANK_TRANSFER: {
      description: "A credit transfer the customer sends, quoting the payment's bankTransferInstructions.",
    },
  },
});

const CardInput = builder.inputType("CardInput", {
  fields: (t) => ({
    number: t.string({ required: true, description: "The card number; spaces and dashes are ignored." }),
    expMonth: t.int({ required: true }),
    expYear: t.int({ required: true, description: "Four digits, e.g. 2030." }),
    cvc: t.string({ required: true, description: "Checked for format, then discarded: never stored." }),
  }),
});

const TokenizeCardInput = builder.inputType("TokenizeCardInput", {
  fields: (t) => ({
    idempotencyKey: t.string({ required: true }),
    card: t.field({ type: CardInput, required: true }),
  }),
});

const TokenizeCardPayload = builder
  .objectRef<{ paymentMethod: PaymentMethodRecord | null; errors: UserErrorShape[] }>("TokenizeCardPayload")
  .implement({
    fields: (t) => ({
      paymentMethod: t.field({ type: PaymentMethod, nullable: true, resolve: (p) => p.paymentMethod }),
      errors: t.field({ type: [UserError], resolve: (p) => p.errors }),
    }),
  });

builder.mutationField("tokenizeCard", (t) =>
  t.field({
    type: TokenizeCardPayload,
    description: "Stores a card in the vault and returns a payment method id. Needs a publishable key.",
    args: { input: t.arg({ type: TokenizeCardInput, required: true }) },
    resolve: (_root, { input }, context) => {
      const actor = requirePublishableKey(context);
      return runMutation(
        context,
        () => context.services.commands.tokenizeCard(actor, input),
        (value: TokenizeCardResult | null, errors) => ({
          paymentMethod: value?.paymentMethod ?? null,
          errors,
        }),
      );
    },
  }),
);
