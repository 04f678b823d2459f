// A merchant's currency settings (multiple currencies, issue 18): the currencies it settles in, its FX fee, and
// its fixed fee per currency. Every change is written with its operator audit row in one transaction.
import type { FeeFundingType, FundingTypeFee } from "../ledger/fees";
import type { CurrencyCode } from "../money/currency";
import type { AuditDraft } from "./audit";

export interface MerchantCurrencySettings {
  merchantId: string;
  /** Empty: every payment settles in its own currency. The first is where other currencies convert to. */
  settlementCurrencies: CurrencyCode[];
  fxFeeBps: number;
  /** The merchant's own fixed fee per currency (minor units of that currency). */
  fixedFees: Array<{ currency: CurrencyCode; fixedMinor: bigint }>;
  /** The merchant's fee per card funding type (issue 18), by funding type. */
  fundingFees: Array<{ fundingType: FeeFundingType } & FundingTypeFee>;
  /** The merchant's own dispute fee per currency (minor units); elsewhere the default (15 major units) applies. */
  disputeFees: Array<{ currency: CurrencyCode; feeMinor: bigint }>;
  /** The merchant's fee schedule's rate and fixed-fee default (hundredths of a major unit). */
  feeRateBps: number;
  feeFixedMinor: bigint;
}

export interface MerchantCurrencyStore {
  /** Null when there is no such merchant. */
  find(merchantId: string): Promise<MerchantCurrencySettings | null>;
  /** False when there is no such merchant (nothing written). */
  setSettlement(
    merchantId: string,
    settlement: { settlementCurrencies: CurrencyCode[]; fxFeeBps: number },
    audit: AuditDraft,
  ): Promise<boolean>;
  /** Sets (or, with null, removes) the merchant's fixed fee in one currency. False when there is no such merchant. */
  setFixedFee(
    merchantId: string,
    currency: CurrencyCode,
    fixedMinor: bigint | null,
    audit: AuditDraft,
  ): Promise<boolean>;
  /** Sets (or, with null, removes) the merchant's fee for one card funding type. False when there is no such merchant. */
  setFundingFee(
    merchantId: string,
    fundingType: FeeFundingType,
    fee: FundingTypeFee | null,
    audit: AuditDraft,
  ): Promise<boolean>;
  /** Sets (or, with null, removes) the merchant's dispute fee in one currency. False when there is no such merchant. */
  setDisputeFee(
    merchantId: string,
    currency: CurrencyCode,
    feeMinor: bigint | null,
    audit: AuditDraft,
  ): Promise<boolean>;
}
