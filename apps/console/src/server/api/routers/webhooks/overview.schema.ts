import { z } from "zod";
import { plainText } from "../../text.schema";

export const webhooksOverviewSchema = z.object({
  merchantId: plainText().min(1).max(64),
  /** The endpoint whose delivery log is shown, with its filters. */
  endpointId: plainText().min(1).max(64).optional(),
  status: z.enum(["PENDING", "SUCCEEDED", "FAILED"]).optional(),
  eventType: plainText().min(1).max(64).optional(),
});

export type WebhooksOverviewInput = z.infer<typeof webhooksOverviewSchema>;
