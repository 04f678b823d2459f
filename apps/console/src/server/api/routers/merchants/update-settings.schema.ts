import { z } from "zod";
import { plainText } from "../../text.schema";
import { merchantSettingsFields } from "./create.schema";

export const updateSettingsSchema = z.object({
  merchantId: plainText().min(1).max(64),
  ...merchantSettingsFields,
});

export type UpdateSettingsInput = z.infer<typeof updateSettingsSchema>;
