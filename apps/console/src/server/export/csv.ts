// CSV for the console's exports: csv-stringify (RFC 4180 quoting) as a stream, fed one page of rows at a time,
// so an export of tens of thousands of rows never sits in memory. Cells that a spreadsheet would run as a
// formula are neutralised (OWASP's CSV injection advice): anything starting with =, +, -, @, a tab or a
// carriage return gets a leading apostrophe, which spreadsheets show as text.
import { Readable } from "node:stream";
import { stringify } from "csv-stringify";

export type CsvCell = string | number | bigint | boolean | Date | null | undefined;

export interface CsvColumn<Row> {
  header: string;
  value(row: Row): CsvCell;
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** A cell as text a spreadsheet shows and never evaluates. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function cellText(value: CsvCell): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  return neutraliseFormula(String(value));
}

/**
 * The CSV bytes of `pages` (each an array of rows, read only as the consumer pulls), with a header line.
 * Backpressure is Node's: the next page is read when the stringifier has room.
 */
export function csvStream<Row>(
  columns: ReadonlyArray<CsvColumn<Row>>,
  pages: AsyncIterable<Row[]>,
): ReadableStream<Uint8Array> {
  async function* records() {
    for await (const page of pages) {
      for (const row of page) yield columns.map((column) => cellText(column.value(row)));
    }
  }
  const stringifier = stringify({
    header: true,
    columns: columns.map((column) => column.header),
    // Windows spreadsheets read CRLF rows; RFC 4180 asks for them too.
    record_delimiter: "windows",
  });
  const source = Readable.from(records());
  source.on("error", (error) => stringifier.destroy(error));
  source.pipe(stringifier);
  return Readable.toWeb(stringifier) as unknown as ReadableStream<Uint8Array>;
}
