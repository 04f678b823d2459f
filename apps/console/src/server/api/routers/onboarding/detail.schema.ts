import { z } from "zod";
import { plainText } from "../../text.schema";

export const onboardingDetailSchema = z.object({ merchantId: plainText().min(1).max(64) });
export type OnboardingDetailInput = z.infer<typeof onboardingDetailSchema>;
