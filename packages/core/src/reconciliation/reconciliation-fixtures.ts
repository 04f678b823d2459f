// Builders for the reconciliation unit tests: a settlement line and the expected item it should settle.
import type { CurrencyCode } from "../money/currency";
import type { ExpectedSettlement } from "./matching";
import type { SettlementLine } from "./settlement-line";

export function aLine(overrides: Partial<SettlementLine> = {}): SettlementLine {
  const grossMinor = overrides.grossMinor ?? 2000n;
  const feeMinor = overrides.feeMinor ?? 12n;
  return {
    psp: "adyen",
    lineNumber: 2,
    lineKey: "b1|acct|psp_a|mod_a|Settled|USD",
    batch: "b1",
    type: "CAPTURE",
    rawType: "Settled",
    pspReference: "psp_a",
    modificationReference: "mod_a",
    merchantReference: "pay_a",
    merchantAccount: "acct",
    currency: "USD" as CurrencyCode,
    bookedAt: new Date("2026-03-14T10:00:00Z"),
    ...overrides,
    grossMinor,
    feeMinor,
    netMinor: overrides.netMinor ?? grossMinor - feeMinor,
  };
}

export function anExpected(overrides: Partial<ExpectedSettlement> = {}): ExpectedSettlement {
  return {
    id: "att_a",
    kind: "CAPTURE",
    psp: "adyen",
    merchantId: "mer_a",
    paymentId: "pay_a",
    pspReference: "psp_a",
    modificationReference: "mod_a",
    amountMinor: 2000n,
    currency: "USD" as CurrencyCode,
    state: "SUCCEEDED",
    dueAt: new Date("2026-03-16T00:00:00Z"),
    ...overrides,
  };
}
