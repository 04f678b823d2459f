// Capture (whole or partial) and cancel an authorized payment from its page, through the same core commands the
// merchant API uses. The form's idempotency key makes a double submit one capture; the core enforces what is
// capturable; the command writes the operator's audit row in the transaction that records the attempt.
import { DomainError } from "@paycore/core/errors/domain-error";
import { type PaymentId, parseId } from "@paycore/core/ids/ids";
import type { MerchantActor } from "@paycore/core/payments/payment-record";
import { decimalToMinor } from "../../../../lib/money";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { CancelInput, CaptureInput } from "./capture.schema";

export interface PaymentActionView {
  payment: {
    id: string;
    status: string;
    amountCapturableMinor: string;
    amountCapturedMinor: string;
    pendingOperation: string | null;
  };
  replayed: boolean;
  errors: Array<{ code: string; message: string }>;
}

async function operatorOn(ctx: SignedInContext, id: string, note: string | null) {
  const paymentId = parseId("payment", id);
  const payment = paymentId ? await ctx.services.consoleQueries.findPayment(paymentId) : null;
  if (!paymentId || !payment) throw new DomainError("PAYMENT_NOT_FOUND", "No payment with this id.");
  const actor: MerchantActor = {
    merchantId: payment.merchantId,
    mode: payment.mode,
    apiKeyId: null,
    by: { source: "OPERATOR", id: ctx.session.operator.email, note },
  };
  return { paymentId: paymentId as PaymentId, payment, actor };
}

function view(outcome: {
  replayed: boolean;
  value: {
    payment: {
      id: string;
      status: string;
      amountCapturableMinor: bigint;
      amountCapturedMinor: bigint;
      pendingOperation: string | null;
    };
    errors: Array<{ code: string; message: string }>;
  };
}): PaymentActionView {
  const { payment, errors } = outcome.value;
  return {
    payment: {
      id: payment.id,
      status: payment.status,
      amountCapturableMinor: payment.amountCapturableMinor.toString(),
      amountCapturedMinor: payment.amountCapturedMinor.toString(),
      pendingOperation: payment.pendingOperation,
    },
    replayed: outcome.replayed,
    errors: errors.map((error) => ({ code: error.code, message: error.message })),
  };
}

export async function captureHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: CaptureInput;
}): Promise<PaymentActionView> {
  const { paymentId, payment, actor } = await operatorOn(ctx, input.paymentId, null);
  const amountMinor = decimalToMinor(input.amount, payment.currency);
  if (amountMinor === null || amountMinor <= 0n) {
    throw new DomainError("AMOUNT_INVALID", `${input.amount} is not an amount in ${payment.currency}.`, {
      field: ["amount"],
    });
  }
  const outcome = await ctx.services.app.services.commands.capturePayment(
    actor,
    { idempotencyKey: `console:${input.idempotencyKey}`, paymentId, amount: amountMinor.toString() },
    {
      audit: {
        actor: operatorActor(ctx),
        action: "payment.capture",
        details: { requestedAmountMinor: amountMinor.toString() },
      },
    },
  );
  return view(outcome);
}

export async function cancelHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: CancelInput;
}): Promise<PaymentActionView> {
  const { paymentId, actor } = await operatorOn(ctx, input.paymentId, input.reason);
  const outcome = await ctx.services.app.services.commands.cancelPayment(
    actor,
    { idempotencyKey: `console:${input.idempotencyKey}`, paymentId },
    { audit: { actor: operatorActor(ctx), action: "payment.cancel", details: { reason: input.reason } } },
  );
  return view(outcome);
}
