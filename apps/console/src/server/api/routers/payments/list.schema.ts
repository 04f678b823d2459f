import { PAYMENT_STATUSES } from "@paycore/core/payments/payment-state-machine";
import { z } from "zod";

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");
const decimal = z.string().regex(/^\d{1,18}(\.\d{1,6})?$/, "expected an amount like 12.50");

export const listPaymentsSchema = z.object({
  statuses: z.array(z.enum(PAYMENT_STATUSES)).max(PAYMENT_STATUSES.length).default([]),
  merchantId: z.string().max(64).nullish(),
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
  search: z.string().trim().max(320).nullish(),
  after: z.string().max(200).nullish(),
  first: z.number().int().min(1).max(100).default(50),
});

export type ListPaymentsInput = z.infer<typeof listPaymentsSchema>;
