// Invoice: the merchant's invoices (drafts with lines and tax, then finalised, paid, voided or written off), their
// queries and mutations. Every write goes through the core's InvoiceCommands; bad input and refused actions come
// back as UserErrors in the payload.
import type { IdempotentOutcome } from "@paycore/core/idempotency/idempotency-service";
import { INVOICE_STATUSES } from "@paycore/core/invoices/invoice-state-machine";
import type { InvoiceLineRecord, InvoiceRecord } from "@paycore/core/ports/invoice-store";
import { invoiceLinks } from "@paycore/platform/documents/invoice-links";
import type { GraphQLContext } from "../context";
import { requireSecretKeyActor } from "../context";
import { builder } from "./builder";
import { runMutation, UserError, type UserErrorShape } from "./user-error";

const InvoiceStatus = builder.enumType("InvoiceStatus", { values: INVOICE_STATUSES });
const TaxBehavior = builder.enumType("TaxBehavior", {
  values: ["EXCLUSIVE", "INCLUSIVE"] as const,
  description: "EXCLUSIVE: tax is added to the line; INCLUSIVE: the line's amount already contains it.",
});

const InvoiceLine = builder.objectRef<InvoiceLineRecord>("InvoiceLine").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    description: t.exposeString("description"),
    quantity: t.exposeInt("quantity"),
    unitAmount: t.field({ type: "MinorUnits", resolve: (line) => line.unitAmountMinor }),
    taxRateBps: t.exposeInt("taxRateBps", { nullable: true, description: "Basis points: 1950 = 19.5%." }),
    taxBehavior: t.field({ type: TaxBehavior, resolve: (line) => line.taxBehavior }),
    net: t.field({ type: "MinorUnits", resolve: (line) => line.netMinor }),
    tax: t.field({
      type: "MinorUnits",
      description: "Rounded half to even per line.",
      resolve: (l) => l.taxMinor,
    }),
    gross: t.field({ type: "MinorUnits", resolve: (line) => line.grossMinor }),
  }),
});

export const Invoice = builder.objectRef<InvoiceRecord>("Invoice").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    status: t.field({ type: InvoiceStatus, resolve: (invoice) => invoice.status }),
    invoiceNumber: t.string({
      nullable: true,
      description: "From the merchant's gap-free series, assigned at finalisation; null while a draft.",
      resolve: (invoice) => invoice.number?.toString() ?? null,
    }),
    currency: t.field({ type: "CurrencyCode", resolve: (invoice) => invoice.currency }),
    customerEmail: t.exposeString("customerEmail", { nullable: true }),
    memo: t.exposeString("memo", { nullable: true }),
    dueDate: t.exposeString("dueDate", { nullable: true, description: "YYYY-MM-DD." }),
    lines: t.field({ type: [InvoiceLine], resolve: (invoice) => invoice.lines }),
    net: t.field({ type: "MinorUnits", resolve: (invoice) => invoice.netMinor }),
    tax: t.field({ type: "MinorUnits", resolve: (invoice) => invoice.taxMinor }),
    total: t.field({ type: "MinorUnits", resolve: (invoice) => invoice.totalMinor }),
    finalizedAt: t.field({ type: "DateTime", nullable: true, resolve: (invoice) => invoice.finalizedAt }),
    paidAt: t.field({ type: "DateTime", nullable: true, resolve: (invoice) => invoice.paidAt }),
    voidedAt: t.field({ type: "DateTime", nullable: true, resolve: (invoice) => invoice.voidedAt }),
    createdAt: t.field({ type: "DateTime", resolve: (invoice) => invoice.createdAt }),
    paymentId: t.exposeString("paymentId", {
      nullable: true,
      description: "The payment that paid the invoice (PAID only).",
    }),
    hostedInvoiceUrl: t.string({
      nullable: true,
      description: "The customer's page (view and pay), private by its token; null while a draft.",
      resolve: (invoice, _args, context) =>
        invoice.status === "DRAFT" ? null : invoiceLinks(context.services.publicBaseUrl, invoice).pageUrl,
    }),
    invoicePdfUrl: t.string({
      nullable: true,
      description: "The invoice as a PDF; null while a draft.",
      resolve: (invoice, _args, context) =>
        invoice.status === "DRAFT" ? null : invoiceLinks(context.services.publicBaseUrl, invoice).pdfUrl,
    }),
  }),
});

interface InvoicePayloadShape {
  invoice: InvoiceRecord | null;
  errors: UserErrorShape[];
}

const InvoicePayload = builder.objectRef<InvoicePayloadShape>("InvoicePayload").implement({
  fields: (t) => ({
    invoice: t.field({ type: Invoice, nullable: true, resolve: (payload) => payload.invoice }),
    errors: t.field({ type: [UserError], resolve: (payload) => payload.errors }),
  }),
});

const InvoiceLineInput = builder.inputType("InvoiceLineInput", {
  fields: (t) => ({
    description: t.string({ required: true, description: "1 to 500 characters." }),
    quantity: t.int({ required: true, description: "1 to 1000000." }),
    unitAmount: t.field({ type: "MinorUnits", required: true }),
    taxRateBps: t.int({ required: false, description: "0 to 10000 basis points; omitted: untaxed." }),
    taxBehavior: t.field({ type: TaxBehavior, required: false, defaultValue: "EXCLUSIVE" }),
  }),
});

const IDEMPOTENCY_KEY_DESCRIPTION =
  "Unique per change (at most 255 characters); a retry with it replays the answer.";

const CreateInvoiceInput = builder.inputType("CreateInvoiceInput", {
  fields: (t) => ({
    idempotencyKey: t.string({ required: true, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    currency: t.field({ type: "CurrencyCode", required: true }),
    customerEmail: t.string({ required: false }),
    memo: t.string({ required: false, description: "At most 1000 characters." }),
    dueDate: t.string({ required: false, description: "YYYY-MM-DD." }),
    lines: t.field({ type: [InvoiceLineInput], required: false, description: "At most 100 lines." }),
  }),
});

type LineArg = {
  description: string;
  quantity: number;
  unitAmount: bigint;
  taxRateBps?: number | null;
  taxBehavior?: "EXCLUSIVE" | "INCLUSIVE" | null;
};
const toLines = (lines: readonly LineArg[]) =>
  lines.map((line) => ({
    description: line.description,
    quantity: line.quantity,
    unitAmount: line.unitAmount,
    taxRateBps: line.taxRateBps ?? null,
    taxBehavior: line.taxBehavior ?? null,
  }));

const toPayload = (invoice: InvoiceRecord | null, errors: UserErrorShape[]): InvoicePayloadShape => ({
  invoice,
  errors,
});

const run = (context: GraphQLContext, command: () => Promise<IdempotentOutcome<InvoiceRecord>>) =>
  runMutation(context, command, toPayload);

const AddInvoiceLinesInput = builder.inputType("AddInvoiceLinesInput", {
  fields: (t) => ({
    idempotencyKey: t.string({ required: true, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    invoiceId: t.id({ required: true }),
    lines: t.field({ type: [InvoiceLineInput], required: true }),
  }),
});

builder.mutationField("createInvoice", (t) =>
  t.field({
    type: InvoicePayload,
    args: { input: t.arg({ type: CreateInvoiceInput, required: true }) },
    resolve: (_root, { input }, context) => {
      const actor = requireSecretKeyActor(context);
      return run(context, () =>
        context.services.invoiceCommands.create(actor, {
          idempotencyKey: input.idempotencyKey,
          currency: input.currency,
          customerEmail: input.customerEmail ?? null,
          memo: input.memo ?? null,
          dueDate: input.dueDate ?? null,
          lines: toLines(input.lines ?? []),
        }),
      );
    },
  }),
);

builder.mutationField("addInvoiceLines", (t) =>
  t.field({
    type: InvoicePayload,
    description: "Only while the invoice is a DRAFT (else INVOICE_NOT_EDITABLE).",
    args: { input: t.arg({ type: AddInvoiceLinesInput, required: true }) },
    resolve: (_root, { input }, context) => {
      const actor = requireSecretKeyActor(context);
      return run(context, () =>
        context.services.invoiceCommands.addLines(
          actor,
          input.idempotencyKey,
          String(input.invoiceId),
          toLines(input.lines),
        ),
      );
    },
  }),
);

const ACTIONS = {
  finalizeInvoice: [
    "finalize",
    "DRAFT -> OPEN: assigns the invoice number; the content is fixed from then on.",
  ],
  voidInvoice: ["void", "OPEN or UNCOLLECTIBLE -> VOID."],
  markInvoiceUncollectible: ["markUncollectible", "OPEN -> UNCOLLECTIBLE."],
} as const;

for (const [name, [method, description]] of Object.entries(ACTIONS)) {
  const Input = builder.inputType(`${name[0]?.toUpperCase()}${name.slice(1)}Input`, {
    fields: (t) => ({
      idempotencyKey: t.string({ required: true, description: IDEMPOTENCY_KEY_DESCRIPTION }),
      invoiceId: t.id({ required: true }),
    }),
  });
  builder.mutationField(name, (t) =>
    t.field({
      type: InvoicePayload,
      description,
      args: { input: t.arg({ type: Input, required: true }) },
      resolve: (_root, { input }, context) => {
        const actor = requireSecretKeyActor(context);
        return run(context, () =>
          context.services.invoiceCommands[method](actor, input.idempotencyKey, String(input.invoiceId)),
        );
      },
    }),
  );
}

builder.queryField("invoice", (t) =>
  t.field({
    type: Invoice,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const actor = requireSecretKeyActor(context);
      try {
        return await context.services.invoiceCommands.get(actor, String(id));
      } catch (error) {
        if ((error as { code?: string }).code === "INVOICE_NOT_FOUND") return null;
        throw error;
      }
    },
  }),
);

builder.queryField("invoices", (t) =>
  t.field({
    type: [Invoice],
    description: "Newest first; `before` an invoice id pages on. At most 100.",
    args: {
      first: t.arg.int({ required: false, defaultValue: 20 }),
      status: t.arg({ type: InvoiceStatus, required: false }),
      before: t.arg.id({ required: false }),
    },
    resolve: (_root, args, context) =>
      context.services.invoiceCommands.list(requireSecretKeyActor(context), {
        first: args.first ?? 20,
        status: args.status ?? null,
        before: args.before == null ? null : String(args.before),
      }),
  }),
);
