import { describe, expect, it } from "vitest";
import type { CurrencyCode } from "../money/currency";
import { captureConversion, disputeConversion, refundConversion } from "./fx-postings";
import type { AppliedRate } from "./fx-rate";
import { parseRateText } from "./fx-rate";

const c = (code: string) => code as CurrencyCode;
const rate = (base: string, quote: string, text: string): AppliedRate => {
  const ratio = parseRateText(text);
  if (!ratio) throw new Error(text);
  return {
    base: c(base),
    quote: c(quote),
    ...ratio,
    source: "ECB",
    asOf: new Date("2026-12-04T00:00:00Z"),
    path: "DIRECT",
  };
};

describe("captureConversion", () => {
  it("posts two balanced legs through the clearing accounts, fees in the settlement currency", () => {
    // 100.00 EUR captured for a USD merchant at 1.0842: 108.42 USD; fee 2.9% + 0.30 = 3.44; FX fee 1% = 1.08.
    const { sourceEntry, conversion } = captureConversion({
      amountMinor: 10_000n,
      currency: c("EUR"),
      fee: { rateBps: 290, fixedMinor: 30n },
      fx: { settlementCurrency: c("USD"), rate: rate("EUR", "USD", "1.0842"), fxFeeBps: 100 },
    });
    expect(sourceEntry).toEqual({
      kind: "payment.captured",
      currency: "EUR",
      lines: [
        { account: "psp_receivable", direction: "DEBIT", amountMinor: 10_000n },
        { account: "fx_clearing", direction: "CREDIT", amountMinor: 10_000n },
      ],
    });
    expect(conversion).toMatchObject({ settlementMinor: 10_842n, feeMinor: 344n + 108n, fxFeeMinor: 108n });
    expect(conversion.settlementEntry).toEqual({
      kind: "fx.capture_conversion",
      currency: "USD",
      lines: [
        { account: "fx_clearing", direction: "DEBIT", amountMinor: 10_842n },
        { account: "merchant_pending", direction: "CREDIT", amountMinor: 10_842n - 452n },
        { account: "fee_revenue", direction: "CREDIT", amountMinor: 452n },
      ],
    });
  });

  it("converts across exponents and uses the settlement currency's fixed fee", () => {
    // 10,000 JPY for a KWD merchant at JPY→KWD 0.00203: 20.300 KWD; KWD fixed fee of the default 0.30 = 300 fils.
    const { conversion } = captureConversion({
      amountMinor: 10_000n,
      currency: c("JPY"),
      fee: { rateBps: 0, fixedMinor: 30n },
      fx: { settlementCurrency: c("KWD"), rate: rate("JPY", "KWD", "0.00203"), fxFeeBps: 0 },
    });
    expect(conversion.settlementMinor).toBe(20_300n);
    expect(conversion.feeMinor).toBe(300n);
  });

  it("writes no settlement leg when the amount is worth under half a minor unit", () => {
    const { conversion } = captureConversion({
      amountMinor: 1n,
      currency: c("JPY"),
      fee: { rateBps: 290, fixedMinor: 30n },
      fx: { settlementCurrency: c("KWD"), rate: rate("JPY", "KWD", "0.00203"), fxFeeBps: 0 },
    });
    expect(conversion.settlementMinor).toBe(2n);
    const tiny = captureConversion({
      amountMinor: 1n,
      currency: c("IDR"),
      fee: { rateBps: 0, fixedMinor: 0n },
      fx: { settlementCurrency: c("USD"), rate: rate("IDR", "USD", "0.000063"), fxFeeBps: 0 },
    });
    expect(tiny.conversion.settlementMinor).toBe(0n);
    expect(tiny.conversion.settlementEntry).toBeNull();
  });
});

describe("refundConversion", () => {
  const capturedAt = { numerator: 5421n, denominator: 5000n }; // 1.0842

  it("charges the merchant at the captured rate and books a loss when the currency rose", () => {
    const { sourceEntry, conversion } = refundConversion({
      amountMinor: 5_000n,
      currency: c("EUR"),
      fx: { settlementCurrency: c("USD"), capturedAt, today: rate("EUR", "USD", "1.1000") },
      refundedBeforeMinor: 0n,
    });
    expect(sourceEntry.lines).toEqual([
      { account: "fx_clearing", direction: "DEBIT", amountMinor: 5_000n },
      { account: "psp_receivable", direction: "CREDIT", amountMinor: 5_000n },
    ]);
    expect(conversion).toMatchObject({
      originalSettlementMinor: 5_421n,
      settlementMinor: 5_500n,
      gainLossMinor: -79n,
    });
    expect(conversion.settlementEntry?.lines).toEqual([
      { account: "merchant_balance", direction: "DEBIT", amountMinor: 5_421n },
      { account: "fx_gain_loss", direction: "DEBIT", amountMinor: 79n },
      { account: "fx_clearing", direction: "CREDIT", amountMinor: 5_500n },
    ]);
  });

  it("charges partial refunds together what one refund of their total costs: one minor unit at a time is not free", () => {
    // 1 fils at 3.25 USD per KWD is 0.325 cents: rounded alone, 0 each time.
    const fx = {
      settlementCurrency: c("USD"),
      capturedAt: { numerator: 13n, denominator: 4n },
      today: rate("KWD", "USD", "3.25"),
    };
    let charged = 0n;
    for (let before = 0n; before < 1_000n; before++) {
      const { conversion } = refundConversion({
        amountMinor: 1n,
        currency: c("KWD"),
        fx,
        refundedBeforeMinor: before,
      });
      charged += conversion.originalSettlementMinor ?? 0n;
    }
    expect(charged).toBe(325n);
  });

  it("books a gain when the currency fell, and nothing extra at the same rate", () => {
    const fell = refundConversion({
      amountMinor: 5_000n,
      currency: c("EUR"),
      fx: { settlementCurrency: c("USD"), capturedAt, today: rate("EUR", "USD", "1.05") },
      refundedBeforeMinor: 0n,
    });
    expect(fell.conversion.gainLossMinor).toBe(171n);
    expect(fell.conversion.settlementEntry?.lines).toContainEqual({
      account: "fx_gain_loss",
      direction: "CREDIT",
      amountMinor: 171n,
    });
    const same = refundConversion({
      amountMinor: 5_000n,
      currency: c("EUR"),
      fx: { settlementCurrency: c("USD"), capturedAt, today: rate("EUR", "USD", "1.0842") },
      refundedBeforeMinor: 0n,
    });
    expect(same.conversion.gainLossMinor).toBe(0n);
    expect(same.conversion.settlementEntry?.lines).toHaveLength(2);
  });
});

describe("disputeConversion", () => {
  const capturedAt = { numerator: 5421n, denominator: 5000n }; // 1.0842

  it("withdraws the amount and fee at the captured rate; the platform books the difference to today's rate", () => {
    // 40.00 EUR disputed with a 15.00 EUR fee: the merchant bears 55.00 EUR at 1.0842 = 59.63 USD; at 1.10 it is
    // 60.50 USD that actually leaves: a loss of 0.87 USD.
    const { sourceEntry, conversion } = disputeConversion({
      movement: "withdrawal",
      amountMinor: 4_000n,
      feeMinor: 1_500n,
      currency: c("EUR"),
      fx: { settlementCurrency: c("USD"), capturedAt, today: rate("EUR", "USD", "1.1000") },
    });
    expect(sourceEntry).toEqual({
      kind: "dispute.funds_withdrawn",
      currency: "EUR",
      lines: [
        { account: "fx_clearing", direction: "DEBIT", amountMinor: 5_500n },
        { account: "psp_receivable", direction: "CREDIT", amountMinor: 4_000n },
        { account: "fee_revenue", direction: "CREDIT", amountMinor: 1_500n },
      ],
    });
    expect(conversion).toMatchObject({
      kind: "DISPUTE",
      sourceMinor: 5_500n,
      originalSettlementMinor: 5_963n,
      settlementMinor: 6_050n,
      gainLossMinor: -87n,
    });
    expect(conversion.settlementEntry).toEqual({
      kind: "fx.dispute_conversion",
      currency: "USD",
      lines: [
        { account: "merchant_balance", direction: "DEBIT", amountMinor: 5_963n },
        { account: "fx_clearing", direction: "CREDIT", amountMinor: 6_050n },
        { account: "fx_gain_loss", direction: "DEBIT", amountMinor: 87n },
      ],
    });
  });

  it("a won dispute gives the amount back at the captured rate, never the fee, and the platform keeps a rise", () => {
    const { sourceEntry, conversion } = disputeConversion({
      movement: "reinstatement",
      amountMinor: 4_000n,
      feeMinor: 0n,
      currency: c("EUR"),
      fx: { settlementCurrency: c("USD"), capturedAt, today: rate("EUR", "USD", "1.1000") },
    });
    expect(sourceEntry.lines).toEqual([
      { account: "psp_receivable", direction: "DEBIT", amountMinor: 4_000n },
      { account: "fx_clearing", direction: "CREDIT", amountMinor: 4_000n },
    ]);
    // 40.00 EUR at 1.0842 = 43.37 USD back to the merchant (half to even of 43.368); 44.00 USD came in.
    expect(conversion).toMatchObject({
      kind: "DISPUTE_REVERSAL",
      originalSettlementMinor: 4_337n,
      settlementMinor: 4_400n,
      gainLossMinor: 63n,
    });
    expect(conversion.settlementEntry).toEqual({
      kind: "fx.dispute_reversal_conversion",
      currency: "USD",
      lines: [
        { account: "merchant_balance", direction: "CREDIT", amountMinor: 4_337n },
        { account: "fx_clearing", direction: "DEBIT", amountMinor: 4_400n },
        { account: "fx_gain_loss", direction: "CREDIT", amountMinor: 63n },
      ],
    });
    expect(() =>
      disputeConversion({
        movement: "reinstatement",
        amountMinor: 4_000n,
        feeMinor: 1n,
        currency: c("EUR"),
        fx: { settlementCurrency: c("USD"), capturedAt, today: rate("EUR", "USD", "1.1") },
      }),
    ).toThrow(/returns no fee/);
  });
});
