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
  pspName: string | null;
  pspReference: string | null;
  cardBrand: string;
  cardLast4: string;
  createdAt: string;
}

export function toPaymentRowView(row: ConsolePaymentRow): PaymentRowView {
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
    pspName: row.pspName,
    pspReference: row.pspReference,
    cardBrand: row.cardBrand,
    cardLast4: row.cardLast4,
    createdAt: row.createdAt.toISOString(),
  };
}
