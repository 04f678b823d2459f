import type { FundingType } from "@paycore/core/vault/funding-type";
// Rows to domain records. Every field is named (a whitelist): a column added to
// a table reaches the domain, and the API, only when someone maps it here.

import type { MerchantId, PaymentId, PaymentMethodId, RefundId } from "@paycore/core/ids/ids";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { PaymentMethodRecord, PaymentRecord, RefundRecord } from "@paycore/core/payments/payment-record";
import { parseThreeDSecure } from "@paycore/core/payments/three-d-secure";
import type { CardBrand } from "@paycore/core/vault/card";
import { type PiiVault, parseGeoPoint } from "@paycore/core/vault/pii-vault";
import type { Payment, PaymentMethod, Refund } from "../generated/prisma/client";

export const paymentSelect = {
  id: true,
  merchantId: true,
  mode: true,
  status: true,
  amountMinor: true,
  currency: true,
  amountCapturableMinor: true,
  amountCapturedMinor: true,
  amountRefundedMinor: true,
  amountRefundPendingMinor: true,
  amountDisputedMinor: true,
  captureMethod: true,
  paymentMethodId: true,
  description: true,
  metadata: true,
  pspName: true,
  pspReference: true,
  failureCode: true,
  failureMessage: true,
  pendingOperation: true,
  cardFingerprint: true,
  customerEmail: true,
  ipAddress: true,
  deviceId: true,
  billingCountry: true,
  geoLocation: true,
  geoLatitude: true,
  geoLongitude: true,
  reviewExpiresAt: true,
  threeDSecure: true,
  nextActionUrl: true,
  actionExpiresAt: true,
  returnUrl: true,
  version: true,
  createdAt: true,
  updatedAt: true,
} as const;

/**
 * The customer's e-mail, IP and location are sealed at rest (issue 22) and opened here when first read: the domain
 * sees plaintext only, and a record nobody asks those fields of (every API read: the Payment type exposes none of
 * them) decrypts nothing. Opening costs about 5 µs of CPU per value, a third of a millisecond for a page of 20
 * payments with all three (docs/benchmarks.md). A record's fields are still plain, enumerable and writable
 * properties: a spread, JSON or an assignment sees or replaces the plaintext. A tampered envelope fails where the
 * field is read, not where the row was.
 * A location written before sealing began is still in the clear columns until the backfill moves it.
 */
export function toPaymentRecord(
  row: Pick<Payment, keyof typeof paymentSelect>,
  pii: PiiVault,
): PaymentRecord {
  const record: PaymentRecord = {
    id: row.id as PaymentId,
    merchantId: row.merchantId as MerchantId,
    mode: row.mode,
    status: row.status,
    amountMinor: row.amountMinor,
    currency: row.currency as CurrencyCode,
    amountCapturableMinor: row.amountCapturableMinor,
    amountCapturedMinor: row.amountCapturedMinor,
    amountRefundedMinor: row.amountRefundedMinor,
    amountRefundPendingMinor: row.amountRefundPendingMinor,
    amountDisputedMinor: row.amountDisputedMinor,
    captureMethod: row.captureMethod,
    paymentMethodId: row.paymentMethodId as PaymentMethodId | null,
    description: row.description,
    metadata: (row.metadata ?? {}) as Record<string, string>,
    pspName: row.pspName,
    pspReference: row.pspReference,
    failureCode: row.failureCode,
    failureMessage: row.failureMessage,
    pendingOperation: row.pendingOperation,
    cardFingerprint: row.cardFingerprint,
    customerEmail: null,
    ipAddress: null,
    deviceId: row.deviceId,
    billingCountry: row.billingCountry,
    geoLatitude: null,
    geoLongitude: null,
    reviewExpiresAt: row.reviewExpiresAt,
    threeDSecure: parseThreeDSecure(row.threeDSecure),
    nextActionUrl: row.nextActionUrl,
    actionExpiresAt: row.actionExpiresAt,
    returnUrl: row.returnUrl,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
  openOnRead(record, row, pii);
  return record;
}

/** Makes the record's sealed fields open themselves when first read (null columns stay plain nulls). */
function openOnRead(
  record: PaymentRecord,
  row: Pick<
    Payment,
    "merchantId" | "customerEmail" | "ipAddress" | "geoLocation" | "geoLatitude" | "geoLongitude"
  >,
  pii: PiiVault,
): void {
  const { merchantId, customerEmail, ipAddress } = row;
  if (customerEmail !== null)
    openedWhenRead(record, "customerEmail", () => pii.open("email", merchantId, customerEmail));
  if (ipAddress !== null) openedWhenRead(record, "ipAddress", () => pii.open("ip", merchantId, ipAddress));
  if (row.geoLocation === null) {
    Object.assign(record, openPaymentLocation(row, pii));
    return;
  }
  let location: { geoLatitude: number | null; geoLongitude: number | null } | undefined;
  const opened = () => {
    location ??= openPaymentLocation(row, pii);
    return location;
  };
  openedWhenRead(record, "geoLatitude", () => opened().geoLatitude);
  openedWhenRead(record, "geoLongitude", () => opened().geoLongitude);
}

/** `record[name]` computed by `open` on its first read, then a plain data property (an assignment replaces it). */
function openedWhenRead<K extends keyof PaymentRecord>(
  record: PaymentRecord,
  name: K,
  open: () => PaymentRecord[K],
): void {
  const settle = (value: PaymentRecord[K]) =>
    Object.defineProperty(record, name, { value, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(record, name, {
    enumerable: true,
    configurable: true,
    get() {
      const value = open();
      settle(value);
      return value;
    },
    set(value: PaymentRecord[K]) {
      settle(value);
    },
  });
}

/** A payment's location: its sealed column, else the legacy clear ones (rows the backfill has not sealed yet). */
export function openPaymentLocation(
  row: Pick<Payment, "merchantId" | "geoLocation" | "geoLatitude" | "geoLongitude">,
  pii: PiiVault,
): { geoLatitude: number | null; geoLongitude: number | null } {
  if (row.geoLocation !== null) {
    const point = parseGeoPoint(pii.open("geo", row.merchantId, row.geoLocation));
    return { geoLatitude: point?.latitude ?? null, geoLongitude: point?.longitude ?? null };
  }
  return row.geoLatitude !== null && row.geoLongitude !== null
    ? { geoLatitude: row.geoLatitude, geoLongitude: row.geoLongitude }
    : { geoLatitude: null, geoLongitude: null };
}

export const refundSelect = {
  id: true,
  paymentId: true,
  merchantId: true,
  mode: true,
  amountMinor: true,
  currency: true,
  status: true,
  reason: true,
  pspReference: true,
  failureCode: true,
  createdAt: true,
  updatedAt: true,
} as const;

export function toRefundRecord(row: Pick<Refund, keyof typeof refundSelect>): RefundRecord {
  return {
    id: row.id as RefundId,
    paymentId: row.paymentId as PaymentId,
    merchantId: row.merchantId as MerchantId,
    mode: row.mode,
    amountMinor: row.amountMinor,
    currency: row.currency as CurrencyCode,
    status: row.status,
    reason: row.reason,
    pspReference: row.pspReference,
    failureCode: row.failureCode,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Never selects the encrypted PAN: that takes an explicit, separate query. */
export const paymentMethodSelect = {
  id: true,
  merchantId: true,
  mode: true,
  brand: true,
  last4: true,
  expMonth: true,
  expYear: true,
  fingerprint: true,
  bin: true,
  cardCountry: true,
  fundingType: true,
  createdAt: true,
} as const;

export function toPaymentMethodRecord(
  row: Pick<PaymentMethod, keyof typeof paymentMethodSelect>,
): PaymentMethodRecord {
  return {
    id: row.id as PaymentMethodId,
    merchantId: row.merchantId as MerchantId,
    mode: row.mode,
    brand: row.brand as CardBrand,
    last4: row.last4,
    expMonth: row.expMonth,
    expYear: row.expYear,
    fingerprint: row.fingerprint,
    bin: row.bin,
    cardCountry: row.cardCountry,
    fundingType: row.fundingType as FundingType,
    createdAt: row.createdAt,
  };
}
