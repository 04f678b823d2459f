// The wire shape of a payment row: amounts as digit strings (JSON numbers lose precision past 2^53), dates as
// ISO strings, the card as brand and last 4 only.
import type { ConsolePaymentRow } from "@paycore/db/repositories/console-query.repository";

export interface PaymentRowView {
  id: string;
  merchantId: string;
  merchantName: string;
  mode: "TEST" | "LIVE";
  status: string;
  amountMinor: string;
  amountCapturedMinor: string;
  amountRefundedMinor: string;
  currency: string;
  customerEmail: string | null;
  description: string | null;
  pspName: string | null;
  pspReference: string | null;
  /** Why a declined or failed payment was: the PSP's code and message. */
  failureCode: string | null;
  failureMessage: string | null;
  cardBrand: string;
  cardLast4: string;
  createdAt: string;
}

/** Any row carrying a payment's list columns (the console's reads and the payment search). */
type PaymentRowLike = Omit<ConsolePaymentRow, "failureCode" | "failureMessage" | "description"> & {
  failureCode?: string | null;
  failureMessage?: string | null;
  description?: string | null;
};

export function toPaymentRowView(row: PaymentRowLike): PaymentRowView {
  return {
    id: row.id,
    merchantId: row.merchantId,
    merchantName: row.merchantName,
    mode: row.mode,
    status: row.status,
    amountMinor: row.amountMinor.toString(),
    amountCapturedMinor: row.amountCapturedMinor.toString(),
    amountRefundedMinor: row.amountRefundedMinor.toString(),
    currency: row.currency,
    customerEmail: row.customerEmail,
    description: row.description ?? null,
    pspName: row.pspName,
    pspReference: row.pspReference,
    failureCode: row.failureCode ?? null,
    failureMessage: row.failureMessage ?? null,
    cardBrand: row.cardBrand,
    cardLast4: row.cardLast4,
    createdAt: row.createdAt.toISOString(),
  };
}
