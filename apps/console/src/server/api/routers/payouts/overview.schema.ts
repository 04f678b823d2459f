import { z } from "zod";
import { plainText } from "../../text.schema";

export const payoutsOverviewSchema = z.object({
  merchantId: plainText().min(1).max(64),
  mode: z.enum(["TEST", "LIVE"]).default("TEST"),
});

export type PayoutsOverviewInput = z.infer<typeof payoutsOverviewSchema>;
