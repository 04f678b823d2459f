// Changes a merchant's fee and risk settings through the core's command; its audit row keeps both versions.
import { TRPCError } from "@trpc/server";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import { type MerchantView, merchantView } from "./merchant-view";
import type { UpdateSettingsInput } from "./update-settings.schema";

export async function updateSettingsHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: UpdateSettingsInput;
}): Promise<MerchantView> {
  const updated = await ctx.services.app.services.merchantCommands.updateSettings(
    operatorActor(ctx),
    input.merchantId,
    {
      feeRateBps: input.feeRateBps,
      feeFixedMinor: BigInt(input.feeFixedMinor),
      riskReviewThreshold: input.riskReviewThreshold,
      riskDeclineThreshold: input.riskDeclineThreshold,
    },
  );
  if (!updated) throw new TRPCError({ code: "NOT_FOUND", message: "No merchant with this id." });
  return merchantView(updated.merchant);
}
