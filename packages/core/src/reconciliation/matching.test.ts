// Goal: each kind of difference between a PSP's line and our record lands in its one category, with the right
// difference and the automatic action the rules allow.
import { describe, expect, it } from "vitest";
import type { CurrencyCode } from "../money/currency";
import {
  autoResolution,
  DEFAULT_PSP_FEE_SCHEDULES,
  type ExpectedSettlement,
  matchSettlementLines,
  missingExternal,
  settlementTotals,
} from "./matching";
import { aLine, anExpected } from "./reconciliation-fixtures";
import type { SettlementLine } from "./settlement-line";

function categoryOf(line: SettlementLine, expected: ExpectedSettlement[], seen: string[] = []) {
  const result = matchSettlementLines({
    lines: [line],
    expected,
    seenLineKeys: new Set(seen),
    feeSchedules: DEFAULT_PSP_FEE_SCHEDULES,
  });
  return result.lines[0];
}

describe("matchSettlementLines", () => {
  it.each([
    ["MATCHED", aLine(), [anExpected()], 0n],
    ["AMOUNT_MISMATCH", aLine({ grossMinor: 1990n, feeMinor: 12n }), [anExpected()], -10n],
    ["CURRENCY_MISMATCH", aLine({ currency: "EUR" as CurrencyCode }), [anExpected()], 0n],
    ["STATUS_MISMATCH", aLine(), [anExpected({ state: "IN_FLIGHT" })], 0n],
    ["STATUS_MISMATCH", aLine(), [anExpected({ state: "FAILED" })], 0n],
    ["FEE_MISMATCH", aLine({ feeMinor: 20n }), [anExpected()], 8n],
    ["MISSING_INTERNAL", aLine(), [], 0n],
    // A chargeback row goes to the dispute model (after the import), never to a capture or refund.
    [
      "MATCHED",
      aLine({ type: "CHARGEBACK", rawType: "Chargeback", grossMinor: -2000n, feeMinor: 0n }),
      [anExpected()],
      0n,
    ],
    [
      "UNSUPPORTED_TYPE",
      aLine({ type: "PAYOUT", rawType: "MerchantPayout", grossMinor: -2000n, feeMinor: 0n }),
      [anExpected()],
      0n,
    ],
    [
      "MATCHED",
      aLine({
        type: "FEE",
        rawType: "Fee",
        grossMinor: 0n,
        feeMinor: 33n,
        pspReference: null,
        modificationReference: null,
      }),
      [],
      0n,
    ],
  ] as [string, SettlementLine, ExpectedSettlement[], bigint][])(
    "%s",
    (category, line, expected, difference) => {
      expect(categoryOf(line, expected)).toMatchObject({ category, differenceMinor: difference });
    },
  );

  it("a line seen in an earlier file is a DUPLICATE", () => {
    expect(categoryOf(aLine(), [anExpected()], [aLine().lineKey])?.category).toBe("DUPLICATE");
  });

  it("the same line twice in one file: one settles, the other is a DUPLICATE", () => {
    const result = matchSettlementLines({
      lines: [aLine({ lineNumber: 3 }), aLine({ lineNumber: 2 })],
      expected: [anExpected()],
      seenLineKeys: new Set(),
      feeSchedules: DEFAULT_PSP_FEE_SCHEDULES,
    });
    expect(result.lines.map((l) => [l.lineNumber, l.category])).toEqual([
      [2, "MATCHED"],
      [3, "DUPLICATE"],
    ]);
  });

  it("1:N: two captures of one payment settle by their own references, or by amount without them", () => {
    const expected = [
      anExpected({ id: "att_1", modificationReference: null, amountMinor: 500n }),
      anExpected({ id: "att_2", modificationReference: null, amountMinor: 1500n }),
    ];
    const result = matchSettlementLines({
      lines: [
        aLine({ lineKey: "k1", modificationReference: "x1", grossMinor: 1500n, feeMinor: 9n }),
        aLine({ lineKey: "k2", modificationReference: "x2", grossMinor: 500n, feeMinor: 3n }),
      ],
      expected,
      seenLineKeys: new Set(),
      feeSchedules: DEFAULT_PSP_FEE_SCHEDULES,
    });
    expect(result.lines.map((l) => [l.lineKey, l.expectedId, l.category])).toEqual([
      ["k1", "att_2", "MATCHED"],
      ["k2", "att_1", "MATCHED"],
    ]);
  });

  it("a refund line settles the refund, not the capture", () => {
    const refund = anExpected({
      id: "re_1",
      kind: "REFUND",
      modificationReference: "mod_r",
      amountMinor: 700n,
    });
    const line = aLine({
      type: "REFUND",
      rawType: "Refunded",
      modificationReference: "mod_r",
      grossMinor: -700n,
      feeMinor: 0n,
    });
    expect(categoryOf(line, [anExpected(), refund])).toMatchObject({
      category: "MATCHED",
      expectedId: "re_1",
    });
  });
});

describe("missingExternal and totals", () => {
  it("an unmatched capture is missing only once it is due", () => {
    const item = anExpected();
    expect(missingExternal([item], new Date("2026-03-15T23:59:59Z"))).toEqual([]);
    expect(missingExternal([item], new Date("2026-03-16T00:00:00Z"))).toEqual([item]);
  });

  it("duplicates do not count in the totals", () => {
    const lines = [aLine({ lineNumber: 2 }), aLine({ lineNumber: 3 })];
    const result = matchSettlementLines({
      lines,
      expected: [],
      seenLineKeys: new Set(),
      feeSchedules: DEFAULT_PSP_FEE_SCHEDULES,
    });
    expect(settlementTotals(lines, result.lines).get("USD" as CurrencyCode)).toEqual({
      grossMinor: 2000n,
      feeMinor: 12n,
      netMinor: 1988n,
    });
  });
});

describe("autoResolution", () => {
  const outcome = { lineKey: "k", lineNumber: 2, expectedId: "att_a" };
  it.each([
    ["MATCHED", 0n, "SUCCEEDED", "settled.matched"],
    ["FEE_MISMATCH", 3n, "SUCCEEDED", "fee.differs"],
    ["STATUS_MISMATCH", 0n, "IN_FLIGHT", "settled.confirms_in_flight"],
    ["STATUS_MISMATCH", 0n, "FAILED", "operator"],
    ["AMOUNT_MISMATCH", -5n, "SUCCEEDED", "amount.within_tolerance"],
    ["AMOUNT_MISMATCH", -6n, "SUCCEEDED", "operator"],
    ["DUPLICATE", 0n, "SUCCEEDED", "duplicate.ignored"],
    ["MISSING_INTERNAL", 0n, "SUCCEEDED", "operator"],
  ] as const)("%s (%s, %s) → %s", (category, differenceMinor, state, rule) => {
    expect(autoResolution({ ...outcome, category, differenceMinor }, anExpected({ state }), 5n).rule).toBe(
      rule,
    );
  });
});
