// Goal: every settlement posting balances, clears the receivable by exactly what it held, pays the bank the net
// and books the PSP's fee as our expense; fee-only rows split over merchants to the last minor unit.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CurrencyCode } from "../money/currency";
import { allocateFee, combineSettlementEntries, settlementPosting } from "./settlement-posting";

const USD = "USD" as CurrencyCode;

describe("settlementPosting", () => {
  it("a settled capture: bank net, fees fee, receivable gross", () => {
    expect(settlementPosting({ currency: USD, grossMinor: 2000n, feeMinor: 12n, netMinor: 1988n })).toEqual({
      kind: "settlement.line",
      currency: USD,
      lines: [
        { account: "bank_cash", direction: "DEBIT", amountMinor: 1988n },
        { account: "psp_fees", direction: "DEBIT", amountMinor: 12n },
        { account: "psp_receivable", direction: "CREDIT", amountMinor: 2000n },
      ],
    });
  });

  it("a settled refund takes the bank down and gives the receivable back", () => {
    expect(
      settlementPosting({ currency: USD, grossMinor: -500n, feeMinor: 0n, netMinor: -500n })?.lines,
    ).toEqual([
      { account: "bank_cash", direction: "CREDIT", amountMinor: 500n },
      { account: "psp_receivable", direction: "DEBIT", amountMinor: 500n },
    ]);
  });

  it("a fee-only row moves the fee from the bank to psp_fees", () => {
    expect(
      settlementPosting({ currency: USD, grossMinor: 0n, feeMinor: 33n, netMinor: -33n })?.lines,
    ).toEqual([
      { account: "bank_cash", direction: "CREDIT", amountMinor: 33n },
      { account: "psp_fees", direction: "DEBIT", amountMinor: 33n },
    ]);
  });

  it("an accepted short payment clears what we held and books the difference as an adjustment", () => {
    const entry = settlementPosting({
      currency: USD,
      grossMinor: 990n,
      feeMinor: 10n,
      netMinor: 980n,
      clearedMinor: 1000n,
    });
    expect(entry?.kind).toBe("settlement.adjustment");
    expect(entry?.lines).toContainEqual({
      account: "recon_adjustments",
      direction: "DEBIT",
      amountMinor: 10n,
    });
    expect(entry?.lines).toContainEqual({
      account: "psp_receivable",
      direction: "CREDIT",
      amountMinor: 1000n,
    });
  });

  it("refuses a line whose gross − fee is not net", () => {
    expect(() =>
      settlementPosting({ currency: USD, grossMinor: 100n, feeMinor: 1n, netMinor: 100n }),
    ).toThrow();
  });

  it("always balances and clears exactly clearedMinor (property)", () => {
    const amount = fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n });
    fc.assert(
      fc.property(amount, amount, amount, (grossMinor, feeMinor, clearedMinor) => {
        const entry = settlementPosting({
          currency: USD,
          grossMinor,
          feeMinor,
          netMinor: grossMinor - feeMinor,
          clearedMinor,
        });
        if (entry === null) return;
        let balance = 0n;
        let receivable = 0n;
        for (const line of entry.lines) {
          const signed = line.direction === "DEBIT" ? line.amountMinor : -line.amountMinor;
          balance += signed;
          if (line.account === "psp_receivable") receivable += signed;
        }
        expect(balance).toBe(0n);
        expect(receivable).toBe(-clearedMinor);
      }),
    );
  });
});

describe("combineSettlementEntries", () => {
  const settled = (grossMinor: bigint, feeMinor: bigint, clearedMinor?: bigint) => {
    const entry = settlementPosting({
      currency: USD,
      grossMinor,
      feeMinor,
      netMinor: grossMinor - feeMinor,
      ...(clearedMinor === undefined ? {} : { clearedMinor }),
    });
    if (entry === null) throw new Error("a test line must move something");
    return entry;
  };

  it("keeps a receivable line per settled line and sums bank, fees and adjustments", () => {
    expect(
      combineSettlementEntries([settled(2000n, 12n), settled(-500n, 0n), settled(990n, 10n, 1000n)]),
    ).toEqual({
      kind: "settlement.chunk",
      currency: USD,
      lines: [
        { account: "bank_cash", direction: "DEBIT", amountMinor: 1988n - 500n + 980n },
        { account: "psp_fees", direction: "DEBIT", amountMinor: 22n },
        { account: "recon_adjustments", direction: "DEBIT", amountMinor: 10n },
        { account: "psp_receivable", direction: "CREDIT", amountMinor: 2000n },
        { account: "psp_receivable", direction: "DEBIT", amountMinor: 500n },
        { account: "psp_receivable", direction: "CREDIT", amountMinor: 1000n },
      ],
    });
  });

  it("is null with nothing to combine", () => {
    expect(combineSettlementEntries([])).toBeNull();
  });

  it("balances, clears each line's amount and moves the bank and fees as the parts do (property)", () => {
    const amount = fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n });
    fc.assert(
      fc.property(fc.array(fc.tuple(amount, amount, amount), { maxLength: 30 }), (parts) => {
        const entries = parts.flatMap(([grossMinor, feeMinor, clearedMinor]) => {
          const entry = settlementPosting({
            currency: USD,
            grossMinor,
            feeMinor,
            netMinor: grossMinor - feeMinor,
            clearedMinor,
          });
          return entry === null ? [] : [entry];
        });
        const signedSums = (
          lines: ReadonlyArray<{ account: string; direction: string; amountMinor: bigint }>,
        ) => {
          const sums = new Map<string, bigint>();
          for (const line of lines)
            sums.set(
              line.account,
              (sums.get(line.account) ?? 0n) +
                (line.direction === "DEBIT" ? line.amountMinor : -line.amountMinor),
            );
          return sums;
        };
        const combined = combineSettlementEntries(entries);
        const expected = signedSums(entries.flatMap((entry) => entry.lines));
        if (combined === null) {
          for (const sum of expected.values()) expect(sum).toBe(0n);
          return;
        }
        const actual = signedSums(combined.lines);
        for (const account of ["bank_cash", "psp_fees", "recon_adjustments", "psp_receivable"])
          expect(actual.get(account) ?? 0n).toBe(expected.get(account) ?? 0n);
        expect(combined.lines.filter((line) => line.account === "psp_receivable")).toEqual(
          entries.flatMap((entry) => entry.lines.filter((line) => line.account === "psp_receivable")),
        );
        expect([...actual.values()].reduce((sum, value) => sum + value, 0n)).toBe(0n);
      }),
    );
  });
});

describe("allocateFee", () => {
  it("splits by line count, largest remainder, summing exactly", () => {
    expect(
      allocateFee(
        100n,
        new Map([
          ["mer_b", 1],
          ["mer_a", 2],
        ]),
      ),
    ).toEqual(
      new Map([
        ["mer_a", 67n],
        ["mer_b", 33n],
      ]),
    );
  });

  it("sums to the fee whatever the counts (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 20 }),
        (feeMinor, counts) => {
          const parts = allocateFee(feeMinor, new Map(counts.map((count, index) => [`mer_${index}`, count])));
          expect([...parts.values()].reduce((sum, part) => sum + part, 0n)).toBe(feeMinor);
        },
      ),
    );
  });
});
