// Sets (or removes) a merchant's fixed fee in one currency through the core's command (audited).
import { TRPCError } from "@trpc/server";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import { type MerchantCurrenciesView, merchantCurrenciesView } from "./currencies.handler";
import type { SetFixedFeeInput } from "./set-fixed-fee.schema";

export async function setFixedFeeHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: SetFixedFeeInput;
}): Promise<MerchantCurrenciesView> {
  const updated = await ctx.services.app.services.merchantCurrencyCommands.setFixedFee(
    operatorActor(ctx),
    input.merchantId,
    { currency: input.currency, fixedMinor: input.fixedMinor === null ? null : BigInt(input.fixedMinor) },
  );
  if (!updated) throw new TRPCError({ code: "NOT_FOUND", message: "No merchant with this id." });
  return merchantCurrenciesView(updated);
}
