// Creates a merchant with its fee and risk settings and no keys yet (an admin adds them one by one), through the
// core's command: validated there, audited in the same transaction.
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { CreateMerchantInput } from "./create.schema";
import { type MerchantView, merchantView } from "./merchant-view";

export async function createMerchantHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: CreateMerchantInput;
}): Promise<MerchantView> {
  const { merchant } = await ctx.services.app.services.merchantCommands.create(operatorActor(ctx), {
    name: input.name,
    modes: [],
    settings: {
      feeRateBps: input.feeRateBps,
      feeFixedMinor: BigInt(input.feeFixedMinor),
      riskReviewThreshold: input.riskReviewThreshold,
      riskDeclineThreshold: input.riskDeclineThreshold,
    },
  });
  return merchantView(merchant);
}
