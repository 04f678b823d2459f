import { z } from "zod";
import { plainText } from "../../text.schema";

export const merchantDetailSchema = z.object({ merchantId: plainText().min(1).max(64) });

export type MerchantDetailInput = z.infer<typeof merchantDetailSchema>;
