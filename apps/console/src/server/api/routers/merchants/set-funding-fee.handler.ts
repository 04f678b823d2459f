// Sets (or removes) a merchant's fee for cards of one funding type through the core's command (audited).
import { TRPCError } from "@trpc/server";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import { type MerchantCurrenciesView, merchantCurrenciesView } from "./currencies.handler";
import type { SetFundingFeeInput } from "./set-funding-fee.schema";

export async function setFundingFeeHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: SetFundingFeeInput;
}): Promise<MerchantCurrenciesView> {
  const { fee } = input;
  const updated = await ctx.services.app.services.merchantCurrencyCommands.setFundingFee(
    operatorActor(ctx),
    input.merchantId,
    {
      fundingType: input.fundingType,
      fee:
        fee === null
          ? null
          : {
              rateBps: fee.rateBps,
              fixedHundredths: fee.fixedHundredths === null ? null : BigInt(fee.fixedHundredths),
            },
    },
  );
  if (!updated) throw new TRPCError({ code: "NOT_FOUND", message: "No merchant with this id." });
  return merchantCurrenciesView(updated);
}
