// CheckoutSession (issue 20, hosted checkout): the createCheckoutSession mutation and the checkoutSession query.
// Every write goes through the core's CheckoutCommands; bad input comes back as UserErrors in the payload. The
// session's outcome is read here, server-side: the customer's redirect to the success URL changes nothing.
import { CHECKOUT_SESSION_STATUSES } from "@paycore/core/checkout/checkout-session-state-machine";
import { parseId } from "@paycore/core/ids/ids";
import type { CheckoutLineItem, CheckoutSessionRecord } from "@paycore/core/ports/checkout-session-store";
import { checkoutPageUrl } from "@paycore/platform/checkout/checkout-services";
import { requireSecretKeyActor } from "../context";
import { builder } from "./builder";
import { CaptureMethod, Payment } from "./payment";
import { runMutation, UserError, type UserErrorShape } from "./user-error";

const CheckoutSessionStatus = builder.enumType("CheckoutSessionStatus", {
  values: CHECKOUT_SESSION_STATUSES,
  description: "OPEN until paid (COMPLETE) or past its expiry unpaid (EXPIRED); both ends are final.",
});
const CheckoutPaymentMethodType = builder.enumType("CheckoutPaymentMethodType", {
  values: ["CARD"] as const,
});

const CheckoutLineItemRef = builder.objectRef<CheckoutLineItem>("CheckoutLineItem").implement({
  fields: (t) => ({
    description: t.exposeString("description"),
    quantity: t.exposeInt("quantity"),
    unitAmount: t.field({ type: "MinorUnits", resolve: (line) => line.unitAmountMinor }),
  }),
});

export const CheckoutSession = builder.objectRef<CheckoutSessionRecord>("CheckoutSession").implement({
  description: "A hosted checkout page for one payment. Read it (not the redirect) to learn the outcome.",
  fields: (t) => ({
    id: t.exposeID("id"),
    status: t.field({ type: CheckoutSessionStatus, resolve: (s) => s.status }),
    url: t.string({
      description: "The hosted page to send the customer to (holds a secret token: do not log or share it).",
      nullable: true,
      resolve: (s, _args, context) =>
        s.status === "OPEN" ? checkoutPageUrl(context.services.publicBaseUrl, s) : null,
    }),
    amount: t.field({ type: "MinorUnits", resolve: (s) => s.amountMinor }),
    currency: t.field({ type: "CurrencyCode", resolve: (s) => s.currency }),
    lineItems: t.field({ type: [CheckoutLineItemRef], resolve: (s) => s.lineItems }),
    captureMethod: t.field({ type: CaptureMethod, resolve: (s) => s.captureMethod }),
    customerEmail: t.exposeString("customerEmail", { nullable: true }),
    description: t.exposeString("description", { nullable: true }),
    successUrl: t.exposeString("successUrl"),
    cancelUrl: t.exposeString("cancelUrl"),
    paymentMethodTypes: t.field({ type: [CheckoutPaymentMethodType], resolve: (s) => s.paymentMethodTypes }),
    invoiceId: t.exposeID("invoiceId", { nullable: true }),
    attempts: t.exposeInt("attempts", { description: "Payment attempts started (declined ones included)." }),
    payment: t.field({
      type: Payment,
      nullable: true,
      description:
        "The paying payment once COMPLETE; while OPEN, the last attempt's (declined or still pending).",
      resolve: async (s, _args, context) => {
        const id = s.paymentId === null ? null : parseId("payment", s.paymentId);
        if (id === null) return null;
        return context.services.paymentStore.findPayment(
          { merchantId: s.merchantId, mode: s.mode, apiKeyId: null },
          id,
        );
      },
    }),
    expiresAt: t.field({ type: "DateTime", resolve: (s) => s.expiresAt }),
    completedAt: t.field({ type: "DateTime", nullable: true, resolve: (s) => s.completedAt }),
    expiredAt: t.field({ type: "DateTime", nullable: true, resolve: (s) => s.expiredAt }),
    createdAt: t.field({ type: "DateTime", resolve: (s) => s.createdAt }),
  }),
});

interface CheckoutSessionPayloadShape {
  checkoutSession: CheckoutSessionRecord | null;
  errors: UserErrorShape[];
}

const CheckoutSessionPayload = builder
  .objectRef<CheckoutSessionPayloadShape>("CheckoutSessionPayload")
  .implement({
    fields: (t) => ({
      checkoutSession: t.field({ type: CheckoutSession, nullable: true, resolve: (p) => p.checkoutSession }),
      errors: t.field({ type: [UserError], resolve: (p) => p.errors }),
    }),
  });

const CheckoutLineItemInput = builder.inputType("CheckoutLineItemInput", {
  fields: (t) => ({
    description: t.string({ required: true, description: "1 to 500 characters." }),
    quantity: t.int({ required: true, description: "1 to 1000000." }),
    unitAmount: t.field({ type: "MinorUnits", required: true }),
  }),
});

const CreateCheckoutSessionInput = builder.inputType("CreateCheckoutSessionInput", {
  fields: (t) => ({
    idempotencyKey: t.string({
      required: true,
      description: "Unique per session (at most 255 characters); a retry with it replays the answer.",
    }),
    currency: t.field({ type: "CurrencyCode", required: true }),
    amount: t.field({ type: "MinorUnits", required: false, description: "Or lineItems, not both." }),
    lineItems: t.field({
      type: [CheckoutLineItemInput],
      required: false,
      description: "At most 100; their total is the amount.",
    }),
    captureMethod: t.field({ type: CaptureMethod, required: false, defaultValue: "AUTOMATIC" }),
    customerEmail: t.string({ required: false, description: "Receives the receipt once captured." }),
    description: t.string({ required: false, description: "At most 1000 characters." }),
    successUrl: t.string({
      required: true,
      description:
        "Where the customer goes once paid; {CHECKOUT_SESSION_ID} is replaced by the session id. https in live mode; at most 2048 characters.",
    }),
    cancelUrl: t.string({ required: true, description: "Where the customer goes on cancel. Same rules." }),
    expiresInSeconds: t.int({ required: false, description: "1800 to 86400; 3600 when omitted." }),
    paymentMethodTypes: t.field({ type: [CheckoutPaymentMethodType], required: false }),
  }),
});

builder.mutationField("createCheckoutSession", (t) =>
  t.field({
    type: CheckoutSessionPayload,
    description: "Creates a hosted checkout page; send the customer to its url.",
    args: { input: t.arg({ type: CreateCheckoutSessionInput, required: true }) },
    resolve: (_root, { input }, context) => {
      const actor = requireSecretKeyActor(context);
      return runMutation(
        context,
        () =>
          context.services.checkoutCommands.create(actor, {
            idempotencyKey: input.idempotencyKey,
            currency: input.currency,
            amount: input.amount ?? null,
            lineItems: (input.lineItems ?? []).map((line) => ({
              description: line.description,
              quantity: line.quantity,
              unitAmount: line.unitAmount,
            })),
            captureMethod: input.captureMethod ?? null,
            customerEmail: input.customerEmail ?? null,
            description: input.description ?? null,
            successUrl: input.successUrl,
            cancelUrl: input.cancelUrl,
            expiresInSeconds: input.expiresInSeconds ?? null,
            paymentMethodTypes: input.paymentMethodTypes ?? null,
          }),
        (checkoutSession: CheckoutSessionRecord | null, errors) => ({ checkoutSession, errors }),
      );
    },
  }),
);

builder.queryField("checkoutSession", (t) =>
  t.field({
    type: CheckoutSession,
    nullable: true,
    description: "One of the merchant's checkout sessions in the key's mode; null for any other id.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const actor = requireSecretKeyActor(context);
      try {
        return await context.services.checkoutCommands.get(actor, String(id));
      } catch (error) {
        if ((error as { code?: string }).code === "CHECKOUT_SESSION_NOT_FOUND") return null;
        throw error;
      }
    },
  }),
);
