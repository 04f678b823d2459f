// Reads the two rate file layouts into raw rows with their line numbers; the core's FxRateCommands checks them.
// - The ECB's euro reference rates (eurofxref-daily.xml, and the same layout with many days, eurofxref-hist.xml):
//   <Cube time='YYYY-MM-DD'><Cube currency='USD' rate='1.0842'/>…</Cube>, every rate EUR-based. Parsed with
//   fast-xml-parser (validated first: a syntax error names its line; entities are not expanded).
// - A plain CSV with the header `base,quote,rate,as_of` (csv-parse: quoting, BOM, line numbers).
// A file is at most RATES_FILE_BYTES_MAX bytes; anything else is refused whole with its line and reason.
import { readFile, stat } from "node:fs/promises";
import { fileInvalid, type RawRateRow } from "@paycore/core/fx/fx-rate-commands";
import { CsvError } from "csv-parse";
import { parse as parseCsv } from "csv-parse/sync";
import { XMLParser, XMLValidator } from "fast-xml-parser";

/** The ECB's whole history since 1999 is about 6 MB as XML; a rates file far beyond that is not one. */
export const RATES_FILE_BYTES_MAX = 16 * 1024 * 1024;

export type RatesFormat = "ECB" | "CSV";

export interface RatesFile {
  format: RatesFormat;
  rows: RawRateRow[];
}

const CSV_HEADER = ["base", "quote", "rate", "as_of"] as const;

/** The format from the text itself: XML starts with `<` (after a BOM and blanks), anything else is CSV. */
export function detectFormat(text: string): RatesFormat {
  return text
    .replace(/^\uFEFF/, "")
    .trimStart()
    .startsWith("<")
    ? "ECB"
    : "CSV";
}

/** The file's text, refusing a file over the bound or not UTF-8, then its rows. */
export async function readRatesFile(path: string): Promise<RatesFile> {
  const info = await stat(path);
  if (!info.isFile()) throw fileInvalid(null, `${path} is not a file`);
  if (info.size > RATES_FILE_BYTES_MAX)
    throw fileInvalid(null, `the file is over ${RATES_FILE_BYTES_MAX} bytes`);
  return parseRatesBytes(await readFile(path));
}

export function parseRatesBytes(bytes: Uint8Array): RatesFile {
  if (bytes.byteLength > RATES_FILE_BYTES_MAX)
    throw fileInvalid(null, `the file is over ${RATES_FILE_BYTES_MAX} bytes`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw fileInvalid(null, "the file is not UTF-8 text");
  }
  return parseRatesText(text);
}

export function parseRatesText(text: string): RatesFile {
  const format = detectFormat(text);
  return { format, rows: format === "ECB" ? parseEcbXml(text) : parseRatesCsv(text) };
}

/** Line numbers of each `<Cube currency=…>` element in document order (1-based), for the rows' lines. */
function rateElementLines(text: string): number[] {
  const lines: number[] = [];
  const pattern = /<(?:[A-Za-z_][\w.-]*:)?Cube\b[^>]*\bcurrency\s*=/g;
  let line = 1;
  let from = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    for (let i = from; i < match.index; i++) if (text.charCodeAt(i) === 10) line++;
    from = match.index;
    lines.push(line);
  }
  return lines;
}

type XmlNode = Record<string, unknown>;
const asArray = (value: unknown): XmlNode[] =>
  value === undefined
    ? []
    : (Array.isArray(value) ? value : [value]).filter(
        (item): item is XmlNode => typeof item === "object" && item !== null,
      );

/** The ECB layout: Envelope > Cube > Cube[time] > Cube[currency, rate]; every rate is EUR → currency. */
export function parseEcbXml(text: string): RawRateRow[] {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw fileInvalid(valid.err.line, `not well-formed XML: ${valid.err.msg}`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    removeNSPrefix: true,
    processEntities: false,
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (name) => name === "Cube",
  });
  const document = parser.parse(text) as XmlNode;
  const envelope = document.Envelope as XmlNode | undefined;
  if (envelope === undefined || typeof envelope !== "object")
    throw fileInvalid(1, "not the ECB layout: no gesmes:Envelope element");
  const lines = rateElementLines(text);
  const rows: RawRateRow[] = [];
  for (const outer of asArray(envelope.Cube)) {
    for (const day of asArray(outer.Cube)) {
      const time = day["@time"];
      for (const rate of asArray(day.Cube)) {
        const index = rows.length;
        const line = lines[index] ?? 0;
        if (typeof time !== "string")
          throw fileInvalid(line, "a rate outside a <Cube time='YYYY-MM-DD'> element");
        const currency = rate["@currency"];
        const value = rate["@rate"];
        if (typeof currency !== "string" || typeof value !== "string")
          throw fileInvalid(line, "a <Cube> rate element needs both currency and rate attributes");
        rows.push({ line, base: "EUR", quote: currency.trim(), rate: value.trim(), asOf: time.trim() });
      }
    }
  }
  if (rows.length !== lines.length)
    throw fileInvalid(lines[rows.length] ?? null, "a <Cube currency=…> element outside the ECB layout");
  return rows;
}

/** `base,quote,rate,as_of` with that header first; blank lines skipped; every other line a rate. */
export function parseRatesCsv(text: string): RawRateRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: false,
      max_record_size: 4096,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines ?? null;
      throw fileInvalid(line, `not valid CSV: ${error.message.replace(/^Invalid Record Length: /, "")}`);
    }
    throw error;
  }
  const [header, ...body] = records;
  if (header === undefined) throw fileInvalid(null, "the file holds no rates");
  const names = header.record.map((name) => name.toLowerCase());
  if (names.length !== CSV_HEADER.length || names.some((name, i) => name !== CSV_HEADER[i]))
    throw fileInvalid(header.info.lines, `the header must be ${CSV_HEADER.join(",")}`);
  return body.map(({ record, info }) => {
    const [base, quote, rate, asOf] = record as [string, string, string, string];
    return { line: info.lines, base, quote, rate, asOf };
  });
}
