// Goal: the matcher's result depends on the lines, never on their order or on how the file was split, and the
// totals always tie out (gross − fee = net per currency).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CurrencyCode } from "../money/currency";
import {
  DEFAULT_PSP_FEE_SCHEDULES,
  type ExpectedSettlement,
  type LineOutcome,
  matchSettlementLines,
  settlementTotals,
} from "./matching";
import { aLine, anExpected } from "./reconciliation-fixtures";
import type { SettlementLine } from "./settlement-line";

const perturbation = fc.constantFrom(
  "exact",
  "amount",
  "fee",
  "currency",
  "unknown",
  "duplicate",
  "chargeback",
  "dropped",
);

/** A day: expected items, and the lines a PSP might write for them with injected differences. */
const day = fc
  .array(fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 9n }), fc.boolean(), perturbation), {
    minLength: 1,
    maxLength: 30,
  })
  .map((specs) => {
    const expected: ExpectedSettlement[] = [];
    const lines: SettlementLine[] = [];
    specs.forEach(([amountMinor, isRefund, kind], index) => {
      const id = `item_${index.toString(36).padStart(3, "0")}`;
      const item = anExpected({
        id,
        kind: isRefund ? "REFUND" : "CAPTURE",
        paymentId: `pay_${id}`,
        pspReference: `psp_${id}`,
        modificationReference: `mod_${id}`,
        amountMinor,
      });
      expected.push(item);
      if (kind === "dropped") return;
      const grossMinor = (isRefund ? -1n : 1n) * (kind === "amount" ? amountMinor + 1n : amountMinor);
      const base = aLine({
        lineKey: `line_${id}`,
        lineNumber: index * 2 + 2,
        type: kind === "chargeback" ? "CHARGEBACK" : isRefund ? "REFUND" : "CAPTURE",
        pspReference: kind === "unknown" ? `psp_other_${id}` : item.pspReference,
        modificationReference: kind === "unknown" ? `mod_other_${id}` : item.modificationReference,
        currency: (kind === "currency" ? "EUR" : "USD") as CurrencyCode,
        grossMinor,
        feeMinor: kind === "fee" ? 1n : 0n,
      });
      lines.push(base);
      if (kind === "duplicate") lines.push({ ...base, lineNumber: index * 2 + 3 });
    });
    return { expected, lines };
  });

function canonical(outcomes: LineOutcome[]) {
  return outcomes.map((o) => `${o.lineKey}|${o.category}|${o.expectedId}|${o.differenceMinor}`).sort();
}

function run(lines: SettlementLine[], expected: ExpectedSettlement[], seen: Set<string> = new Set()) {
  return matchSettlementLines({
    lines,
    expected,
    seenLineKeys: seen,
    feeSchedules: DEFAULT_PSP_FEE_SCHEDULES,
  });
}

describe("matchSettlementLines (properties)", () => {
  it("any order of the lines gives the same result", () => {
    fc.assert(
      fc.property(day, fc.infiniteStream(fc.integer()), ({ expected, lines }, randoms) => {
        const shuffled = lines
          .map((line) => ({ line, key: randoms.next().value }))
          .sort((a, b) => a.key - b.key)
          .map(({ line }) => line);
        expect(run(shuffled, [...expected].reverse()).lines).toEqual(run(lines, expected).lines);
      }),
    );
  });

  it("the file split in two gives the same categories as the whole", () => {
    fc.assert(
      fc.property(
        day,
        fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
        ({ expected, lines }, sides) => {
          const first = lines.filter((_, index) => sides[index % 64]);
          const second = lines.filter((_, index) => !sides[index % 64]);
          const one = run(first, expected);
          const matched = new Set(one.matchedExpectedIds);
          const two = run(
            second,
            expected.filter((item) => !matched.has(item.id)),
            new Set(first.map((line) => line.lineKey)),
          );
          expect(canonical([...one.lines, ...two.lines])).toEqual(canonical(run(lines, expected).lines));
        },
      ),
    );
  });

  it("every line gets exactly one outcome, and the totals tie out", () => {
    fc.assert(
      fc.property(day, ({ expected, lines }) => {
        const result = run(lines, expected);
        expect(result.lines.map((o) => o.lineNumber).sort((a, b) => a - b)).toEqual(
          lines.map((line) => line.lineNumber).sort((a, b) => a - b),
        );
        for (const total of settlementTotals(lines, result.lines).values()) {
          expect(total.grossMinor - total.feeMinor).toBe(total.netMinor);
        }
      }),
    );
  });
});
