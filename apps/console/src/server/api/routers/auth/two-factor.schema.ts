import { z } from "zod";

/** A 6-digit TOTP code, or a recovery code ("7KQ2-M9XD-3VTR-8HBN", any case, with or without dashes). */
export const secondFactorSchema = z.object({ code: z.string().trim().min(6).max(32) });
export type SecondFactorInput = z.infer<typeof secondFactorSchema>;

export const totpCodeSchema = z.object({ code: z.string().trim().min(6).max(12) });
export type TotpCodeInput = z.infer<typeof totpCodeSchema>;
