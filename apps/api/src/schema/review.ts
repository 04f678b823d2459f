// Fraud review decisions: operator-only mutations on payments held in
// REQUIRES_REVIEW. The console's screens call the same core commands.
import { requireOperator } from "../context";
import { builder } from "./builder";
import { paymentPayload, toPaymentPayload } from "./payment";
import { runMutation } from "./user-error";

const ReviewDecisionInput = builder.inputType("ReviewDecisionInput", {
  fields: (t) => ({
    idempotencyKey: t.string({ required: true }),
    paymentId: t.id({ required: true }),
    note: t.string({
      required: false,
      description: "Why: kept in the payment's audit trail (at most 1000 characters).",
    }),
  }),
});

builder.mutationField("approvePaymentReview", (t) =>
  t.field({
    type: paymentPayload("ApprovePaymentReviewPayload"),
    description:
      "Operators only: releases a held payment (AUTHORIZED; captured at once if it asked for automatic capture).",
    args: { input: t.arg({ type: ReviewDecisionInput, required: true }) },
    resolve: (_root, { input }, context) => {
      const operator = requireOperator(context);
      return runMutation(
        context,
        () =>
          context.services.commands.approveReview(
            { operatorId: operator.name },
            {
              idempotencyKey: input.idempotencyKey,
              paymentId: String(input.paymentId),
              note: input.note ?? null,
            },
          ),
        toPaymentPayload,
      );
    },
  }),
);

builder.mutationField("rejectPaymentReview", (t) =>
  t.field({
    type: paymentPayload("RejectPaymentReviewPayload"),
    description: "Operators only: voids a held payment's authorization; the payment is CANCELLED.",
    args: { input: t.arg({ type: ReviewDecisionInput, required: true }) },
    resolve: (_root, { input }, context) => {
      const operator = requireOperator(context);
      return runMutation(
        context,
        () =>
          context.services.commands.rejectReview(
            { operatorId: operator.name },
            {
              idempotencyKey: input.idempotencyKey,
              paymentId: String(input.paymentId),
              note: input.note ?? null,
            },
          ),
        toPaymentPayload,
      );
    },
  }),
);
