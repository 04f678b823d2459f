import { DECISION_NOTE_LENGTH_MAX } from "@paycore/core/onboarding/onboarding";
import { z } from "zod";
import { freeText, plainText } from "../../text.schema";

export const decideHitSchema = z.object({
  hitId: plainText().min(1).max(64),
  decision: z.enum(["FALSE_POSITIVE", "CONFIRMED"]),
  note: freeText({ multiline: true }).pipe(
    z.string().min(1, "A decision needs a note.").max(DECISION_NOTE_LENGTH_MAX),
  ),
});
export type DecideHitInput = z.infer<typeof decideHitSchema>;
