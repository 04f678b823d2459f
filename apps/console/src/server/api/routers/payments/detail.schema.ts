import { z } from "zod";

export const paymentDetailSchema = z.object({ id: z.string().min(1).max(64) });

export type PaymentDetailInput = z.infer<typeof paymentDetailSchema>;
