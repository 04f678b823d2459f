import { INVOICE_STATUSES } from "@paycore/core/invoices/invoice-state-machine";
import { z } from "zod";
import { plainText } from "../../text.schema";

export const listInvoicesSchema = z.object({
  merchantId: plainText().max(64).nullish(),
  mode: z.enum(["TEST", "LIVE"]).nullish(),
  status: z.enum(INVOICE_STATUSES).nullish(),
  /** The last id of the previous page (newest first). */
  before: z
    .string()
    .regex(/^in_[0-9A-Z]{26}$/)
    .nullish(),
  first: z.number().int().min(1).max(100).default(50),
});

export type ListInvoicesInput = z.infer<typeof listInvoicesSchema>;

export const invoiceDetailSchema = z.object({ id: z.string().regex(/^in_[0-9A-Z]{26}$/) });

export type InvoiceDetailInput = z.infer<typeof invoiceDetailSchema>;

export const invoiceActionSchema = z.object({
  id: z.string().regex(/^in_[0-9A-Z]{26}$/),
  action: z.enum(["VOID", "MARK_UNCOLLECTIBLE"]),
  /** The operator confirmed the action in the page's dialog. */
  confirm: z.literal(true),
  /** One per click: a retried request replays the first answer. */
  idempotencyKey: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
});

export type InvoiceActionInput = z.infer<typeof invoiceActionSchema>;
