import { z } from "zod";
import { plainText } from "../../text.schema";
import { merchantSettingsFields, THRESHOLDS_MESSAGE, thresholdsOrdered } from "./create.schema";

export const updateSettingsSchema = z
  .object({ merchantId: plainText().min(1).max(64), ...merchantSettingsFields })
  .refine(thresholdsOrdered, THRESHOLDS_MESSAGE);

export type UpdateSettingsInput = z.infer<typeof updateSettingsSchema>;
