import { z } from "zod";
import { plainText } from "../../text.schema";

// Shapes only: the core's MerchantCommands canonicalises and checks each origin (http(s), no path, no wildcard).
export const updateAllowedOriginsSchema = z.object({
  merchantId: plainText().min(1).max(64),
  origins: z.array(plainText().max(255)).max(50),
});

export type UpdateAllowedOriginsInput = z.infer<typeof updateAllowedOriginsSchema>;
