// Multiple currencies (issue 18): the conversion a payment's capture locked (Payment.exchangeRate,
// settlementAmount, settlementCurrency, exchangeRateSource, exchangeRateAsOf, conversion), a refund's conversion
// at that rate with its FX gain or loss, and the merchant's fee schedule (rate, FX fee, fixed fee per currency,
// settlement currencies, fees per card funding type). Conversions are read in one batched query per request.
import { formatRatio } from "@paycore/core/fx/fx-rate";
import { type FeeScheduleView, feeScheduleView } from "@paycore/core/merchants/merchant-currency-commands";
import type { FxConversionRecord } from "@paycore/db/repositories/fx-conversion.repository";
import DataLoader from "dataloader";
import { type GraphQLContext, requireSecretKey } from "../context";
import { builder } from "./builder";
import { Payment } from "./payment";
import { FundingTypeEnum } from "./payment-method";
import { Refund } from "./refund";

/** Digits after the point of an exchange rate written as a decimal (exact rates are also given as a fraction). */
const RATE_DIGITS = 12;

const CurrencyConversion = builder.objectRef<FxConversionRecord>("CurrencyConversion").implement({
  description:
    "A conversion into the merchant's settlement currency, at an exact rate (one half-to-even rounding of the result; docs/api.md#multiple-currencies).",
  fields: (t) => ({
    kind: t.string({ description: "CAPTURE or REFUND.", resolve: (c) => c.kind }),
    sourceAmount: t.field({ type: "MinorUnits", resolve: (c) => c.sourceAmountMinor }),
    sourceCurrency: t.field({ type: "CurrencyCode", resolve: (c) => c.sourceCurrency }),
    settlementAmount: t.field({
      type: "MinorUnits",
      description: "The source amount at this conversion's rate, in the settlement currency.",
      resolve: (c) => c.settlementAmountMinor,
    }),
    settlementCurrency: t.field({ type: "CurrencyCode", resolve: (c) => c.settlementCurrency }),
    exchangeRate: t.string({
      description: `Settlement-currency major units per source major unit, to ${RATE_DIGITS} decimals (half to even).`,
      resolve: (c) =>
        formatRatio({ numerator: c.rateNumerator, denominator: c.rateDenominator }, RATE_DIGITS),
    }),
    exchangeRateNumerator: t.string({
      description: "The exact rate's numerator.",
      resolve: (c) => c.rateNumerator.toString(),
    }),
    exchangeRateDenominator: t.string({
      description: "The exact rate's denominator.",
      resolve: (c) => c.rateDenominator.toString(),
    }),
    rateSource: t.string({
      description: "Where the rate came from: ECB, CSV (or both, through EUR).",
      resolve: (c) => c.rateSource,
    }),
    rateAsOf: t.field({ type: "DateTime", resolve: (c) => c.rateAsOf }),
    ratePath: t.string({
      description: "DIRECT, INVERSE or CROSS (through EUR).",
      resolve: (c) => c.ratePath,
    }),
    fee: t.field({
      type: "MinorUnits",
      description: "A capture's processing fee plus FX fee, in the settlement currency.",
      resolve: (c) => c.feeMinor,
    }),
    fxFee: t.field({
      type: "MinorUnits",
      description: "The FX fee part of `fee`.",
      resolve: (c) => c.fxFeeMinor,
    }),
    originalSettlementAmount: t.field({
      type: "MinorUnits",
      nullable: true,
      description: "A refund: the source amount at the capture's locked rate (what the merchant bears).",
      resolve: (c) => c.originalSettlementMinor,
    }),
    createdAt: t.field({ type: "DateTime", resolve: (c) => c.createdAt }),
  }),
});

/** One batched query per request for the capture conversions of every payment, one for every refund's. */
const captureLoaders = new WeakMap<GraphQLContext, DataLoader<string, FxConversionRecord | null>>();
const refundLoaders = new WeakMap<GraphQLContext, DataLoader<string, FxConversionRecord | null>>();
function loaderOf(
  cache: WeakMap<GraphQLContext, DataLoader<string, FxConversionRecord | null>>,
  context: GraphQLContext,
  load: (ids: readonly string[]) => Promise<FxConversionRecord[]>,
  keyOf: (c: FxConversionRecord) => string | null,
) {
  let loader = cache.get(context);
  if (!loader) {
    loader = new DataLoader(async (ids: readonly string[]) => {
      const found = new Map<string, FxConversionRecord>();
      for (const conversion of await load(ids)) {
        const key = keyOf(conversion);
        if (key !== null) found.set(key, conversion);
      }
      return ids.map((id) => found.get(id) ?? null);
    });
    cache.set(context, loader);
  }
  return loader;
}
const captureConversion = (context: GraphQLContext, paymentId: string) =>
  loaderOf(
    captureLoaders,
    context,
    (ids) => context.services.fxConversions.captureConversionsOf(ids),
    (c) => c.paymentId,
  ).load(paymentId);
const refundConversion = (context: GraphQLContext, refundId: string) =>
  loaderOf(
    refundLoaders,
    context,
    (ids) => context.services.fxConversions.refundConversionsOf(ids),
    (c) => c.refundId,
  ).load(refundId);

builder.objectFields(Payment, (t) => ({
  conversion: t.field({
    type: CurrencyConversion,
    nullable: true,
    description:
      "The conversion the capture locked, when the merchant settles in another currency; null otherwise.",
    resolve: (p, _args, context) => captureConversion(context, p.id),
  }),
  exchangeRate: t.string({
    nullable: true,
    description: "The rate the capture locked (settlement per payment currency), or null.",
    resolve: async (p, _args, context) => {
      const c = await captureConversion(context, p.id);
      return c && formatRatio({ numerator: c.rateNumerator, denominator: c.rateDenominator }, RATE_DIGITS);
    },
  }),
  settlementAmount: t.field({
    type: "MinorUnits",
    nullable: true,
    description: "The captured amount converted at the locked rate (before fees), or null.",
    resolve: async (p, _args, context) =>
      (await captureConversion(context, p.id))?.settlementAmountMinor ?? null,
  }),
  settlementCurrency: t.field({
    type: "CurrencyCode",
    nullable: true,
    resolve: async (p, _args, context) =>
      (await captureConversion(context, p.id))?.settlementCurrency ?? null,
  }),
  exchangeRateSource: t.string({
    nullable: true,
    resolve: async (p, _args, context) => (await captureConversion(context, p.id))?.rateSource ?? null,
  }),
  exchangeRateAsOf: t.field({
    type: "DateTime",
    nullable: true,
    resolve: async (p, _args, context) => (await captureConversion(context, p.id))?.rateAsOf ?? null,
  }),
}));

builder.objectField(Refund, "conversion", (t) =>
  t.field({
    type: CurrencyConversion,
    nullable: true,
    description:
      "A refund of a converted payment: at the capture's rate, the difference to today's being FX gain or loss.",
    resolve: (r, _args, context) => refundConversion(context, r.id),
  }),
);

const FixedFee = builder.objectRef<FeeScheduleView["fixedFees"][number]>("FixedFee").implement({
  fields: (t) => ({
    currency: t.field({ type: "CurrencyCode", resolve: (f) => f.currency }),
    amount: t.field({
      type: "MinorUnits",
      description: "In the currency's minor units.",
      resolve: (f) => f.fixedMinor,
    }),
    source: t.string({
      description:
        "MERCHANT (set for this merchant) or DEFAULT (the default scaled by the currency's exponent).",
      resolve: (f) => f.source,
    }),
  }),
});

const FundingTypeFee = builder.objectRef<FeeScheduleView["fundingFees"][number]>("FundingTypeFee").implement({
  description:
    "The merchant's fee for cards of one funding type: its rate, and its fixed fee when it sets one.",
  fields: (t) => ({
    fundingType: t.field({
      type: FundingTypeEnum,
      resolve: (f) => f.fundingType.toUpperCase() as "CREDIT" | "DEBIT" | "PREPAID",
    }),
    rateBps: t.exposeInt("rateBps"),
    fixedHundredths: t.field({
      type: "MinorUnits",
      nullable: true,
      description:
        "Hundredths of a major unit, scaled to each currency's exponent (50: 0.50 USD, 0 JPY, 0.500 KWD); null: the currency's usual fixed fee.",
      resolve: (f) => f.fixedHundredths,
    }),
  }),
});

const FeeSchedule = builder
  .objectRef<FeeScheduleView & { settlementCurrencies: string[] }>("FeeSchedule")
  .implement({
    description:
      "The merchant's fees: a rate, a fixed fee per currency, and an FX fee on converted captures.",
    fields: (t) => ({
      rateBps: t.exposeInt("rateBps"),
      fxFeeBps: t.exposeInt("fxFeeBps"),
      settlementCurrencies: t.field({
        type: ["CurrencyCode"],
        description: "Payments in other currencies convert to the first on capture; empty: none convert.",
        resolve: (s) => s.settlementCurrencies,
      }),
      fixedFees: t.field({
        type: [FixedFee],
        description: "The fixed fee in each currency the merchant set or settles in (at most 500).",
        resolve: (s) => s.fixedFees,
      }),
      fundingFees: t.field({
        type: [FundingTypeFee],
        description:
          "Fees for cards of a funding type (credit, debit, prepaid) that differ from the default; a card of another or unknown funding type pays the default.",
        resolve: (s) => s.fundingFees,
      }),
    }),
  });

builder.queryField("feeSchedule", (t) =>
  t.field({
    type: FeeSchedule,
    description: "The calling merchant's fee schedule and settlement currencies.",
    resolve: async (_root, _args, context) => {
      const actor = requireSecretKey(context);
      const settings = await context.services.merchantCurrencies.find(actor.merchantId);
      if (settings === null) throw new Error(`merchant ${actor.merchantId} not found`);
      return { ...feeScheduleView(settings), settlementCurrencies: settings.settlementCurrencies };
    },
  }),
);
