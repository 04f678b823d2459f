import { z } from "zod";

export const rollKeySchema = z.object({
  merchantId: z.string().min(1).max(64),
  keyId: z.string().min(1).max(64),
});

export type RollKeyInput = z.infer<typeof rollKeySchema>;
