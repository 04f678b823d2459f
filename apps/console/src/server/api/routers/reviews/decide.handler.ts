// Approve or reject a held payment through the core's review commands (the
// same ones the API's operator mutations call); the command writes the
// operator's audit row in the decision's own transaction (issue 15).
import { DomainError } from "@paycore/core/errors/domain-error";
import { parseId } from "@paycore/core/ids/ids";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { ReviewDecisionInput } from "./decide.schema";

export interface ReviewDecisionView {
  payment: { id: string; status: string };
  replayed: boolean;
  errors: Array<{ code: string; message: string }>;
}

export function reviewDecisionHandler(decision: "approve" | "reject") {
  return async ({
    ctx,
    input,
  }: {
    ctx: SignedInContext;
    input: ReviewDecisionInput;
  }): Promise<ReviewDecisionView> => {
    const { services, session } = ctx;
    const paymentId = parseId("payment", input.paymentId);
    const before = paymentId ? await services.consoleQueries.findPayment(paymentId) : null;
    if (!paymentId || !before) throw new DomainError("PAYMENT_NOT_FOUND", "No payment with this id.");
    const commands = services.app.services.commands;
    const operator = { operatorId: session.operator.email };
    const command = { idempotencyKey: `console:${input.idempotencyKey}`, paymentId, note: input.note };
    const options = {
      audit: {
        actor: operatorActor(ctx),
        action: `review.${decision}`,
        details: { note: input.note ?? null },
      },
    };
    const outcome =
      decision === "approve"
        ? await commands.approveReview(operator, command, options)
        : await commands.rejectReview(operator, command, options);
    const { payment, errors } = outcome.value;
    return {
      payment: { id: payment.id, status: payment.status },
      replayed: outcome.replayed,
      errors: errors.map((error) => ({ code: error.code, message: error.message })),
    };
  };
}
