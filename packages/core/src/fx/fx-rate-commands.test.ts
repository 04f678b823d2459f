import { describe, expect, it } from "vitest";
import type { AuditDraft } from "../ports/audit";
import type { FxRateBatch, FxRateStore } from "../ports/fx-rate-store";
import { FxRateCommands, parseAsOf, type RawRateRow, validateRateRows } from "./fx-rate-commands";

const NOW = new Date("2026-12-05T12:00:00Z");
const row = (line: number, base: string, quote: string, rate: string, asOf = "2026-12-04"): RawRateRow => ({
  line,
  base,
  quote,
  rate,
  asOf,
});

describe("validateRateRows", () => {
  it("reads rates exactly with their dates", () => {
    const [first, second] = validateRateRows(
      [row(2, "EUR", "USD", "1.0842"), row(3, "USD", "JPY", "149.83", "2026-12-04T16:00:00Z")],
      NOW,
    );
    expect(first).toMatchObject({ line: 2, base: "EUR", quote: "USD", numerator: 5421n, denominator: 5000n });
    expect(first?.asOf).toEqual(new Date("2026-12-04T00:00:00Z"));
    expect(second?.asOf).toEqual(new Date("2026-12-04T16:00:00Z"));
  });

  it.each([
    [row(7, "EUR", "usd", "1.1"), 'line 7: quote "usd" is not an ISO 4217 currency'],
    [row(7, "XXX", "USD", "1.1"), 'line 7: base "XXX" is not an ISO 4217 currency'],
    [row(7, "EUR", "EUR", "1"), "line 7: base and quote are the same currency"],
    [row(7, "EUR", "USD", "-1.1"), 'line 7: rate "-1.1" is not a positive decimal'],
    [row(7, "EUR", "USD", "0"), 'line 7: rate "0" is not a positive decimal'],
    [row(7, "EUR", "USD", "1.1e3"), 'line 7: rate "1.1e3" is not a positive decimal'],
    [row(7, "EUR", "USD", "1.1", "2026-02-30"), 'line 7: date "2026-02-30" is not YYYY-MM-DD'],
    [row(7, "EUR", "USD", "1.1", "04/12/2026"), 'line 7: date "04/12/2026" is not YYYY-MM-DD'],
    [row(7, "EUR", "USD", "1.1", "2027-01-01"), "line 7: date 2027-01-01 is in the future"],
  ])("refuses %o", (bad, message) => {
    expect(() => validateRateRows([row(2, "EUR", "GBP", "0.85"), bad], NOW)).toThrow(
      expect.objectContaining({ code: "FX_RATES_FILE_INVALID", message: expect.stringContaining(message) }),
    );
  });

  it("refuses an empty file and a pair twice on one date", () => {
    expect(() => validateRateRows([], NOW)).toThrow(/no rates/);
    expect(() => validateRateRows([row(2, "EUR", "USD", "1.1"), row(3, "EUR", "USD", "1.1")], NOW)).toThrow(
      /line 3: EUR\/USD on 2026-12-04 appears twice/,
    );
  });

  it("parses dates strictly", () => {
    expect(parseAsOf("2026-12-04")).toEqual(new Date("2026-12-04T00:00:00Z"));
    expect(parseAsOf("2026-12-04T16:00:00+01:00")).toEqual(new Date("2026-12-04T15:00:00Z"));
    expect(parseAsOf("2026-12-04 16:00")).toBeNull();
  });
});

describe("FxRateCommands.importRates", () => {
  it("stores every row with an audit draft, or writes nothing for a bad file", async () => {
    const calls: Array<{ batch: FxRateBatch; audit: AuditDraft }> = [];
    const store: FxRateStore = {
      async importRates(batch, audit) {
        calls.push({ batch, audit });
        return {
          batchId: batch.id,
          source: batch.source,
          inserted: batch.rows.length,
          unchanged: 0,
          latestAsOf: null,
        };
      },
      async latestRatesFor() {
        return [];
      },
    };
    const commands = new FxRateCommands({ store, now: () => NOW, newId: () => "fxi_1" });
    const actor = { operatorId: null, name: "cli:test" };
    await expect(
      commands.importRates(actor, {
        source: "CSV",
        rows: [row(2, "EUR", "USD", "1.1"), row(3, "EUR", "JPY", "abc")],
      }),
    ).rejects.toThrow(/line 3/);
    expect(calls).toHaveLength(0);
    const result = await commands.importRates(actor, { source: "CSV", rows: [row(2, "EUR", "USD", "1.1")] });
    expect(result.inserted).toBe(1);
    expect(calls[0]?.audit).toMatchObject({
      action: "fx.rates_imported",
      targetId: "fxi_1",
      after: { rates: 1 },
    });
  });
});
