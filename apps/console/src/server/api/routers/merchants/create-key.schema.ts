import { z } from "zod";

export const createKeySchema = z.object({
  merchantId: z.string().min(1).max(64),
  kind: z.enum(["SECRET", "PUBLISHABLE"]),
  mode: z.enum(["TEST", "LIVE"]),
});

export type CreateKeyInput = z.infer<typeof createKeySchema>;
