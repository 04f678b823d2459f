// A payment's pending work: what is sent to a PSP but not confirmed (an asynchronous PSP confirms captures and
// refunds by notification), and what a client may do next. Derived by the core's paymentPendingWork, from the
// payment and its PSP operations (read in batches through the attempts loader).
import {
  type PAYMENT_ACTIONS,
  type PaymentOperationView,
  paymentPendingWork,
} from "@paycore/core/payments/payment-actions";
import type { PaymentRecord } from "@paycore/core/payments/payment-record";
import type { GraphQLContext } from "../context";
import { builder } from "./builder";
import { Payment } from "./payment";

const PaymentAction = builder.enumType("PaymentAction", {
  values: {
    CAPTURE: { description: "capturePayment would be accepted now." },
    CANCEL: { description: "cancelPayment would be accepted now." },
    REFUND: { description: "refundPayment would be accepted now (for at most amountRefundable)." },
  } satisfies Record<(typeof PAYMENT_ACTIONS)[number], unknown>,
});

async function pendingWorkOf(payment: PaymentRecord, context: GraphQLContext) {
  // Only a pending capture needs the operations; any other payment is answered from its own row.
  const operations: readonly PaymentOperationView[] =
    payment.pendingOperation === "CAPTURE" ? await context.loaders.attemptsOfPayment.load(payment) : [];
  return paymentPendingWork(payment, operations);
}

builder.objectFields(Payment, (t) => ({
  amountCapturePending: t.field({
    type: "MinorUnits",
    description:
      "Sent to the PSP for capture and not confirmed yet: an asynchronous PSP confirms it later by notification, then it moves to amountCaptured.",
    resolve: async (p, _args, context) => (await pendingWorkOf(p, context)).amountCapturePendingMinor,
  }),
  amountRefundPending: t.field({
    type: "MinorUnits",
    description:
      "Refunds sent to the PSP and not confirmed yet; they are already deducted from amountRefundable.",
    resolve: async (p, _args, context) => (await pendingWorkOf(p, context)).amountRefundPendingMinor,
  }),
  availableActions: t.field({
    type: [PaymentAction],
    description:
      "What capturePayment, cancelPayment and refundPayment would accept right now. Empty while an operation is in flight: those mutations answer the retryable PAYMENT_OPERATION_IN_PROGRESS until it settles.",
    // Enum values, not objects: no list cost.
    complexity: 0,
    resolve: async (p, _args, context) => (await pendingWorkOf(p, context)).availableActions,
  }),
}));
