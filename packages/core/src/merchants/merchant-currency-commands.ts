// The one write path for a merchant's currency settings (multiple currencies, issue 18), shared by the console
// and the CLI: the settlement currencies and FX fee, and the fixed fee per currency. Validated once; each change
// written with its operator audit row. A "not found" is a null result for the transport to word.
import { DomainError } from "../errors/domain-error";
import { FX_FEE_BPS_MAX } from "../fx/fx-postings";
import { fixedFeeIn } from "../ledger/fees";
import { type CurrencyCode, parseCurrency } from "../money/currency";
import type { Actor } from "../ports/audit";
import type { MerchantCurrencySettings, MerchantCurrencyStore } from "../ports/merchant-currency-store";
import { FEE_FIXED_MINOR_MAX } from "./merchant";

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
