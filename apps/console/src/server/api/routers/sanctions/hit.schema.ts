import { z } from "zod";
import { plainText } from "../../text.schema";

export const sanctionsHitSchema = z.object({ hitId: plainText().min(1).max(64) });
export type SanctionsHitInput = z.infer<typeof sanctionsHitSchema>;
