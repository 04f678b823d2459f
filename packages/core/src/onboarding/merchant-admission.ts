// The admission checks payments and payouts make against a merchant's onboarding and sanctions standing (issue 22).
// Live payments only: test mode never asks (its hot path is unchanged). The check here is the early answer (before
// routing and scoring); the limit itself is enforced when the payment is inserted: checkLivePayment returns the
// limit, and the store sums and inserts under a per-merchant-and-currency lock in one transaction, so concurrent
// live payments of an unverified merchant cannot pass it together.
import { invariant } from "../errors/domain-error";
import type { CurrencyCode } from "../money/currency";
import type { Mode } from "../payments/payment-record";
import type { MerchantStandingReader } from "../ports/onboarding-store";
import { type LiveLimits, livePaymentRefusal, payoutRefusal } from "./onboarding";

export class MerchantAdmission {
  constructor(
    private readonly reader: MerchantStandingReader,
    private readonly liveLimits: LiveLimits,
  ) {}

  /**
   * Throws the typed refusal of a live payment, if any. Otherwise the limit the insert must hold the merchant's
   * live total in this currency to (null: verified, no limit).
   */
  async checkLivePayment(
    merchantId: string,
    amountMinor: bigint,
    currency: CurrencyCode,
  ): Promise<bigint | null> {
    const standing = await this.reader.standingOf(merchantId);
    invariant(standing !== null, `merchant ${merchantId} of an authenticated key is gone`);
    const refused = await livePaymentRefusal(standing, this.liveLimits, { amountMinor, currency }, () =>
      this.reader.liveVolumeMinor(merchantId, currency),
    );
    if (refused) throw refused;
    return standing.onboardingStatus === "VERIFIED" ? null : (this.liveLimits.get(currency) ?? 0n);
  }

  /** Throws the typed refusal of a payout, if any. */
  async checkPayout(merchantId: string, mode: Mode): Promise<void> {
    const standing = await this.reader.standingOf(merchantId);
    invariant(standing !== null, `merchant ${merchantId} of a payout is gone`);
    const refused = payoutRefusal(standing, mode);
    if (refused) throw refused;
  }
}
