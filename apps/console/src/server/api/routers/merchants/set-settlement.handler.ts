// Sets a merchant's settlement currencies and FX fee through the core's command (audited in its transaction).
import { TRPCError } from "@trpc/server";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import { type MerchantCurrenciesView, merchantCurrenciesView } from "./currencies.handler";
import type { SetSettlementInput } from "./set-settlement.schema";

export async function setSettlementHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: SetSettlementInput;
}): Promise<MerchantCurrenciesView> {
  const updated = await ctx.services.app.services.merchantCurrencyCommands.setSettlement(
    operatorActor(ctx),
    input.merchantId,
    { settlementCurrencies: input.settlementCurrencies, fxFeeBps: input.fxFeeBps },
  );
  if (!updated) throw new TRPCError({ code: "NOT_FOUND", message: "No merchant with this id." });
  return merchantCurrenciesView(updated);
}
