// A refund from the payment page, through the same core command the merchant
// API uses. The form's idempotency key makes a double submit one refund; the
// core enforces what is still refundable.

import { DomainError } from "@paycore/core/errors/domain-error";
import { parseId } from "@paycore/core/ids/ids";
import type { MerchantActor } from "@paycore/core/payments/payment-record";
import { refundableMinor } from "@paycore/core/payments/payment-rules";
import { decimalToMinor } from "../../../../lib/money";
import { recordAuditEvent } from "../../../audit";
import type { SignedInContext } from "../../trpc";
import type { RefundInput } from "./refund.schema";

export interface RefundView {
  refund: { id: string; status: string; amountMinor: string; currency: string };
  payment: { id: string; status: string; amountRefundedMinor: string; amountRefundableMinor: string };
  replayed: boolean;
  errors: Array<{ code: string; message: string }>;
}

export async function refundHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: RefundInput;
}): Promise<RefundView> {
  const { services, session } = ctx;
  const paymentId = parseId("payment", input.paymentId);
  const before = paymentId ? await services.consoleQueries.findPayment(paymentId) : null;
  if (!paymentId || !before) throw new DomainError("PAYMENT_NOT_FOUND", "No payment with this id.");
  const amountMinor = input.amount ? decimalToMinor(input.amount, before.currency) : null;
  if (input.amount && amountMinor === null) {
    throw new DomainError("AMOUNT_INVALID", `${input.amount} is not an amount in ${before.currency}.`, {
      field: ["amount"],
    });
  }
  const actor: MerchantActor = {
    merchantId: before.merchantId,
    mode: before.mode,
    apiKeyId: null,
    by: { source: "OPERATOR", id: session.operator.email, note: input.reason },
  };
  const outcome = await services.app.services.commands.refundPayment(actor, {
    // Apart from the merchant's own keys in the same scope.
    idempotencyKey: `console:${input.idempotencyKey}`,
    paymentId,
    ...(amountMinor === null ? {} : { amount: amountMinor.toString() }),
    reason: input.reason,
  });
  const { refund, payment, errors } = outcome.value;
  const refundable = refundableMinor(payment);
  if (!outcome.replayed) {
    await recordAuditEvent(services, {
      operatorId: session.operator.id,
      action: "payment.refund",
      targetType: "payment",
      targetId: paymentId,
      before: {
        status: before.status,
        amountCapturedMinor: before.amountCapturedMinor,
        amountRefundedMinor: before.amountRefundedMinor,
      },
      after: {
        status: payment.status,
        amountCapturedMinor: payment.amountCapturedMinor,
        amountRefundedMinor: payment.amountRefundedMinor,
        amountRefundPendingMinor: payment.amountRefundPendingMinor,
        refundId: refund.id,
        refundAmountMinor: refund.amountMinor,
        refundStatus: refund.status,
        reason: input.reason,
        errors: errors.map((error) => error.code).join(",") || null,
      },
    });
  }
  return {
    refund: {
      id: refund.id,
      status: refund.status,
      amountMinor: refund.amountMinor.toString(),
      currency: refund.currency,
    },
    payment: {
      id: payment.id,
      status: payment.status,
      amountRefundedMinor: payment.amountRefundedMinor.toString(),
      amountRefundableMinor: (refundable > 0n ? refundable : 0n).toString(),
    },
    replayed: outcome.replayed,
    errors: errors.map((error) => ({ code: error.code, message: error.message })),
  };
}
