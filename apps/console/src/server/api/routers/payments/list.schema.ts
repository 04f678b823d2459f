import { PAYMENT_STATUSES } from "@paycore/core/payments/payment-state-machine";
import { z } from "zod";
import { plainText } from "../../text.schema";

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");
const decimal = z.string().regex(/^\d{1,18}(\.\d{1,6})?$/, "expected an amount like 12.50");

export const listPaymentsSchema = z.object({
  statuses: z.array(z.enum(PAYMENT_STATUSES)).max(PAYMENT_STATUSES.length).default([]),
  merchantId: plainText().max(64).nullish(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .nullish(),
  /** In the currency's major units; needs `currency` (amounts in different currencies do not compare). */
  amountMin: decimal.nullish(),
  amountMax: decimal.nullish(),
  /** Inclusive dates in UTC. */
  createdFrom: date.nullish(),
  createdTo: date.nullish(),
  search: plainText().trim().max(320).nullish(),
  after: plainText().max(200).nullish(),
  first: z.number().int().min(1).max(100).default(50),
});

export type ListPaymentsInput = z.infer<typeof listPaymentsSchema>;
