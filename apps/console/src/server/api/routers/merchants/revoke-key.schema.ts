import { z } from "zod";

export const revokeKeySchema = z.object({
  merchantId: z.string().min(1).max(64),
  keyId: z.string().min(1).max(64),
});

export type RevokeKeyInput = z.infer<typeof revokeKeySchema>;
