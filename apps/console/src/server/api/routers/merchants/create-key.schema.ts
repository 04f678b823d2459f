import { z } from "zod";
import { plainText } from "../../text.schema";

export const createKeySchema = z.object({
  merchantId: plainText().min(1).max(64),
  kind: z.enum(["SECRET", "PUBLISHABLE"]),
  mode: z.enum(["TEST", "LIVE"]),
});

export type CreateKeyInput = z.infer<typeof createKeySchema>;
