// Exchange rates as the payment commands need them (multiple currencies, issue 18): the rate in force for a
// request (refused when missing or stale), the newest rate for recording an outcome the PSP already decided,
// and the rate a payment's capture locked.
import type { AppliedRate, Ratio } from "../fx/fx-rate";
import type { PaymentId } from "../ids/ids";
import type { CurrencyCode } from "../money/currency";

export interface LockedConversion {
  sourceCurrency: CurrencyCode;
  settlementCurrency: CurrencyCode;
  rate: Ratio;
}

export interface PaymentFxRates {
  /** The rate from → to in force now: FX_RATE_MISSING or FX_RATE_STALE otherwise. */
  rateInForce(from: CurrencyCode, to: CurrencyCode, field?: string[]): Promise<AppliedRate>;
  /** The newest rate whatever its age (FX_RATE_MISSING only): for an outcome the PSP has already decided. */
  newestRate(from: CurrencyCode, to: CurrencyCode): Promise<AppliedRate>;
  /** The conversion the payment's capture locked, or null when it settled in its own currency. */
  captureConversionOf(paymentId: PaymentId): Promise<LockedConversion | null>;
}
