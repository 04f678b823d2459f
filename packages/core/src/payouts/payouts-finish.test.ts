// The pure parts of finished payouts: the bank account verification table, micro-deposit amounts and their
// check, the reserve arithmetic and postings (each balanced), and schedule validation and run times.
import { describe, expect, it } from "vitest";
import { isDomainError } from "../errors/domain-error";
import { assertBalanced } from "../ledger/postings";
import type { CurrencyCode } from "../money/currency";
import {
  BANK_ACCOUNT_STATUSES,
  bankAccountTransition,
  bankAccountTransitionEdges,
} from "./bank-account-state-machine";
import {
  decodeMicroDeposits,
  encodeMicroDeposits,
  microDepositPosting,
  microDepositsMatch,
  parseConfirmedAmounts,
  randomMicroDeposits,
} from "./micro-deposits";
import { nextRun, parseScheduleInput } from "./payout-schedule";
import {
  fixedReserveChangePosting,
  parseReservePolicy,
  reserveHoldPosting,
  reserveReleasePosting,
  rollingHoldMinor,
} from "./reserves";

const EUR = "EUR" as CurrencyCode;

function codeOf(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (error) {
    return isDomainError(error) ? error.code : `not a domain error: ${String(error)}`;
  }
}

describe("bank account state machine", () => {
  it("has exactly the documented edges, and the final statuses have none", () => {
    expect(bankAccountTransitionEdges().sort()).toEqual([
      ["PENDING_VERIFICATION", "VERIFICATION_FAILED"],
      ["PENDING_VERIFICATION", "VERIFIED"],
    ]);
    for (const status of BANK_ACCOUNT_STATUSES.filter((s) => s !== "PENDING_VERIFICATION")) {
      expect(bankAccountTransition(status, "CONFIRMED")).toBeNull();
      expect(bankAccountTransition(status, "LOCKED")).toBeNull();
    }
  });
});

describe("micro-deposits", () => {
  it("are two different amounts from 1 to 99, and survive encoding", () => {
    for (let i = 0; i < 200; i++) {
      const amounts = randomMicroDeposits();
      expect(amounts[0]).not.toBe(amounts[1]);
      for (const amount of amounts) {
        expect(amount >= 1n && amount <= 99n).toBe(true);
      }
      expect(decodeMicroDeposits(encodeMicroDeposits(amounts))).toEqual(amounts);
    }
  });

  it("match in either order, and only the sent pair", () => {
    expect(microDepositsMatch([32n, 45n], [45n, 32n])).toBe(true);
    expect(microDepositsMatch([32n, 45n], [32n, 45n])).toBe(true);
    expect(microDepositsMatch([32n, 45n], [32n, 32n])).toBe(false);
    expect(microDepositsMatch([32n, 45n], [33n, 45n])).toBe(false);
  });

  it.each([
    [["32"], "INVALID_INPUT"],
    [["32", "45", "1"], "INVALID_INPUT"],
    [["32", "100"], "INVALID_INPUT"],
    [["-1", "45"], "AMOUNT_INVALID"],
    [["3.2", "45"], "AMOUNT_INVALID"],
  ])("refuses confirmed amounts %j with %s", (amounts, code) => {
    expect(codeOf(() => parseConfirmedAmounts(amounts))).toBe(code);
  });

  it("cost the platform: a balanced entry from verification_expense to payout_bank", () => {
    const entry = microDepositPosting({ amounts: [32n, 45n], currency: EUR });
    expect(() => assertBalanced(entry)).not.toThrow();
    expect(entry.lines).toEqual([
      { account: "verification_expense", direction: "DEBIT", amountMinor: 77n },
      { account: "payout_bank", direction: "CREDIT", amountMinor: 77n },
    ]);
  });
});

describe("reserves", () => {
  it.each([
    [10_000n, 1_000, 1_000n],
    [9_999n, 1_000, 999n],
    [1n, 5_000, 0n],
    [12_345n, 0, 0n],
    [10n ** 15n, 5_000, 5n * 10n ** 14n],
  ])("a rolling reserve holds floor(%s × %s bps)", (amount, bps, held) => {
    expect(rollingHoldMinor(amount, bps)).toBe(held);
  });

  it("moves funds between available and reserved, balanced both ways", () => {
    const hold = reserveHoldPosting({ amountMinor: 500n, currency: EUR });
    const release = reserveReleasePosting({ amountMinor: 500n, currency: EUR });
    expect(hold.lines).toEqual([
      { account: "merchant_balance", direction: "DEBIT", amountMinor: 500n },
      { account: "merchant_reserved", direction: "CREDIT", amountMinor: 500n },
    ]);
    expect(release.lines).toEqual([
      { account: "merchant_reserved", direction: "DEBIT", amountMinor: 500n },
      { account: "merchant_balance", direction: "CREDIT", amountMinor: 500n },
    ]);
  });

  it("changes a fixed reserve by its difference", () => {
    expect(fixedReserveChangePosting({ fromMinor: 100n, toMinor: 100n, currency: EUR })).toBeNull();
    expect(fixedReserveChangePosting({ fromMinor: 0n, toMinor: 300n, currency: EUR })?.kind).toBe(
      "reserve.held",
    );
    const lowered = fixedReserveChangePosting({ fromMinor: 300n, toMinor: 100n, currency: EUR });
    expect(lowered?.kind).toBe("reserve.released");
    expect(lowered?.lines[0]?.amountMinor).toBe(200n);
  });

  it.each([
    [{ rollingBps: -1, rollingDays: 0, fixed: "0" }, "INVALID_INPUT"],
    [{ rollingBps: 5_001, rollingDays: 30, fixed: "0" }, "INVALID_INPUT"],
    [{ rollingBps: 100, rollingDays: 0, fixed: "0" }, "INVALID_INPUT"],
    [{ rollingBps: 0, rollingDays: 7, fixed: "0" }, "INVALID_INPUT"],
    [{ rollingBps: 100, rollingDays: 181, fixed: "0" }, "INVALID_INPUT"],
    [{ rollingBps: 100, rollingDays: 7, fixed: "-5" }, "AMOUNT_INVALID"],
    [{ rollingBps: 100, rollingDays: 7, fixed: "99999999999999999" }, "AMOUNT_TOO_LARGE"],
    [{ rollingBps: 1.5, rollingDays: 7, fixed: "0" }, "INVALID_INPUT"],
  ])("refuses the policy %j with %s", (input, code) => {
    expect(codeOf(() => parseReservePolicy(EUR, input))).toBe(code);
  });

  it("accepts a rolling and fixed reserve", () => {
    expect(parseReservePolicy(EUR, { rollingBps: 1_000, rollingDays: 7, fixed: "5000" })).toEqual({
      currency: EUR,
      rollingBps: 1_000,
      rollingDays: 7,
      fixedMinor: 5_000n,
    });
  });
});

describe("payout schedules", () => {
  const base = { currency: "EUR", interval: "DAILY", delayDays: 0, minimum: "0" };

  it.each([
    [{ ...base, currency: "EURO" }, "CURRENCY_INVALID"],
    [{ ...base, interval: "HOURLY" }, "INVALID_INPUT"],
    [{ ...base, delayDays: 31 }, "INVALID_INPUT"],
    [{ ...base, delayDays: -1 }, "INVALID_INPUT"],
    [{ ...base, minimum: "-1" }, "AMOUNT_INVALID"],
    [{ ...base, interval: "WEEKLY", weeklyAnchor: 8 }, "INVALID_INPUT"],
    [{ ...base, weeklyAnchor: 2 }, "INVALID_INPUT"],
    [{ ...base, interval: "MONTHLY", monthlyAnchor: 0 }, "INVALID_INPUT"],
    [{ ...base, interval: "MONTHLY", monthlyAnchor: 32 }, "INVALID_INPUT"],
    [{ ...base, monthlyAnchor: 15 }, "INVALID_INPUT"],
  ])("refuses %j with %s", (input, code) => {
    expect(codeOf(() => parseScheduleInput(input))).toBe(code);
  });

  const timing = { delayDays: 0, weeklyAnchor: 1, monthlyAnchor: 1 };
  // A Wednesday.
  const now = new Date("2026-12-09T10:30:00Z");

  it.each([
    ["DAILY", {}, "2026-12-10T00:00:00.000Z"],
    ["DAILY", { delayDays: 2 }, "2026-12-11T00:00:00.000Z"],
    ["WEEKLY", {}, "2026-12-14T00:00:00.000Z"],
    ["WEEKLY", { weeklyAnchor: 5 }, "2026-12-11T00:00:00.000Z"],
    ["WEEKLY", { weeklyAnchor: 3 }, "2026-12-16T00:00:00.000Z"],
    ["MONTHLY", {}, "2027-01-01T00:00:00.000Z"],
    ["MONTHLY", { monthlyAnchor: 15 }, "2026-12-15T00:00:00.000Z"],
    ["MONTHLY", { monthlyAnchor: 9, delayDays: 1 }, "2026-12-10T00:00:00.000Z"],
  ] as const)("%s %j runs next at %s", (interval, extra, expected) => {
    expect(nextRun({ ...timing, interval, ...extra }, now).toISOString()).toBe(expected);
  });

  it("runs a monthly anchor past the month's end on its last day", () => {
    const january = new Date("2027-01-31T12:00:00Z");
    expect(nextRun({ ...timing, interval: "MONTHLY", monthlyAnchor: 31 }, january).toISOString()).toBe(
      "2027-02-28T00:00:00.000Z",
    );
  });
});
