import { PSP_SECRET_KINDS } from "@paycore/core/psp-accounts/psp-account";
import { z } from "zod";

// Shapes only; the core command validates the values (a registered PSP, endpoint rules, secret formats) once for
// every caller.
const pspNameSchema = z.string().min(1).max(32);

export const createPspAccountSchema = z.object({
  psp: pspNameSchema,
  endpoint: z.string().trim().min(1).max(500),
  merchantAccount: z.string().trim().max(100).nullish(),
  apiKey: z.string().min(1).max(500),
  webhookSecret: z.string().min(1).max(500),
});

export const rotatePspSecretSchema = z.object({
  accountId: z.string().min(1).max(64),
  // REPORT_CREDENTIAL: how the account's announced settlement reports are downloaded (issue 16).
  kind: z.enum(PSP_SECRET_KINDS),
  secret: z.string().min(1).max(500),
  overlapHours: z.number().int().min(0).max(720),
});

export const pspAccountIdSchema = z.object({ accountId: z.string().min(1).max(64) });
export const setPspAccountEnabledSchema = pspAccountIdSchema.extend({ enabled: z.boolean() });
export const testPspConnectionSchema = z.object({ psp: pspNameSchema });

export type CreatePspAccountInput = z.infer<typeof createPspAccountSchema>;
export type RotatePspSecretInput = z.infer<typeof rotatePspSecretSchema>;
