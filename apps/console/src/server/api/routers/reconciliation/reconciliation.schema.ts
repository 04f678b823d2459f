// Inputs of the reconciliation procedures: the queue's filters (bounded lists, a currency with any amount bound),
// and the operators' actions, each with a reason for the audit trail.
import { APPROVAL_REASON_LENGTH_MAX } from "@paycore/core/approvals/approval-commands";
import { RECON_CATEGORIES } from "@paycore/core/reconciliation/matching";
import { SETTLEMENT_PSPS } from "@paycore/core/reconciliation/settlement-line";
import { RECON_ITEM_STATUSES } from "@paycore/db/repositories/reconciliation.repository";
import { z } from "zod";
import { freeText, plainText } from "../../text.schema";

/** Days an item has waited, at most about ten years. */
export const AGE_DAYS_MAX = 3_650;

export const reconItemsSchema = z.object({
  statuses: z.array(z.enum(RECON_ITEM_STATUSES)).max(RECON_ITEM_STATUSES.length).default(["OPEN"]),
  categories: z.array(z.enum(RECON_CATEGORIES)).max(RECON_CATEGORIES.length).default([]),
  psp: z.enum(SETTLEMENT_PSPS).nullable().default(null),
  /** Only items recorded at least this many days ago. */
  olderThanDays: z.number().int().min(0).max(AGE_DAYS_MAX).nullable().default(null),
  currency: plainText()
    .regex(/^[A-Z]{3}$/, "a three-letter ISO 4217 code")
    .nullable()
    .default(null),
  /** Decimal amounts in the currency's major units ("12.50"); they need `currency`. */
  amountMin: plainText().max(24).nullable().default(null),
  amountMax: plainText().max(24).nullable().default(null),
  /** The cursor of the page before: "<ISO time>~<item id>". */
  after: plainText().max(120).nullable().default(null),
});

export type ReconItemsInput = z.infer<typeof reconItemsSchema>;

export const reconRunsSchema = z.object({ before: plainText().max(120).nullable().default(null) });

export const reconItemIdSchema = z.object({ id: plainText().min(1).max(64) });

const reason = () =>
  freeText({ multiline: true }).pipe(z.string().min(1, "Write a reason.").max(APPROVAL_REASON_LENGTH_MAX));

export const reconActionSchema = z.object({
  id: plainText().min(1).max(64),
  action: z.enum(["resolve", "ignore", "reopen"]),
  reason: reason(),
});

export const reconAcceptSchema = z.object({ id: plainText().min(1).max(64), reason: reason() });

export const reconLinkSchema = z.object({
  id: plainText().min(1).max(64),
  paymentId: plainText().trim().min(1).max(64),
  reason: reason(),
});

export const approvalDecisionSchema = z.object({
  id: plainText().min(1).max(64),
  decision: z.enum(["approve", "reject"]),
  note: reason(),
});
