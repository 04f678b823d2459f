// A refund from the payment page, through the same core command the merchant
// API uses. The form's idempotency key makes a double submit one refund; the
// core enforces what is still refundable. The operator's audit row is written
// by the command, in the transaction that records the refund (issue 15).

import { DomainError } from "@paycore/core/errors/domain-error";
import { parseId } from "@paycore/core/ids/ids";
import type { MerchantActor } from "@paycore/core/payments/payment-record";
import { refundableMinor } from "@paycore/core/payments/payment-rules";
import { decimalToMinor } from "../../../../lib/money";
import { operatorActor } from "../../actor";
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
  const outcome = await services.app.services.commands.refundPayment(
    actor,
    {
      // Apart from the merchant's own keys in the same scope.
      idempotencyKey: `console:${input.idempotencyKey}`,
      paymentId,
      ...(amountMinor === null ? {} : { amount: amountMinor.toString() }),
      reason: input.reason,
    },
    {
      audit: {
        actor: operatorActor(ctx),
        action: "payment.refund",
        details: { reason: input.reason, requestedAmountMinor: amountMinor?.toString() ?? null },
      },
    },
  );
  const { refund, payment, errors } = outcome.value;
  const refundable = refundableMinor(payment);
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
