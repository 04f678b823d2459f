import { z } from "zod";
import { plainText } from "../../text.schema";

// Shapes only: the core's MerchantCommands canonicalises and checks each origin (at most 20, https only except
// localhost in test mode, no path, no wildcard) and that the key is an active publishable key.
export const updateKeyOriginsSchema = z.object({
  merchantId: plainText().min(1).max(64),
  keyId: plainText().min(1).max(64),
  origins: z.array(plainText().max(255)).max(20),
});

export type UpdateKeyOriginsInput = z.infer<typeof updateKeyOriginsSchema>;
