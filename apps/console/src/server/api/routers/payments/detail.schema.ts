import { z } from "zod";
import { plainText } from "../../text.schema";

export const paymentDetailSchema = z.object({ id: plainText().min(1).max(64) });

export type PaymentDetailInput = z.infer<typeof paymentDetailSchema>;
