// Goal: report records in Adyen's and Stripe's published layouts become exact, signed lines; a header of the
// wrong PSP or without a required column, and an unreadable cell, are refused with the line number and reason.
import { describe, expect, it } from "vitest";
import {
  adyenSettlementLine,
  assertSettlementHeader,
  SettlementReportError,
  STRIPE_REQUIRED_COLUMNS,
  stripeSettlementLine,
} from "./settlement-line";

const adyenSettled = {
  "Company Account": "Co",
  "Merchant Account": "Acct",
  "Psp Reference": "8816000000000001",
  "Merchant Reference": "pay_1",
  "Creation Date": "2026-03-14 10:00:00",
  Type: "Settled",
  "Modification Reference": "8816000000000002",
  "Gross Currency": "KWD",
  "Gross Debit (GC)": "",
  "Gross Credit (GC)": "12.345",
  "Net Currency": "KWD",
  "Net Debit (NC)": "",
  "Net Credit (NC)": "12.271",
  "Commission (NC)": "0.074",
  "Batch Number": "20526",
  "Some Future Column": "ignored",
};

describe("adyenSettlementLine", () => {
  it("reads a Settled row in KWD exactly", () => {
    expect(adyenSettlementLine(adyenSettled, 2)).toMatchObject({
      type: "CAPTURE",
      currency: "KWD",
      grossMinor: 12345n,
      feeMinor: 74n,
      netMinor: 12271n,
      batch: "20526",
      pspReference: "8816000000000001",
      modificationReference: "8816000000000002",
    });
  });

  it("reads a Refunded row as negative and a Fee row as a fee with no gross", () => {
    const refund = adyenSettlementLine(
      {
        ...adyenSettled,
        Type: "Refunded",
        "Gross Credit (GC)": "",
        "Gross Debit (GC)": "1.000",
        "Net Credit (NC)": "",
        "Net Debit (NC)": "1.000",
        "Commission (NC)": "",
      },
      3,
    );
    expect(refund).toMatchObject({ type: "REFUND", grossMinor: -1000n, feeMinor: 0n, netMinor: -1000n });
    const fee = adyenSettlementLine(
      {
        ...adyenSettled,
        Type: "Fee",
        "Psp Reference": "",
        "Gross Currency": "",
        "Gross Credit (GC)": "",
        "Net Credit (NC)": "",
        "Net Debit (NC)": "0.022",
        "Commission (NC)": "",
      },
      4,
    );
    expect(fee).toMatchObject({ type: "FEE", grossMinor: 0n, feeMinor: 22n, netMinor: -22n });
  });

  it.each([
    ["MerchantPayout", "PAYOUT"],
    ["Balancetransfer", "OTHER"],
    ["DepositCorrection", "OTHER"],
  ])("reads a %s row (no gross) as its net moved as it is, never as a fee", (rawType, type) => {
    const line = adyenSettlementLine(
      {
        ...adyenSettled,
        Type: rawType,
        "Psp Reference": "",
        "Gross Currency": "",
        "Gross Credit (GC)": "",
        "Net Credit (NC)": "",
        "Net Debit (NC)": "33.640",
        "Commission (NC)": "",
      },
      5,
    );
    expect(line).toMatchObject({ type, grossMinor: -33640n, feeMinor: 0n, netMinor: -33640n });
  });

  it.each([
    [{ "Gross Credit (GC)": "12.3456" }, "Gross Credit (GC)"],
    [{ "Gross Credit (GC)": "1e3" }, "Gross Credit (GC)"],
    [{ "Creation Date": "yesterday" }, "Creation Date"],
    [{ "Creation Date": "2026-02-30 10:00:00" }, "Creation Date"],
    [{ "Net Currency": "XXX1" }, "Net Currency"],
    [{ "Commission (NC)": "0.075" }, "fee columns"],
    [{ "Batch Number": "" }, "Batch Number"],
  ])("refuses %o naming %s and the line", (change, reason) => {
    const error = (() => {
      try {
        adyenSettlementLine({ ...adyenSettled, ...change }, 7);
      } catch (caught) {
        return caught;
      }
    })() as SettlementReportError;
    expect(error).toBeInstanceOf(SettlementReportError);
    expect(error.lineNumber).toBe(7);
    expect(error.reason).toContain(reason);
  });
});

describe("stripeSettlementLine", () => {
  const charge = {
    balance_transaction_id: "txn_1",
    created_utc: "2026-03-14 10:00:00",
    available_on_utc: "2026-03-16 00:00:00",
    currency: "usd",
    gross: "20.00",
    fee: "0.88",
    net: "19.12",
    reporting_category: "charge",
    source_id: "ch_1",
    payment_intent_id: "pi_1",
  };

  it("reads a charge in lower-case currency", () => {
    expect(stripeSettlementLine(charge, 2)).toMatchObject({
      lineKey: "txn_1",
      batch: "2026-03-16",
      type: "CAPTURE",
      currency: "USD",
      grossMinor: 2000n,
      feeMinor: 88n,
      netMinor: 1912n,
    });
  });

  it("refuses a line whose gross − fee is not net", () => {
    expect(() => stripeSettlementLine({ ...charge, net: "19.13" }, 5)).toThrow(/line 5: gross minus fee/);
  });

  it("keeps a dispute as a chargeback row (the import opens the dispute from it, never drops it)", () => {
    expect(
      stripeSettlementLine(
        { ...charge, reporting_category: "dispute", gross: "-20.00", fee: "15.00", net: "-35.00" },
        2,
      ).type,
    ).toBe("CHARGEBACK");
  });
});

describe("assertSettlementHeader", () => {
  it("accepts its own layout with extra columns", () => {
    expect(() =>
      assertSettlementHeader("stripe", [...STRIPE_REQUIRED_COLUMNS, "customer_facing_amount"]),
    ).not.toThrow();
  });

  it("names the other PSP's layout", () => {
    expect(() => assertSettlementHeader("adyen", [...STRIPE_REQUIRED_COLUMNS])).toThrow(
      /stripe's report layout/,
    );
  });

  it("names the missing columns", () => {
    expect(() => assertSettlementHeader("stripe", ["balance_transaction_id"])).toThrow(
      /line 1: missing required columns: created_utc/,
    );
  });
});

describe("Adyen's TimeZone column", () => {
  it.each([
    ["UTC", "2026-03-14T10:00:00.000Z"],
    ["CET", "2026-03-14T09:00:00.000Z"],
    ["CEST", "2026-03-14T08:00:00.000Z"],
    ["PST", "2026-03-14T18:00:00.000Z"],
    ["+05:30", "2026-03-14T04:30:00.000Z"],
    ["GMT-03:00", "2026-03-14T13:00:00.000Z"],
    ["", "2026-03-14T10:00:00.000Z"],
  ])("reads a Creation Date written in %s", (zone, utc) => {
    expect(adyenSettlementLine({ ...adyenSettled, TimeZone: zone }, 2).bookedAt.toISOString()).toBe(utc);
  });

  it("keeps a Creation Date that carries its own offset as written", () => {
    const line = adyenSettlementLine(
      { ...adyenSettled, "Creation Date": "2026-03-14T10:00:00Z", TimeZone: "CET" },
      2,
    );
    expect(line.bookedAt.toISOString()).toBe("2026-03-14T10:00:00.000Z");
  });

  it.each(["CST", "IST", "Mars/Olympus"])("refuses a TimeZone that is unknown or ambiguous (%s)", (zone) => {
    expect(() => adyenSettlementLine({ ...adyenSettled, TimeZone: zone }, 9)).toThrow(
      /line 9: TimeZone .* is not a time zone we can read/,
    );
  });
});

describe("Stripe's metadata columns", () => {
  const charge = {
    balance_transaction_id: "txn_1",
    created_utc: "2026-03-14 10:00:00",
    available_on_utc: "2026-03-16 00:00:00",
    currency: "usd",
    gross: "20.00",
    fee: "0.88",
    net: "19.12",
    reporting_category: "charge",
    source_id: "ch_1",
  };

  it.each(["payment_metadata[reference]", "refund_metadata[reference]", "metadata[reference]"])(
    "reads our payment id from %s",
    (column) => {
      expect(stripeSettlementLine({ ...charge, [column]: "pay_1" }, 2).merchantReference).toBe("pay_1");
    },
  );
});
