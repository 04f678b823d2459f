import { z } from "zod";
import { plainText } from "../../text.schema";

export const rollSigningSecretSchema = z.object({
  merchantId: plainText().min(1).max(64),
  /** An active secret key of the merchant. */
  keyId: plainText().min(1).max(64),
});

export type RollSigningSecretInput = z.infer<typeof rollSigningSecretSchema>;
