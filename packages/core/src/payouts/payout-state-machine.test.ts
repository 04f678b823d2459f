// The payout state table: every edge, the final statuses, and the paths a bank's word takes.
import { describe, expect, it } from "vitest";
import {
  isPayoutFinal,
  PAYOUT_STATUSES,
  payoutPathTo,
  payoutTransition,
  payoutTransitionEdges,
} from "./payout-state-machine";

describe("payout state machine", () => {
  it("has exactly the documented edges", () => {
    expect(payoutTransitionEdges().sort()).toEqual(
      [
        ["IN_TRANSIT", "FAILED"],
        ["IN_TRANSIT", "PAID"],
        ["PAID", "RETURNED"],
        ["PENDING", "CANCELED"],
        ["PENDING", "FAILED"],
        ["PENDING", "IN_TRANSIT"],
      ].sort(),
    );
  });

  it("refuses what the table lacks", () => {
    expect(payoutTransition("PAID", "FAILED")).toBeNull();
    expect(payoutTransition("IN_TRANSIT", "CANCELED")).toBeNull();
    expect(payoutTransition("FAILED", "SENT")).toBeNull();
    expect(payoutTransition("RETURNED", "PAID")).toBeNull();
    expect(payoutTransition("PENDING", "PAID")).toBeNull();
  });

  it("knows the final statuses", () => {
    expect(PAYOUT_STATUSES.filter(isPayoutFinal)).toEqual(["FAILED", "CANCELED", "RETURNED"]);
  });

  it.each([
    ["PENDING", "PAID", ["SENT", "PAID"]],
    ["IN_TRANSIT", "PAID", ["PAID"]],
    ["PAID", "PAID", []],
    ["PENDING", "RETURNED", ["SENT", "PAID", "RETURNED"]],
    ["IN_TRANSIT", "RETURNED", ["PAID", "RETURNED"]],
    ["PENDING", "FAILED", ["FAILED"]],
    ["IN_TRANSIT", "FAILED", ["FAILED"]],
    ["FAILED", "PAID", null],
    ["PAID", "FAILED", null],
    ["CANCELED", "IN_TRANSIT", null],
    ["RETURNED", "PAID", null],
  ] as const)("walks %s to %s as %j", (from, target, path) => {
    expect(payoutPathTo(from, target)).toEqual(path);
  });
});
