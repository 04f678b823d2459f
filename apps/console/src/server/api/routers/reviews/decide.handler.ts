// Approve or reject a held payment through the core's review commands (the
// same ones the API's operator mutations call), then audit the decision.
import { DomainError } from "@paycore/core/errors/domain-error";
import { parseId } from "@paycore/core/ids/ids";
import { recordAuditEvent } from "../../../audit";
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
    const outcome =
      decision === "approve"
        ? await commands.approveReview(operator, command)
        : await commands.rejectReview(operator, command);
    const { payment, errors } = outcome.value;
    if (!outcome.replayed) {
      await recordAuditEvent(services, {
        operatorId: session.operator.id,
        action: `review.${decision}`,
        targetType: "payment",
        targetId: paymentId,
        before: { status: before.status, amountCapturedMinor: before.amountCapturedMinor },
        after: {
          status: payment.status,
          amountCapturedMinor: payment.amountCapturedMinor,
          note: input.note,
          errors: errors.map((error) => error.code).join(",") || null,
        },
      });
    }
    return {
      payment: { id: payment.id, status: payment.status },
      replayed: outcome.replayed,
      errors: errors.map((error) => ({ code: error.code, message: error.message })),
    };
  };
}
