import { z } from "zod";
import { freeText, plainText } from "../../text.schema";

export const submitDetailsSchema = z.object({
  merchantId: plainText().min(1).max(64),
  legalName: freeText().pipe(z.string().min(1).max(200)),
  country: plainText().length(2),
  registrationNumber: freeText().pipe(z.string().min(1).max(64)),
  representativeName: freeText().pipe(z.string().min(1).max(200)),
  representativeBirthDate: plainText().regex(/^\d{4}-\d{2}-\d{2}$/, "a date such as 1980-04-30"),
  website: plainText().min(1).max(300),
  expectedMonthlyVolumeMinor: plainText().regex(/^\d{1,16}$/, "minor units as digits"),
  expectedVolumeCurrency: plainText().length(3),
});
export type SubmitDetailsInput = z.infer<typeof submitDetailsSchema>;
