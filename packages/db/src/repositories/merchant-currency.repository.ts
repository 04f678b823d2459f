// A merchant's currency settings, read side (multiple currencies, issue 18): settlement currencies, FX fee and
// fixed fees per currency, for the console, the GraphQL merchant query and the store behind the command.
import type { FeeFundingType } from "@paycore/core/ledger/fees";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { MerchantCurrencySettings } from "@paycore/core/ports/merchant-currency-store";
import type { DatabaseClient } from "../client";

export class MerchantCurrencyRepository {
  constructor(private readonly db: DatabaseClient) {}

  async find(merchantId: string): Promise<MerchantCurrencySettings | null> {
    const merchant = await this.db.merchant.findUnique({
      where: { id: merchantId },
      select: {
        id: true,
        feeRateBps: true,
        feeFixedMinor: true,
        settlement: { select: { settlementCurrencies: true, fxFeeBps: true } },
        fixedFees: { select: { currency: true, fixedMinor: true }, orderBy: { currency: "asc" }, take: 500 },
        fundingFees: { select: { fundingType: true, rateBps: true, fixedHundredths: true }, take: 3 },
        disputeFees: { select: { currency: true, feeMinor: true }, orderBy: { currency: "asc" }, take: 500 },
      },
    });
    if (merchant === null) return null;
    return {
      merchantId: merchant.id,
      settlementCurrencies: (merchant.settlement?.settlementCurrencies ?? []) as CurrencyCode[],
      fxFeeBps: merchant.settlement?.fxFeeBps ?? 0,
      fixedFees: merchant.fixedFees.map((fee) => ({
        currency: fee.currency as CurrencyCode,
        fixedMinor: fee.fixedMinor,
      })),
      fundingFees: merchant.fundingFees.map((rule) => ({
        fundingType: rule.fundingType as FeeFundingType,
        rateBps: rule.rateBps,
        fixedHundredths: rule.fixedHundredths,
      })),
      disputeFees: merchant.disputeFees.map((fee) => ({
        currency: fee.currency as CurrencyCode,
        feeMinor: fee.feeMinor,
      })),
      feeRateBps: merchant.feeRateBps,
      feeFixedMinor: merchant.feeFixedMinor,
    };
  }
}
