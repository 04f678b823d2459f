// The queue as CSV rows: the columns, formula-injection-safe cells, and the bounded page-by-page stream the
// export route answers with (csv-stringify, never the whole queue in memory).
import { Readable } from "node:stream";
import { parseCurrency } from "@paycore/core/money/currency";
import { formatMinorUnits } from "@paycore/core/money/money";
import {
  EXPORT_PAGE_ROWS,
  type ReconciliationRepository,
  type ReconItemFilter,
  type ReconItemRow,
} from "@paycore/db/repositories/reconciliation.repository";
import { stringify } from "csv-stringify";

/** The export's bound: a hundred thousand items is far beyond a day's queue; narrow the filter past it. */
export const EXPORT_ROWS_MAX = 100_000;

export const COLUMNS = [
  "id",
  "created_at",
  "status",
  "category",
  "rule",
  "psp",
  "batch",
  "line_number",
  "psp_type",
  "psp_reference",
  "modification_reference",
  "currency",
  "psp_gross",
  "psp_fee",
  "psp_net",
  "our_kind",
  "our_amount",
  "difference",
  "payment_id",
  "merchant_id",
  "resolution_note",
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** Text a spreadsheet would run as a formula gets a leading quote; plain decimals stay numbers. */
export function safeCell(value: string | null): string {
  if (value === null) return "";
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

function decimal(minor: string | null, currency: string): string {
  const code = parseCurrency(currency);
  if (minor === null) return "";
  return code === null ? minor : formatMinorUnits(BigInt(minor), code);
}

export function csvRow(item: ReconItemRow): string[] {
  return [
    item.id,
    item.createdAt.toISOString(),
    item.status,
    item.category,
    item.rule,
    item.psp,
    item.batch,
    item.lineNumber === null ? null : String(item.lineNumber),
    item.rawType,
    item.pspReference,
    item.modificationReference,
    item.currency,
    decimal(item.grossMinor, item.currency),
    decimal(item.feeMinor, item.currency),
    decimal(item.netMinor, item.currency),
    item.expectedKind,
    decimal(item.expectedAmountMinor, item.currency),
    decimal(item.differenceMinor, item.currency),
    item.paymentId,
    item.merchantId,
    item.resolutionNote,
  ].map(safeCell);
}

/** The CSV of every item matching the filter, oldest first, at most EXPORT_ROWS_MAX rows. */
export function queueCsv(reads: Pick<ReconciliationRepository, "items">, filter: ReconItemFilter): Readable {
  async function* rows(): AsyncGenerator<string[]> {
    let after: { createdAt: Date; id: string } | null = null;
    for (let page = 0; page < EXPORT_ROWS_MAX / EXPORT_PAGE_ROWS; page++) {
      const items = await reads.items(filter, after, EXPORT_PAGE_ROWS);
      for (const item of items) yield csvRow(item);
      const last = items.at(-1);
      if (items.length < EXPORT_PAGE_ROWS || last === undefined) return;
      after = { createdAt: last.createdAt, id: last.id };
    }
  }
  return Readable.from(rows()).pipe(stringify({ header: true, columns: [...COLUMNS] }));
}
