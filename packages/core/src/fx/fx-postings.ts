// The ledger of a conversion: two journal entries, one per currency, each balanced on its own, linked by the
// conversion record (fx_conversions) that names both and the rate between them. The payment's currency X
// leg moves the money through X's fx_clearing account; the settlement currency S leg takes it out of S's
// fx_clearing at the converted amount. Per conversion the two clearing lines are equal at its rate
// (convertMinor(leg X) = leg S), which is what the ledger invariant checks.
//
// Capture of A (in X) for a merchant settling in S at rate r, processing fee F and FX fee G (both in S):
//   X: debit psp_receivable A              credit fx_clearing A               (kind payment.captured)
//   S: debit fx_clearing A·r               credit merchant_pending A·r − F − G
//                                          credit fee_revenue F + G            (kind fx.capture_conversion)
// Refund of R (in X) of that payment, with today's rate t: the merchant bears R at the capture's rate r; the
// difference to today's rate is the platform's FX gain or loss.
//   X: debit fx_clearing R                 credit psp_receivable R            (kind refund.succeeded)
//   S: debit merchant_balance R·r          credit fx_clearing R·t
//      and fx_gain_loss: debit R·t − R·r when positive (a loss), credit R·r − R·t when positive (a gain)
//                                                                              (kind fx.refund_conversion)
// A dispute of D with dispute fee P (both in X, the dispute's currency) of that payment: the merchant bears D + P
// at the capture's locked rate r, like a refund; the difference to today's rate t is the platform's.
//   X: debit fx_clearing D + P             credit psp_receivable D, credit fee_revenue P
//                                                                              (kind dispute.funds_withdrawn)
//   S: debit merchant_balance (D+P)·r      credit fx_clearing (D+P)·t, and fx_gain_loss as for a refund
//                                                                              (kind fx.dispute_conversion)
// A won dispute brings D back (the fee stays earned): the merchant gets D at the locked rate r back, what comes
// in is D at today's rate t', and the difference is again the platform's gain or loss.
//   X: debit psp_receivable D              credit fx_clearing D               (kind dispute.funds_reinstated)
//   S: debit fx_clearing D·t'              credit merchant_balance D·r
//      and fx_gain_loss: credit D·t' − D·r when positive (a gain), debit D·r − D·t' when positive (a loss)
//                                                                              (kind fx.dispute_reversal_conversion)
// Every product is convertMinor (one rounding, half to even).
import { invariant } from "../errors/domain-error";
import { computeFee, type FeeSchedule, feeScheduleIn } from "../ledger/fees";
import { assertBalanced, type JournalEntryDraft, type PostingLine } from "../ledger/postings";
import type { CurrencyCode } from "../money/currency";
import { type AppliedRate, convertMinor, divideHalfEven, type Ratio } from "./fx-rate";

/** The FX fee is at most 10% (basis points, per merchant). */
export const FX_FEE_BPS_MAX = 1_000;

/** What a capture in another currency than the merchant settles in converts with. */
export interface FxCaptureTerms {
  settlementCurrency: CurrencyCode;
  rate: AppliedRate;
  fxFeeBps: number;
}

/**
 * A refund (or a dispute) of a converted payment: the capture's locked rate, and today's rate (newest) for the
 * difference.
 */
export interface FxRefundTerms {
  settlementCurrency: CurrencyCode;
  capturedAt: Ratio;
  today: AppliedRate;
}

/** The record linking a conversion's two legs (fx_conversions), written with them. */
export interface FxConversionDraft {
  kind: "CAPTURE" | "REFUND" | "DISPUTE" | "DISPUTE_REVERSAL";
  sourceCurrency: CurrencyCode;
  sourceMinor: bigint;
  settlementCurrency: CurrencyCode;
  /** What went through S's clearing account: the source amount at `rate`. */
  settlementMinor: bigint;
  rate: AppliedRate;
  /** A refund or a dispute: the source amount at the capture's rate (what the merchant bears, or gets back). */
  originalSettlementMinor: bigint | null;
  /** Processing fee plus FX fee, in S (capture only). */
  feeMinor: bigint;
  fxFeeMinor: bigint;
  /** Positive: the platform gained; negative: it lost (refunds and disputes only). */
  gainLossMinor: bigint;
  /** The S leg; null when the converted amounts are all zero (a source amount worth under one minor unit). */
  settlementEntry: JournalEntryDraft | null;
}

/** Both legs of a converted capture, and the conversion record. */
export function captureConversion(input: {
  amountMinor: bigint;
  currency: CurrencyCode;
  fee: FeeSchedule;
  fx: FxCaptureTerms;
}): { sourceEntry: JournalEntryDraft; conversion: FxConversionDraft } {
  const { amountMinor, currency, fx } = input;
  invariant(amountMinor > 0n, "a capture conversion needs a positive amount");
  invariant(fx.settlementCurrency !== currency, "a conversion is between two currencies");
  invariant(fx.rate.base === currency && fx.rate.quote === fx.settlementCurrency, "the rate is X→S");
  invariant(
    Number.isInteger(fx.fxFeeBps) && fx.fxFeeBps >= 0 && fx.fxFeeBps <= FX_FEE_BPS_MAX,
    "the FX fee is 0 to 1000 basis points",
  );
  const sourceEntry: JournalEntryDraft = {
    kind: "payment.captured",
    currency,
    lines: [
      { account: "psp_receivable", direction: "DEBIT", amountMinor },
      { account: "fx_clearing", direction: "CREDIT", amountMinor },
    ],
  };
  assertBalanced(sourceEntry);
  const settlementMinor = convertMinor(amountMinor, fx.rate);
  const processingFee = computeFee(settlementMinor, feeScheduleIn(input.fee, fx.settlementCurrency));
  const fxFee = divideHalfEven(settlementMinor * BigInt(fx.fxFeeBps), 10_000n);
  // Never more than the converted amount, like computeFee's cap.
  let feeMinor = processingFee + fxFee;
  if (feeMinor > settlementMinor) feeMinor = settlementMinor;
  // computeFee caps the processing fee at the amount, so this is never negative.
  const fxFeeMinor = feeMinor - processingFee;
  let settlementEntry: JournalEntryDraft | null = null;
  if (settlementMinor > 0n) {
    const lines: PostingLine[] = [
      { account: "fx_clearing", direction: "DEBIT", amountMinor: settlementMinor },
    ];
    // Pending like an unconverted capture (issue 18): the release worker makes it available at the charge's
    // availableOn (the PSP's settlement delay, or the settlement report's date), not at once.
    if (settlementMinor - feeMinor > 0n)
      lines.push({
        account: "merchant_pending",
        direction: "CREDIT",
        amountMinor: settlementMinor - feeMinor,
      });
    if (feeMinor > 0n) lines.push({ account: "fee_revenue", direction: "CREDIT", amountMinor: feeMinor });
    settlementEntry = { kind: "fx.capture_conversion", currency: fx.settlementCurrency, lines };
    assertBalanced(settlementEntry);
  }
  return {
    sourceEntry,
    conversion: {
      kind: "CAPTURE",
      sourceCurrency: currency,
      sourceMinor: amountMinor,
      settlementCurrency: fx.settlementCurrency,
      settlementMinor,
      rate: fx.rate,
      originalSettlementMinor: null,
      feeMinor,
      fxFeeMinor,
      gainLossMinor: 0n,
      settlementEntry,
    },
  };
}

/** Both legs of a refund of a converted payment, and the conversion record. */
export function refundConversion(input: {
  amountMinor: bigint;
  currency: CurrencyCode;
  fx: FxRefundTerms;
  /**
   * What earlier refunds of the payment took back (succeeded, in its currency). The merchant is charged the locked
   * conversion of the total refunded with this one minus that of the total before it, so partial refunds together
   * cost what one refund of their sum would: rounded once, not once each (a 1-fils refund of a KWD payment
   * settling in USD rounds to 0 cents on its own, and refunding fils by fils cost the merchant nothing).
   */
  refundedBeforeMinor: bigint;
}): {
  sourceEntry: JournalEntryDraft;
  conversion: FxConversionDraft;
} {
  const { amountMinor, currency, fx, refundedBeforeMinor } = input;
  invariant(refundedBeforeMinor >= 0n, "the amount refunded before is not negative");
  invariant(amountMinor > 0n, "a refund conversion needs a positive amount");
  invariant(fx.today.base === currency && fx.today.quote === fx.settlementCurrency, "today's rate is X→S");
  const sourceEntry: JournalEntryDraft = {
    kind: "refund.succeeded",
    currency,
    lines: [
      { account: "fx_clearing", direction: "DEBIT", amountMinor },
      { account: "psp_receivable", direction: "CREDIT", amountMinor },
    ],
  };
  assertBalanced(sourceEntry);
  const locked = { base: currency, quote: fx.settlementCurrency, ...fx.capturedAt };
  const original =
    convertMinor(refundedBeforeMinor + amountMinor, locked) - convertMinor(refundedBeforeMinor, locked);
  const today = convertMinor(amountMinor, fx.today);
  const gainLoss = original - today;
  const lines: PostingLine[] = [];
  if (original > 0n) lines.push({ account: "merchant_balance", direction: "DEBIT", amountMinor: original });
  if (gainLoss < 0n) lines.push({ account: "fx_gain_loss", direction: "DEBIT", amountMinor: -gainLoss });
  if (today > 0n) lines.push({ account: "fx_clearing", direction: "CREDIT", amountMinor: today });
  if (gainLoss > 0n) lines.push({ account: "fx_gain_loss", direction: "CREDIT", amountMinor: gainLoss });
  let settlementEntry: JournalEntryDraft | null = null;
  if (lines.length > 0) {
    settlementEntry = { kind: "fx.refund_conversion", currency: fx.settlementCurrency, lines };
    assertBalanced(settlementEntry);
  }
  return {
    sourceEntry,
    conversion: {
      kind: "REFUND",
      sourceCurrency: currency,
      sourceMinor: amountMinor,
      settlementCurrency: fx.settlementCurrency,
      settlementMinor: today,
      rate: fx.today,
      originalSettlementMinor: original,
      feeMinor: 0n,
      fxFeeMinor: 0n,
      gainLossMinor: gainLoss,
      settlementEntry,
    },
  };
}

/**
 * Both legs of a dispute's money movement on a converted payment (the withdrawal, or its reinstatement when the
 * merchant wins), and the conversion record. The dispute fee is in the dispute's currency like an unconverted
 * dispute's, withdrawn with the amount and converted with it; a reinstatement never returns it.
 */
export function disputeConversion(input: {
  movement: "withdrawal" | "reinstatement";
  amountMinor: bigint;
  feeMinor: bigint;
  currency: CurrencyCode;
  fx: FxRefundTerms;
}): { sourceEntry: JournalEntryDraft; conversion: FxConversionDraft } {
  const { amountMinor, feeMinor, currency, fx } = input;
  invariant(amountMinor > 0n, "a dispute conversion needs a positive amount");
  invariant(feeMinor >= 0n, "a dispute fee is never negative");
  invariant(input.movement === "withdrawal" || feeMinor === 0n, "a reinstatement returns no fee");
  invariant(fx.today.base === currency && fx.today.quote === fx.settlementCurrency, "today's rate is X→S");
  const withdrawal = input.movement === "withdrawal";
  const sourceMinor = amountMinor + feeMinor;
  const sourceLines: PostingLine[] = withdrawal
    ? [
        { account: "fx_clearing", direction: "DEBIT", amountMinor: sourceMinor },
        { account: "psp_receivable", direction: "CREDIT", amountMinor },
      ]
    : [
        { account: "psp_receivable", direction: "DEBIT", amountMinor },
        { account: "fx_clearing", direction: "CREDIT", amountMinor },
      ];
  if (feeMinor > 0n) sourceLines.push({ account: "fee_revenue", direction: "CREDIT", amountMinor: feeMinor });
  const sourceEntry: JournalEntryDraft = {
    kind: withdrawal ? "dispute.funds_withdrawn" : "dispute.funds_reinstated",
    currency,
    lines: sourceLines,
  };
  assertBalanced(sourceEntry);
  const original = convertMinor(sourceMinor, {
    base: currency,
    quote: fx.settlementCurrency,
    ...fx.capturedAt,
  });
  const today = convertMinor(sourceMinor, fx.today);
  // What the platform keeps: on a withdrawal the merchant pays `original` and `today` leaves; on a reinstatement
  // `today` comes in and the merchant gets `original` back.
  const gainLoss = withdrawal ? original - today : today - original;
  const lines: PostingLine[] = [];
  const merchantDirection = withdrawal ? "DEBIT" : "CREDIT";
  const clearingDirection = withdrawal ? "CREDIT" : "DEBIT";
  if (original > 0n)
    lines.push({ account: "merchant_balance", direction: merchantDirection, amountMinor: original });
  if (today > 0n) lines.push({ account: "fx_clearing", direction: clearingDirection, amountMinor: today });
  if (gainLoss < 0n) lines.push({ account: "fx_gain_loss", direction: "DEBIT", amountMinor: -gainLoss });
  if (gainLoss > 0n) lines.push({ account: "fx_gain_loss", direction: "CREDIT", amountMinor: gainLoss });
  let settlementEntry: JournalEntryDraft | null = null;
  if (lines.length > 0) {
    settlementEntry = {
      kind: withdrawal ? "fx.dispute_conversion" : "fx.dispute_reversal_conversion",
      currency: fx.settlementCurrency,
      lines,
    };
    assertBalanced(settlementEntry);
  }
  return {
    sourceEntry,
    conversion: {
      kind: withdrawal ? "DISPUTE" : "DISPUTE_REVERSAL",
      sourceCurrency: currency,
      sourceMinor,
      settlementCurrency: fx.settlementCurrency,
      settlementMinor: today,
      rate: fx.today,
      originalSettlementMinor: original,
      feeMinor: 0n,
      fxFeeMinor: 0n,
      gainLossMinor: gainLoss,
      settlementEntry,
    },
  };
}
