// Sets (or removes) a merchant's dispute fee in one currency through the core's command (audited); the dispute
// postings charge it when a dispute's money is withdrawn.
import { TRPCError } from "@trpc/server";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import { type MerchantCurrenciesView, merchantCurrenciesView } from "./currencies.handler";
import type { SetDisputeFeeInput } from "./set-dispute-fee.schema";

export async function setDisputeFeeHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: SetDisputeFeeInput;
}): Promise<MerchantCurrenciesView> {
  const updated = await ctx.services.app.services.merchantCurrencyCommands.setDisputeFee(
    operatorActor(ctx),
    input.merchantId,
    { currency: input.currency, feeMinor: input.feeMinor === null ? null : BigInt(input.feeMinor) },
  );
  if (!updated) throw new TRPCError({ code: "NOT_FOUND", message: "No merchant with this id." });
  return merchantCurrenciesView(updated);
}
