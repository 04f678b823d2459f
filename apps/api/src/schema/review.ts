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

/** The two decisions: the same input and payload, each its own core command. */
const DECISIONS = [
  {
    field: "approvePaymentReview",
    payload: "ApprovePaymentReviewPayload",
    description:
      "Operators only: releases a held payment (AUTHORIZED; captured at once if it asked for automatic capture).",
    command: "approveReview",
  },
  {
    field: "rejectPaymentReview",
    payload: "RejectPaymentReviewPayload",
    description: "Operators only: voids a held payment's authorization; the payment is CANCELLED.",
    command: "rejectReview",
  },
] as const;

for (const decision of DECISIONS) {
  builder.mutationField(decision.field, (t) =>
    t.field({
      type: paymentPayload(decision.payload),
      description: decision.description,
      args: { input: t.arg({ type: ReviewDecisionInput, required: true }) },
      resolve: (_root, { input }, context) => {
        const operator = requireOperator(context);
        return runMutation(
          context,
          () =>
            context.services.commands[decision.command](
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
}
