import { z } from "zod";
import { plainText } from "../../text.schema";

export const replaySchema = z.object({
  merchantId: plainText().min(1).max(64),
  endpointId: plainText().min(1).max(64),
  eventId: plainText().min(1).max(64),
});

export type ReplayInput = z.infer<typeof replaySchema>;
