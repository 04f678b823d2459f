// Goal: a payment record opens its sealed customer fields (e-mail, IP, location) only when one of them is read, once,
// and otherwise behaves as plain data: a spread, JSON and an assignment see or replace the plaintext; null and
// legacy clear columns need no opening; a tampered envelope still fails, where the field is read.
import { formatGeoPoint, type PiiVault } from "@paycore/core/vault/pii-vault";
import { describe, expect, it } from "vitest";
import type { Payment } from "../generated/prisma/client";
import { testPiiVault } from "../testing/test-pii-vault";
import { type paymentSelect, toPaymentRecord } from "./payment.mapper";

const merchantId = "mer_mapper";

/** The vault, counting what it opens. */
function countingVault(): PiiVault & { opened: string[] } {
  const vault = testPiiVault();
  const opened: string[] = [];
  return {
    opened,
    keyring: vault.keyring,
    seal: (kind, merchant, value) => vault.seal(kind, merchant, value),
    blindIndex: (kind, value) => vault.blindIndex(kind, value),
    open(kind, merchant, stored) {
      opened.push(kind);
      return vault.open(kind, merchant, stored);
    },
  };
}

function row(
  pii: PiiVault,
  overrides: Partial<Pick<Payment, keyof typeof paymentSelect>> = {},
): Pick<Payment, keyof typeof paymentSelect> {
  const now = new Date("2026-12-07T12:00:00Z");
  return {
    id: "pay_mapper",
    merchantId,
    mode: "TEST",
    status: "CAPTURED",
    amountMinor: 2500n,
    currency: "USD",
    amountCapturableMinor: 0n,
    amountCapturedMinor: 2500n,
    amountRefundedMinor: 0n,
    amountRefundPendingMinor: 0n,
    amountDisputedMinor: 0n,
    captureMethod: "AUTOMATIC",
    paymentMethodId: "pm_mapper",
    description: null,
    metadata: {},
    pspName: "sandbox",
    pspReference: "psp_1",
    failureCode: null,
    failureMessage: null,
    pendingOperation: null,
    cardFingerprint: "fp",
    customerEmail: pii.seal("email", merchantId, "buyer@example.com"),
    ipAddress: pii.seal("ip", merchantId, "203.0.113.7"),
    deviceId: null,
    billingCountry: "FR",
    geoLocation: pii.seal("geo", merchantId, formatGeoPoint({ latitude: 48.85, longitude: 2.35 })),
    geoLatitude: null,
    geoLongitude: null,
    reviewExpiresAt: null,
    threeDSecure: null,
    nextActionUrl: null,
    actionExpiresAt: null,
    returnUrl: null,
    version: 3,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  } as Pick<Payment, keyof typeof paymentSelect>;
}

describe("toPaymentRecord", () => {
  it("opens nothing until a sealed field is read, then each envelope once", () => {
    const vault = countingVault();
    const record = toPaymentRecord(row(vault), vault);
    expect(record.amountMinor).toBe(2500n);
    expect(record.status).toBe("CAPTURED");
    expect(vault.opened).toEqual([]);
    expect(record.customerEmail).toBe("buyer@example.com");
    expect(record.customerEmail).toBe("buyer@example.com");
    expect(vault.opened).toEqual(["email"]);
    expect([record.geoLatitude, record.geoLongitude]).toEqual([48.85, 2.35]);
    expect(vault.opened).toEqual(["email", "geo"]);
  });

  it("is plain data to a spread, to JSON and to an assignment", () => {
    const vault = countingVault();
    const record = toPaymentRecord(row(vault), vault);
    const copy = { ...record, status: "REFUNDED" as const };
    expect(copy).toMatchObject({
      customerEmail: "buyer@example.com",
      ipAddress: "203.0.113.7",
      geoLatitude: 48.85,
    });
    expect(Object.getOwnPropertyDescriptor(copy, "customerEmail")).toMatchObject({
      value: "buyer@example.com",
    });
    const other = toPaymentRecord(row(vault), vault);
    expect(
      JSON.parse(JSON.stringify(other, (_key, value) => (typeof value === "bigint" ? String(value) : value))),
    ).toMatchObject({
      ipAddress: "203.0.113.7",
      geoLongitude: 2.35,
    });
    const assigned = toPaymentRecord(row(vault), vault);
    const opened = vault.opened.length;
    assigned.customerEmail = null;
    expect(assigned.customerEmail).toBeNull();
    expect(vault.opened.length).toBe(opened);
  });

  it("needs no opening for nulls and for a location still in the clear columns", () => {
    const vault = countingVault();
    const record = toPaymentRecord(
      row(vault, {
        customerEmail: null,
        ipAddress: null,
        geoLocation: null,
        geoLatitude: 1.5,
        geoLongitude: -2,
      }),
      vault,
    );
    expect(record).toMatchObject({
      customerEmail: null,
      ipAddress: null,
      geoLatitude: 1.5,
      geoLongitude: -2,
    });
    expect(vault.opened).toEqual([]);
  });

  it("fails on a tampered envelope where the field is read", () => {
    const vault = countingVault();
    const sealed = vault.seal("email", merchantId, "buyer@example.com") as string;
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith("AA") ? "BB" : "AA"}`;
    const record = toPaymentRecord(row(vault, { customerEmail: tampered }), vault);
    expect(record.status).toBe("CAPTURED");
    expect(() => record.customerEmail).toThrow();
  });
});
