// The payments list as CSV: the list's filters and search, newest first, amounts as exact decimals in the
// payment's currency (no float), the card as brand and last 4 only.
import { formatMinorUnits } from "@paycore/core/money/money";
import type { PaymentSearchRow } from "@paycore/db/repositories/payment-search.repository";
import { paymentListInput, paymentListQuery, readerOf } from "../../lib/list-params";
import { paymentFilterOf } from "../api/routers/payments/list.handler";
import { listPaymentsSchema } from "../api/routers/payments/list.schema";
import type { CsvExport } from "./export-route";

const decimal = (minor: bigint, row: PaymentSearchRow) => formatMinorUnits(minor, row.currency);

export const paymentsExport: CsvExport<ReturnType<typeof listPaymentsSchema.parse>, PaymentSearchRow> = {
  name: "payments",
  minimumRole: "VIEWER",
  schema: listPaymentsSchema,
  inputOf: (query) => paymentListInput(paymentListQuery(readerOf(query))),
  columns: [
    { header: "id", value: (row) => row.id },
    { header: "created_at", value: (row) => row.createdAt },
    { header: "merchant_id", value: (row) => row.merchantId },
    { header: "merchant_name", value: (row) => row.merchantName },
    { header: "mode", value: (row) => row.mode },
    { header: "status", value: (row) => row.status },
    { header: "failure_code", value: (row) => row.failureCode },
    { header: "failure_message", value: (row) => row.failureMessage },
    { header: "currency", value: (row) => row.currency },
    { header: "amount", value: (row) => decimal(row.amountMinor, row) },
    { header: "amount_captured", value: (row) => decimal(row.amountCapturedMinor, row) },
    { header: "amount_refunded", value: (row) => decimal(row.amountRefundedMinor, row) },
    { header: "card_brand", value: (row) => row.cardBrand },
    { header: "card_last4", value: (row) => row.cardLast4 },
    { header: "customer_email", value: (row) => row.customerEmail },
    { header: "description", value: (row) => row.description },
    {
      header: "metadata",
      value: (row) => (Object.keys(row.metadata).length > 0 ? JSON.stringify(row.metadata) : ""),
    },
    { header: "psp", value: (row) => row.pspName },
    { header: "psp_reference", value: (row) => row.pspReference },
  ],
  pages: (ctx, input, maxRows) => ctx.services.paymentSearch.walk(paymentFilterOf(input), { maxRows }),
};
