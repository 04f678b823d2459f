// A merchant's currencies (multiple currencies, issue 18): the currencies it settles in, its FX fee, and its fixed
// fee in each currency (its own, or the default scaled by the currency's exponent), its fees per card funding
// type, and its dispute fees.
import { feeScheduleView } from "@paycore/core/merchants/merchant-currency-commands";
import type { MerchantCurrencySettings } from "@paycore/core/ports/merchant-currency-store";
import { TRPCError } from "@trpc/server";
import type { SignedInContext } from "../../trpc";
import type { MerchantDetailInput } from "./detail.schema";

export interface MerchantCurrenciesView {
  settlementCurrencies: string[];
  fxFeeBps: number;
  /** The default fixed fee in hundredths of a major unit. */
  defaultFixedHundredths: string;
  fixedFees: Array<{ currency: string; fixedMinor: string; source: "MERCHANT" | "DEFAULT" }>;
  /** Fees per card funding type (issue 18); fixedHundredths null: the currency's usual fixed fee. */
  fundingFees: Array<{ fundingType: string; rateBps: number; fixedHundredths: string | null }>;
  /** The merchant's own dispute fees; any other currency is charged the default (15 major units). */
  disputeFees: Array<{ currency: string; feeMinor: string }>;
}

export function merchantCurrenciesView(settings: MerchantCurrencySettings): MerchantCurrenciesView {
  const view = feeScheduleView(settings);
  return {
    settlementCurrencies: [...settings.settlementCurrencies],
    fxFeeBps: settings.fxFeeBps,
    defaultFixedHundredths: view.defaultFixedHundredths.toString(),
    fixedFees: view.fixedFees.map((fee) => ({
      currency: fee.currency,
      fixedMinor: fee.fixedMinor.toString(),
      source: fee.source,
    })),
    fundingFees: view.fundingFees.map((rule) => ({
      fundingType: rule.fundingType,
      rateBps: rule.rateBps,
      fixedHundredths: rule.fixedHundredths === null ? null : rule.fixedHundredths.toString(),
    })),
    disputeFees: settings.disputeFees.map((fee) => ({
      currency: fee.currency,
      feeMinor: fee.feeMinor.toString(),
    })),
  };
}

export async function merchantCurrenciesHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: MerchantDetailInput;
}): Promise<MerchantCurrenciesView> {
  const settings = await ctx.services.app.services.merchantCurrencies.find(input.merchantId);
  if (!settings) throw new TRPCError({ code: "NOT_FOUND", message: "No merchant with this id." });
  return merchantCurrenciesView(settings);
}
