import { z } from "zod";
import { plainText } from "../../text.schema";

export const setSignedRequestsSchema = z.object({
  merchantId: plainText().min(1).max(64),
  /** True: every request of the merchant's secret keys must be signed. */
  required: z.boolean(),
});

export type SetSignedRequestsInput = z.infer<typeof setSignedRequestsSchema>;
