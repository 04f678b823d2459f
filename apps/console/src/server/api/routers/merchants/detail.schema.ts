import { z } from "zod";

export const merchantDetailSchema = z.object({ merchantId: z.string().min(1).max(64) });

export type MerchantDetailInput = z.infer<typeof merchantDetailSchema>;
