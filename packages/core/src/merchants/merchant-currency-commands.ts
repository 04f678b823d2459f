// The one write path for a merchant's currency settings (multiple currencies, issue 18), shared by the console
// and the CLI: the settlement currencies and FX fee, and the fixed fee per currency. Validated once; each change
// written with its operator audit row. A "not found" is a null result for the transport to word.
import { DomainError } from "../errors/domain-error";
import { FX_FEE_BPS_MAX } from "../fx/fx-postings";
import { FEE_FUNDING_TYPES, type FeeFundingType, type FundingTypeFee, fixedFeeIn } from "../ledger/fees";
import { type CurrencyCode, parseCurrency } from "../money/currency";
import type { Actor } from "../ports/audit";
import type { MerchantCurrencySettings, MerchantCurrencyStore } from "../ports/merchant-currency-store";
import { FEE_FIXED_MINOR_MAX, FEE_RATE_BPS_MAX } from "./merchant";

export const SETTLEMENT_CURRENCIES_MAX = 10;

function invalid(field: string, message: string): DomainError {
  return new DomainError("INVALID_INPUT", message, { field: [field] });
}

function currencyOf(field: string, raw: string): CurrencyCode {
  const code = parseCurrency(typeof raw === "string" ? raw.trim() : raw);
  if (code === null)
    throw new DomainError("CURRENCY_INVALID", `${String(raw).slice(0, 10)} is not an ISO 4217 currency.`, {
      field: [field],
    });
  return code;
}

/** A merchant's fee schedule as shown (GraphQL, console): the rate, the FX fee, and the fixed fee per currency. */
export interface FeeScheduleView {
  rateBps: number;
  fxFeeBps: number;
  /** The default fixed fee, in hundredths of a major unit (scaled to each currency's exponent). */
  defaultFixedHundredths: bigint;
  fixedFees: Array<{ currency: CurrencyCode; fixedMinor: bigint; source: "MERCHANT" | "DEFAULT" }>;
  /** The merchant's fee per card funding type (credit, debit, prepaid); a type not listed takes the default. */
  fundingFees: Array<{ fundingType: FeeFundingType } & FundingTypeFee>;
}

/**
 * The fixed fee in each currency the merchant set, settles in, or is asked about (`currencies`), with where it
 * comes from: the merchant's own, or the default scaled by the currency's exponent.
 */
export function feeScheduleView(
  settings: MerchantCurrencySettings,
  currencies: readonly CurrencyCode[] = [],
): FeeScheduleView {
  const own = new Map(settings.fixedFees.map((fee) => [fee.currency as string, fee.fixedMinor]));
  const all = [...new Set<string>([...own.keys(), ...settings.settlementCurrencies, ...currencies])].sort();
  const schedule = {
    rateBps: settings.feeRateBps,
    fixedMinor: settings.feeFixedMinor,
    fixedByCurrency: Object.fromEntries(own),
  };
  return {
    rateBps: settings.feeRateBps,
    fxFeeBps: settings.fxFeeBps,
    defaultFixedHundredths: settings.feeFixedMinor,
    fixedFees: all.map((currency) => ({
      currency: currency as CurrencyCode,
      fixedMinor: fixedFeeIn(schedule, currency as CurrencyCode),
      source: own.has(currency) ? ("MERCHANT" as const) : ("DEFAULT" as const),
    })),
    fundingFees: [...settings.fundingFees].sort(
      (a, b) => FEE_FUNDING_TYPES.indexOf(a.fundingType) - FEE_FUNDING_TYPES.indexOf(b.fundingType),
    ),
  };
}

export class MerchantCurrencyCommands {
  constructor(private readonly deps: { store: MerchantCurrencyStore }) {}

  /**
   * Sets the currencies the merchant settles in (distinct ISO 4217 codes, at most 10; empty: each payment
   * settles in its own currency) and, when given, its FX fee (0 to 1000 basis points). Takes effect for
   * captures from then on (within the API's 30 s settings cache); nothing already captured changes.
   */
  async setSettlement(
    actor: Actor,
    merchantId: string,
    input: { settlementCurrencies: readonly string[]; fxFeeBps?: number },
  ): Promise<MerchantCurrencySettings | null> {
    if (
      !Array.isArray(input.settlementCurrencies) ||
      input.settlementCurrencies.length > SETTLEMENT_CURRENCIES_MAX
    )
      throw invalid("settlementCurrencies", `At most ${SETTLEMENT_CURRENCIES_MAX} settlement currencies.`);
    const currencies = input.settlementCurrencies.map((raw) => currencyOf("settlementCurrencies", raw));
    if (new Set(currencies).size !== currencies.length)
      throw invalid("settlementCurrencies", "A settlement currency is listed twice.");
    const before = await this.deps.store.find(merchantId);
    if (before === null) return null;
    const fxFeeBps = input.fxFeeBps ?? before.fxFeeBps;
    if (!Number.isInteger(fxFeeBps) || fxFeeBps < 0 || fxFeeBps > FX_FEE_BPS_MAX)
      throw invalid("fxFeeBps", `fxFeeBps must be an integer from 0 to ${FX_FEE_BPS_MAX}.`);
    const written = await this.deps.store.setSettlement(
      merchantId,
      { settlementCurrencies: currencies, fxFeeBps },
      {
        actor,
        action: "merchant.update_settlement",
        targetId: merchantId,
        before: { settlementCurrencies: before.settlementCurrencies.join(" "), fxFeeBps: before.fxFeeBps },
        after: { settlementCurrencies: currencies.join(" "), fxFeeBps },
      },
    );
    return written ? this.deps.store.find(merchantId) : null;
  }

  /** Sets the merchant's fixed fee in one currency (minor units of it, 0 to 15 digits), or removes it (null). */
  async setFixedFee(
    actor: Actor,
    merchantId: string,
    input: { currency: string; fixedMinor: bigint | null },
  ): Promise<MerchantCurrencySettings | null> {
    const currency = currencyOf("currency", input.currency);
    const { fixedMinor } = input;
    if (
      fixedMinor !== null &&
      (typeof fixedMinor !== "bigint" || fixedMinor < 0n || fixedMinor > FEE_FIXED_MINOR_MAX)
    )
      throw invalid("fixedMinor", "fixedMinor must be a whole number of minor units, 0 to 15 digits.");
    const before = await this.deps.store.find(merchantId);
    if (before === null) return null;
    const previous = before.fixedFees.find((fee) => fee.currency === currency)?.fixedMinor ?? null;
    const written = await this.deps.store.setFixedFee(merchantId, currency, fixedMinor, {
      actor,
      action: fixedMinor === null ? "merchant.remove_fixed_fee" : "merchant.set_fixed_fee",
      targetId: merchantId,
      before: { currency, fixedMinor: previous === null ? null : previous.toString() },
      after: { currency, fixedMinor: fixedMinor === null ? null : fixedMinor.toString() },
    });
    return written ? this.deps.store.find(merchantId) : null;
  }

  /**
   * Sets the merchant's fee for cards of one funding type (credit, debit or prepaid): a rate (0 to 10000 basis
   * points) and optionally a fixed fee in hundredths of a major unit (null: the currency's usual fixed fee); or
   * removes it (fee null), so such cards take the default again. Takes effect for captures from then on.
   */
  async setFundingFee(
    actor: Actor,
    merchantId: string,
    input: { fundingType: string; fee: { rateBps: number; fixedHundredths: bigint | null } | null },
  ): Promise<MerchantCurrencySettings | null> {
    const raw = typeof input.fundingType === "string" ? input.fundingType.trim().toLowerCase() : "";
    if (!(FEE_FUNDING_TYPES as readonly string[]).includes(raw))
      throw invalid("fundingType", "fundingType is one of credit, debit, prepaid.");
    const fundingType = raw as FeeFundingType;
    const { fee } = input;
    if (fee !== null) {
      if (!Number.isInteger(fee.rateBps) || fee.rateBps < 0 || fee.rateBps > FEE_RATE_BPS_MAX)
        throw invalid("rateBps", `rateBps must be an integer from 0 to ${FEE_RATE_BPS_MAX}.`);
      if (
        fee.fixedHundredths !== null &&
        (typeof fee.fixedHundredths !== "bigint" ||
          fee.fixedHundredths < 0n ||
          fee.fixedHundredths > FEE_FIXED_MINOR_MAX)
      )
        throw invalid("fixedHundredths", "fixedHundredths must be a whole number, 0 to 15 digits.");
    }
    const before = await this.deps.store.find(merchantId);
    if (before === null) return null;
    const previous = before.fundingFees.find((rule) => rule.fundingType === fundingType) ?? null;
    const shown = (rule: FundingTypeFee | null) => ({
      fundingType,
      rateBps: rule === null ? null : rule.rateBps,
      fixedHundredths: rule?.fixedHundredths == null ? null : rule.fixedHundredths.toString(),
    });
    const written = await this.deps.store.setFundingFee(
      merchantId,
      fundingType,
      fee === null ? null : { rateBps: fee.rateBps, fixedHundredths: fee.fixedHundredths },
      {
        actor,
        action: fee === null ? "merchant.remove_funding_fee" : "merchant.set_funding_fee",
        targetId: merchantId,
        before: shown(previous),
        after: shown(fee),
      },
    );
    return written ? this.deps.store.find(merchantId) : null;
  }

  /**
   * Sets the dispute fee the merchant is charged in one currency when a dispute's money is withdrawn (minor units
   * of it, 0 to 15 digits: below the database's bound), or removes it (null: the default, 15 major units). Applies
   * to disputes whose money is withdrawn from then on; fees already charged stay.
   */
  async setDisputeFee(
    actor: Actor,
    merchantId: string,
    input: { currency: string; feeMinor: bigint | null },
  ): Promise<MerchantCurrencySettings | null> {
    const currency = currencyOf("currency", input.currency);
    const { feeMinor } = input;
    if (
      feeMinor !== null &&
      (typeof feeMinor !== "bigint" || feeMinor < 0n || feeMinor > FEE_FIXED_MINOR_MAX)
    )
      throw invalid("feeMinor", "feeMinor must be a whole number of minor units, 0 to 15 digits.");
    const before = await this.deps.store.find(merchantId);
    if (before === null) return null;
    const previous = before.disputeFees.find((fee) => fee.currency === currency)?.feeMinor ?? null;
    const written = await this.deps.store.setDisputeFee(merchantId, currency, feeMinor, {
      actor,
      action: feeMinor === null ? "merchant.remove_dispute_fee" : "merchant.set_dispute_fee",
      targetId: merchantId,
      before: { currency, feeMinor: previous === null ? null : previous.toString() },
      after: { currency, feeMinor: feeMinor === null ? null : feeMinor.toString() },
    });
    return written ? this.deps.store.find(merchantId) : null;
  }
}
