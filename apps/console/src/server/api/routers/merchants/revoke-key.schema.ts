import { z } from "zod";
import { plainText } from "../../text.schema";

export const revokeKeySchema = z.object({
  merchantId: plainText().min(1).max(64),
  keyId: plainText().min(1).max(64),
});

export type RevokeKeyInput = z.infer<typeof revokeKeySchema>;
