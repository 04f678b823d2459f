import { z } from "zod";
import { plainText } from "../../text.schema";

export const rollKeySchema = z.object({
  merchantId: plainText().min(1).max(64),
  keyId: plainText().min(1).max(64),
});

export type RollKeyInput = z.infer<typeof rollKeySchema>;
