// Payment: its fields, the payment/payments queries, and the createPayment,
// capturePayment, cancelPayment and refundPayment mutations.

import { DomainError } from "@paycore/core/errors/domain-error";
import { parseId } from "@paycore/core/ids/ids";
import type { PaymentResult, RefundResult } from "@paycore/core/payments/payment-commands";
import type { PaymentRecord, RefundRecord } from "@paycore/core/payments/payment-record";
import { refundableMinor } from "@paycore/core/payments/payment-rules";
import { PAYMENT_STATUSES } from "@paycore/core/payments/payment-state-machine";
import type { PaymentPageRequest } from "@paycore/db/repositories/node-query.repository";
import { PAGE_SIZE_MAX, type PaymentCursor } from "@paycore/db/repositories/payment-query.repository";
import { GraphQLError } from "graphql";
import { requireSecretKey } from "../context";
import { builder } from "./builder";
import { connectionOf, pageRequest } from "./connection";
import { Node } from "./node-interface";
import { PaymentMethod, PaymentMethodType } from "./payment-method";
import { LedgerEntry, PaymentEvent, PspAttempt } from "./payment-timeline";
import { Refund } from "./refund";
import { CustomerInput, Risk } from "./risk";
import { notFound, runMutation, UserError, type UserErrorShape } from "./user-error";

export const PaymentStatus = builder.enumType("PaymentStatus", { values: PAYMENT_STATUSES });
export const CaptureMethod = builder.enumType("CaptureMethod", {
  values: {
    AUTOMATIC: { description: "Authorize and capture in one step." },
    MANUAL: { description: "Authorize only; capture later with capturePayment (the whole or a part)." },
  },
});
const PendingOperation = builder.enumType("PendingOperation", {
  values: ["AUTHORIZE", "CAPTURE", "VOID"] as const,
});

export const Payment = builder.objectRef<PaymentRecord>("Payment").implement({
  interfaces: [Node],
  description: "A card payment of one merchant, in one mode (test or live).",
  fields: (t) => ({
    id: t.exposeID("id"),
    status: t.field({ type: PaymentStatus, resolve: (p) => p.status }),
    amount: t.field({
      type: "MinorUnits",
      description: "The amount authorized or asked for.",
      resolve: (p) => p.amountMinor,
    }),
    amountCapturable: t.field({ type: "MinorUnits", resolve: (p) => p.amountCapturableMinor }),
    amountCaptured: t.field({ type: "MinorUnits", resolve: (p) => p.amountCapturedMinor }),
    amountRefunded: t.field({ type: "MinorUnits", resolve: (p) => p.amountRefundedMinor }),
    amountRefundable: t.field({
      type: "MinorUnits",
      description: "Captured, less refunded, refunds in flight and what disputes hold (never below zero).",
      resolve: (p) => refundableMinor(p),
    }),
    amountDisputed: t.field({
      type: "MinorUnits",
      description: "Held by disputes that are not won (open, lost or accepted): not refundable.",
      resolve: (p) => p.amountDisputedMinor,
    }),
    currency: t.field({ type: "CurrencyCode", resolve: (p) => p.currency }),
    captureMethod: t.field({ type: CaptureMethod, resolve: (p) => p.captureMethod }),
    pendingOperation: t.field({
      type: PendingOperation,
      nullable: true,
      description: "An operation sent to the PSP whose outcome is not recorded yet.",
      resolve: (p) => (p.pendingOperation === "REFUND" ? null : p.pendingOperation),
    }),
    description: t.exposeString("description", { nullable: true }),
    metadata: t.field({ type: "Metadata", resolve: (p) => p.metadata }),
    paymentMethodType: t.field({
      type: PaymentMethodType,
      resolve: (p) => (p.paymentMethodId === null ? "BANK_TRANSFER" : "CARD"),
    }),
    paymentMethod: t.field({
      type: PaymentMethod,
      nullable: true,
      description: "The card; null for a bank-transfer payment (see bankTransferInstructions).",
      resolve: async (p, _args, context) => {
        if (p.paymentMethodId === null) return null;
        const method = await context.loaders.paymentMethod.load({ ...p, id: p.paymentMethodId });
        if (method === null) throw new Error(`payment ${p.id} has no payment method`);
        return method;
      },
    }),
    pspName: t.exposeString("pspName", { nullable: true }),
    pspReference: t.exposeString("pspReference", { nullable: true }),
    failureCode: t.exposeString("failureCode", { nullable: true }),
    failureMessage: t.exposeString("failureMessage", { nullable: true }),
    refunds: t.field({
      type: [Refund],
      resolve: (p, _args, context) => context.loaders.refundsOfPayment.load(p),
    }),
    events: t.field({
      type: [PaymentEvent],
      description: "The audit trail: every change of this payment, oldest first.",
      resolve: (p, _args, context) => context.loaders.eventsOfPayment.load(p),
    }),
    ledgerEntries: t.field({
      type: [LedgerEntry],
      description: "The journal entries this payment posted, oldest first.",
      resolve: (p, _args, context) => context.loaders.ledgerEntriesOfPayment.load(p),
    }),
    attempts: t.field({
      type: [PspAttempt],
      description: "Every request to a PSP for this payment, oldest first.",
      resolve: (p, _args, context) => context.loaders.attemptsOfPayment.load(p),
    }),
    risk: t.field({
      type: Risk,
      nullable: true,
      description: "The fraud decision taken before authorization.",
      resolve: (p, _args, context) => context.loaders.riskOfPayment.load(p),
    }),
    reviewExpiresAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "For a payment held for review: when it is voided if no operator decides.",
      resolve: (p) => p.reviewExpiresAt,
    }),
    createdAt: t.field({ type: "DateTime", resolve: (p) => p.createdAt }),
    updatedAt: t.field({ type: "DateTime", resolve: (p) => p.updatedAt }),
  }),
});

builder.queryField("payment", (t) =>
  t.field({
    type: Payment,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const actor = requireSecretKey(context);
      const paymentId = parseId("payment", String(id));
      const found = paymentId && (await context.services.queries.paymentWithMethodById(actor, paymentId));
      if (!found) throw notFound("payment");
      // Read with the payment: `paymentMethod` below then answers from the loader without a query of its own.
      if (found.method)
        context.loaders.paymentMethod.prime({ ...found.payment, id: found.method.id }, found.method);
      return found.payment;
    },
  }),
);

const PaymentFilter = builder.inputType("PaymentFilter", {
  fields: (t) => ({
    status: t.field({ type: [PaymentStatus], required: false, description: "Any of these statuses." }),
    createdFrom: t.field({
      type: "DateTime",
      required: false,
      description: "Created at or after (inclusive).",
    }),
    createdBefore: t.field({ type: "DateTime", required: false, description: "Created before (exclusive)." }),
    updatedAfter: t.field({
      type: "DateTime",
      required: false,
      description:
        "Changed after (exclusive): pass the latest updatedAt you hold to fetch what changed since.",
    }),
  }),
});

interface PageInfoShape {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

interface PaymentEdgeShape {
  cursor: string;
  node: PaymentRecord;
}

export const PageInfo = builder.objectRef<PageInfoShape>("PageInfo").implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean("hasNextPage"),
    hasPreviousPage: t.exposeBoolean("hasPreviousPage"),
    startCursor: t.exposeString("startCursor", { nullable: true }),
    endCursor: t.exposeString("endCursor", { nullable: true }),
  }),
});

const PaymentEdge = builder.objectRef<PaymentEdgeShape>("PaymentEdge").implement({
  fields: (t) => ({
    cursor: t.exposeString("cursor"),
    node: t.field({ type: Payment, resolve: (e) => e.node }),
  }),
});

const PaymentConnection = builder
  .objectRef<{ edges: PaymentEdgeShape[]; pageInfo: PageInfoShape }>("PaymentConnection")
  .implement({
    fields: (t) => ({
      // The page size already multiplies the connection's cost (see `payments`): each edge or node costs one.
      edges: t.field({
        type: [PaymentEdge],
        complexity: { field: 1, multiplier: 1 },
        resolve: (c) => c.edges,
      }),
      nodes: t.field({
        type: [Payment],
        complexity: { field: 1, multiplier: 1 },
        resolve: (c) => c.edges.map((e) => e.node),
      }),
      pageInfo: t.field({ type: PageInfo, resolve: (c) => c.pageInfo }),
    }),
  });

const PAGE_SIZE_DEFAULT = 20;

function decodeCursor(cursor: string): PaymentCursor {
  const [createdAt, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const date = new Date(createdAt ?? "");
  if (!id || Number.isNaN(date.getTime()) || parseId("payment", id) === null) {
    throw new GraphQLError("The cursor is not valid.", { extensions: { code: "INVALID_INPUT" } });
  }
  return { createdAt: date, id };
}

builder.queryField("payments", (t) =>
  t.field({
    type: PaymentConnection,
    description: `Payments, newest first. At most ${PAGE_SIZE_MAX} per page: \`first\` (with \`after\`) pages forward, \`last\` (with \`before\`) backward, never both.`,
    complexity: (args) => ({
      field: 1,
      multiplier: Math.max(args.last ?? args.first ?? PAGE_SIZE_DEFAULT, 0),
    }),
    args: {
      first: t.arg.int({
        required: false,
        description: `Default ${PAGE_SIZE_DEFAULT} when \`last\` is not given.`,
      }),
      after: t.arg.string({ required: false }),
      last: t.arg.int({ required: false }),
      before: t.arg.string({ required: false }),
      filter: t.arg({ type: PaymentFilter, required: false }),
    },
    resolve: async (_root, args, context) => {
      const actor = requireSecretKey(context);
      const page: PaymentPageRequest = pageRequest(args, {
        sizeDefault: PAGE_SIZE_DEFAULT,
        sizeMax: PAGE_SIZE_MAX,
        decodeCursor,
      });
      const statuses = args.filter?.status ?? null;
      // Each status once is all a filter can mean; a longer list is a mistake or an attack on the query planner.
      if (statuses !== null && statuses.length > PAYMENT_STATUSES.length) {
        throw new GraphQLError(`filter.status takes at most ${PAYMENT_STATUSES.length} statuses.`, {
          extensions: { code: "LIST_TOO_LONG", field: ["filter", "status"] },
        });
      }
      const found = await context.services.nodes.paymentsPage(
        actor,
        {
          statuses,
          createdFrom: args.filter?.createdFrom ?? null,
          createdBefore: args.filter?.createdBefore ?? null,
          updatedAfter: args.filter?.updatedAfter ?? null,
        },
        page,
      );
      return connectionOf(page, found.payments, found.hasMore);
    },
  }),
);

interface PaymentPayloadShape {
  payment: PaymentRecord | null;
  errors: UserErrorShape[];
}

export function paymentPayload(name: string) {
  return builder.objectRef<PaymentPayloadShape>(name).implement({
    fields: (t) => ({
      payment: t.field({ type: Payment, nullable: true, resolve: (p) => p.payment }),
      errors: t.field({ type: [UserError], resolve: (p) => p.errors }),
    }),
  });
}

export const toPaymentPayload = (
  value: PaymentResult | null,
  errors: UserErrorShape[],
): PaymentPayloadShape => ({
  payment: value?.payment ?? null,
  errors,
});

const CreatePaymentInput = builder.inputType("CreatePaymentInput", {
  fields: (t) => ({
    idempotencyKey: t.string({
      required: true,
      description: "Unique per payment attempt (at most 255 characters).",
    }),
    amount: t.field({ type: "MinorUnits", required: true }),
    currency: t.field({ type: "CurrencyCode", required: true }),
    paymentMethodId: t.id({ required: false, description: "The tokenized card; required for CARD." }),
    paymentMethodType: t.field({
      type: PaymentMethodType,
      required: false,
      defaultValue: "CARD",
      description:
        "BANK_TRANSFER answers with bankTransferInstructions and waits for funds (AWAITING_FUNDS).",
    }),
    bankTransferExpiresInSeconds: t.int({
      required: false,
      description:
        "BANK_TRANSFER only: how long the customer has to pay (60 to 2592000; default 604800, 7 days).",
    }),
    captureMethod: t.field({ type: CaptureMethod, required: false, defaultValue: "AUTOMATIC" }),
    description: t.string({ required: false }),
    metadata: t.field({ type: "Metadata", required: false }),
    customer: t.field({ type: CustomerInput, required: false }),
    receiptEmail: t.string({
      required: false,
      description:
        "Send a numbered receipt here when the payment is captured (at most 254 characters). Omitted: no receipt.",
    }),
    returnUrl: t.string({
      required: false,
      description:
        "3-D Secure: where paycore sends the customer after a challenge (absolute http(s), at most 2048 characters), with ?payment_id=… appended. Omitted: paycore's own page says how it went.",
    }),
  }),
});

builder.mutationField("createPayment", (t) =>
  t.field({
    type: paymentPayload("CreatePaymentPayload"),
    args: { input: t.arg({ type: CreatePaymentInput, required: true }) },
    resolve: (_root, { input }, context) => {
      const actor = requireSecretKey(context);
      if (input.paymentMethodType === "BANK_TRANSFER") {
        return runMutation(
          context,
          async () => {
            await context.limits.gate?.();
            if (input.paymentMethodId != null || input.captureMethod === "MANUAL") {
              throw new DomainError(
                "INVALID_INPUT",
                "A bank-transfer payment takes no paymentMethodId and is captured when the funds arrive.",
                { field: [input.paymentMethodId != null ? "paymentMethodId" : "captureMethod"] },
              );
            }
            return context.services.bankTransfers.createPayment(actor, {
              idempotencyKey: input.idempotencyKey,
              amount: input.amount,
              currency: input.currency,
              description: input.description ?? null,
              metadata: input.metadata ?? null,
              receiptEmail: input.receiptEmail ?? null,
              expiresInSeconds: input.bankTransferExpiresInSeconds ?? null,
            });
          },
          toPaymentPayload,
        );
      }
      if (input.bankTransferExpiresInSeconds != null) {
        return runMutation(
          context,
          async () => {
            await context.limits.gate?.();
            throw new DomainError(
              "INVALID_INPUT",
              "bankTransferExpiresInSeconds is for BANK_TRANSFER payments.",
              {
                field: ["bankTransferExpiresInSeconds"],
              },
            );
          },
          toPaymentPayload,
        );
      }
      // The request's limits (when useRateLimit left them to count here) go with the idempotency lock.
      const gate = context.limits.gate;
      return runMutation(
        context,
        () =>
          context.services.commands.createPayment(
            actor,
            {
              idempotencyKey: input.idempotencyKey,
              amount: input.amount,
              currency: input.currency,
              // A card payment without a card is PAYMENT_METHOD_NOT_FOUND, as an unknown id is.
              paymentMethodId: input.paymentMethodId == null ? "" : String(input.paymentMethodId),
              captureMethod: input.captureMethod ?? "AUTOMATIC",
              description: input.description ?? null,
              metadata: input.metadata ?? null,
              customer: input.customer ?? null,
              receiptEmail: input.receiptEmail ?? null,
              returnUrl: input.returnUrl ?? null,
            },
            gate === null ? {} : { gate },
          ),
        toPaymentPayload,
      );
    },
  }),
);

const CapturePaymentInput = builder.inputType("CapturePaymentInput", {
  fields: (t) => ({
    idempotencyKey: t.string({ required: true }),
    paymentId: t.id({ required: true }),
    amount: t.field({
      type: "MinorUnits",
      required: false,
      description: "At most the capturable amount; omitted captures all of it. The rest is released.",
    }),
  }),
});

builder.mutationField("capturePayment", (t) =>
  t.field({
    type: paymentPayload("CapturePaymentPayload"),
    args: { input: t.arg({ type: CapturePaymentInput, required: true }) },
    resolve: (_root, { input }, context) => {
      const actor = requireSecretKey(context);
      return runMutation(
        context,
        () =>
          context.services.commands.capturePayment(actor, {
            idempotencyKey: input.idempotencyKey,
            paymentId: String(input.paymentId),
            amount: input.amount ?? null,
          }),
        toPaymentPayload,
      );
    },
  }),
);

const CancelPaymentInput = builder.inputType("CancelPaymentInput", {
  fields: (t) => ({ idempotencyKey: t.string({ required: true }), paymentId: t.id({ required: true }) }),
});

builder.mutationField("cancelPayment", (t) =>
  t.field({
    type: paymentPayload("CancelPaymentPayload"),
    description: "Voids an authorization that was not captured.",
    args: { input: t.arg({ type: CancelPaymentInput, required: true }) },
    resolve: (_root, { input }, context) => {
      const actor = requireSecretKey(context);
      return runMutation(
        context,
        () =>
          context.services.commands.cancelPayment(actor, {
            idempotencyKey: input.idempotencyKey,
            paymentId: String(input.paymentId),
          }),
        toPaymentPayload,
      );
    },
  }),
);

/** The payer's account a bank-transfer refund is paid to (issue 18): encrypted at once, shown as its last four. */
const RefundBankAccountInput = builder.inputType("RefundBankAccountInput", {
  fields: (t) => ({
    iban: t.string({ required: false, description: "SEPA (EUR): the IBAN, spaces allowed." }),
    routingNumber: t.string({ required: false, description: "ACH (USD): the 9-digit ABA routing number." }),
    accountNumber: t.string({ required: false, description: "ACH (USD): 4 to 17 digits." }),
    holderName: t.string({ required: true, description: "1 to 140 characters." }),
  }),
});

const RefundPaymentInput = builder.inputType("RefundPaymentInput", {
  fields: (t) => ({
    idempotencyKey: t.string({ required: true }),
    paymentId: t.id({ required: true }),
    amount: t.field({
      type: "MinorUnits",
      required: false,
      description: "At most the refundable amount; omitted refunds all that is left.",
    }),
    reason: t.string({ required: false }),
    bankAccount: t.field({
      type: RefundBankAccountInput,
      required: false,
      description:
        "A bank-transfer payment only: the payer's account to refund to. Without it the refund goes back along the credit transfer that paid (when one transfer paid it).",
    }),
  }),
});

interface RefundPayloadShape {
  refund: RefundRecord | null;
  payment: PaymentRecord | null;
  errors: UserErrorShape[];
}

const RefundPaymentPayload = builder.objectRef<RefundPayloadShape>("RefundPaymentPayload").implement({
  fields: (t) => ({
    refund: t.field({ type: Refund, nullable: true, resolve: (p) => p.refund }),
    payment: t.field({ type: Payment, nullable: true, resolve: (p) => p.payment }),
    errors: t.field({ type: [UserError], resolve: (p) => p.errors }),
  }),
});

builder.mutationField("refundPayment", (t) =>
  t.field({
    type: RefundPaymentPayload,
    description:
      "Refunds a captured payment, wholly or in part; may be called until nothing is left to refund.",
    args: { input: t.arg({ type: RefundPaymentInput, required: true }) },
    resolve: (_root, { input }, context) => {
      const actor = requireSecretKey(context);
      return runMutation(
        context,
        () =>
          context.services.commands.refundPayment(actor, {
            idempotencyKey: input.idempotencyKey,
            paymentId: String(input.paymentId),
            amount: input.amount ?? null,
            reason: input.reason ?? null,
            bankAccount: input.bankAccount
              ? {
                  iban: input.bankAccount.iban ?? null,
                  routingNumber: input.bankAccount.routingNumber ?? null,
                  accountNumber: input.bankAccount.accountNumber ?? null,
                  holderName: input.bankAccount.holderName,
                }
              : null,
          }),
        (value: RefundResult | null, errors) => ({
          refund: value?.refund ?? null,
          payment: value?.payment ?? null,
          errors,
        }),
      );
    },
  }),
);
