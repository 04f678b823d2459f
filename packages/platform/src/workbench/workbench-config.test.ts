// Goal: the workbench's settings read from the environment: authorization windows per card brand (7 days by
// default), refused when malformed or outside what card networks allow, never silently ignored.
import { describe, expect, it } from "vitest";
import { parseBrandWindows, workbenchConfigFromEnv } from "./workbench-config";

const ENV = {
  AUTHORIZATION_WINDOW_DAYS: 7,
  LEDGER_ADJUSTMENT_APPROVAL_ABOVE: 100,
  LEDGER_CHECK_INTERVAL_MINUTES: 60,
  LEDGER_CHECK_FULL_INTERVAL_HOURS: 24,
};

describe("parseBrandWindows", () => {
  it.each([
    [undefined, {}],
    ["", {}],
    ["visa=7", { visa: 7 }],
    ["Visa=7, mastercard=30", { visa: 7, mastercard: 30 }],
    ["american_express=7,", { american_express: 7 }],
  ])("reads %j as %j", (text, expected) => {
    expect(parseBrandWindows(text)).toEqual(expected);
  });

  it.each(["visa", "visa=", "visa=seven", "visa=100", "v=7", "visa=7;mastercard=30"])(
    "refuses %j naming the variable",
    (text) => {
      expect(() => parseBrandWindows(text)).toThrow(/AUTHORIZATION_WINDOW_DAYS_BY_BRAND/);
    },
  );
});

describe("workbenchConfigFromEnv", () => {
  it("keeps the default window and takes the brands' own", () => {
    const config = workbenchConfigFromEnv({ ...ENV, AUTHORIZATION_WINDOW_DAYS_BY_BRAND: "mastercard=30" });
    expect(config.authorizationWindows).toMatchObject({ defaultDays: 7, byBrand: { mastercard: 30 } });
    expect(config.adjustmentApprovalAboveMajor).toBe(100n);
    expect(config.ledgerCheckIntervalMs).toBe(3_600_000);
    expect(config.ledgerCheckFullIntervalMs).toBe(86_400_000);
  });

  it.each([["visa=1"], ["visa=61"]])("refuses a window a card network does not give (%s)", (text) => {
    expect(() => workbenchConfigFromEnv({ ...ENV, AUTHORIZATION_WINDOW_DAYS_BY_BRAND: text })).toThrow(
      /whole days from 2 to 60/,
    );
  });
});
