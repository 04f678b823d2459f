// Reads a settlement report file as a stream, never whole: its SHA-256 (the import's identity), then its rows
// through csv-parse's stream API after a strict UTF-8 decoder. A byte sequence that is not UTF-8, a quote left
// open, or a last line without its line end (a file cut short) refuses the file with the line it happened on.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import type { ReportRow } from "@paycore/core/reconciliation/reconciliation-commands";
import { SettlementReportError } from "@paycore/core/reconciliation/settlement-line";
import { CsvError, parse } from "csv-parse";

/** A report line is a few hundred bytes; anything longer than this is not a report. */
const RECORD_BYTES_MAX = 64 * 1024;

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Decoded text, refusing invalid UTF-8 at the line where it appears. */
async function* utf8Text(bytes: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let lineEnds = 0;
  let lastCharacter = "";
  for await (const chunk of bytes) {
    let text: string;
    try {
      text = decoder.decode(typeof chunk === "string" ? Buffer.from(chunk) : chunk, { stream: true });
    } catch {
      // The line of the first bad byte: the chunk's line ends before the first replacement character.
      const lenient = new TextDecoder("utf-8").decode(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
      const before = lenient.slice(0, Math.max(0, lenient.indexOf("\uFFFD")));
      throw new SettlementReportError(lineEnds + before.split("\n").length, "the file is not UTF-8 text");
    }
    for (let index = text.indexOf("\n"); index !== -1; index = text.indexOf("\n", index + 1)) lineEnds++;
    if (text.length > 0) lastCharacter = text[text.length - 1] as string;
    yield text;
  }
  try {
    const rest = decoder.decode();
    if (rest.length > 0) lastCharacter = rest[rest.length - 1] as string;
  } catch {
    throw new SettlementReportError(lineEnds + 1, "the file is not UTF-8 text (it ends inside a character)");
  }
  // Both PSPs end every line, the last one included: a file that stops mid-line was cut short.
  if (lastCharacter !== "" && lastCharacter !== "\n")
    throw new SettlementReportError(
      lineEnds + 1,
      "the last line is truncated (the file does not end with a line end)",
    );
}

/** The report's rows (header first) with their line numbers, streamed. */
export async function* reportRows(
  source: Readable | AsyncIterable<Buffer | string>,
): AsyncGenerator<ReportRow> {
  // No `info` (an object per record, copied from the parser's state: a sixth of csv-parse's time in bench:recon)
  // and no skip_empty_lines: the line numbers are counted here (below), empty lines included.
  const parser = parse({
    bom: true,
    // Cell counts are checked against the header by the core, which names the line.
    relax_column_count: true,
    max_record_size: RECORD_BYTES_MAX,
  });
  const text = utf8Text(source);
  // Feed the parser as it asks for more: memory stays one chunk plus the parser's buffer.
  const feeding = (async () => {
    try {
      for await (const chunk of text) {
        if (!parser.write(chunk))
          await new Promise<void>((resolve) => {
            // Whichever comes first removes both: a listener left behind per wait would pile up on a large file
            // (bench:recon showed Node's MaxListenersExceededWarning from the "close" ones).
            const resume = () => {
              parser.off("drain", resume);
              parser.off("close", resume);
              resolve();
            };
            parser.once("drain", resume);
            parser.once("close", resume);
          });
        if (parser.destroyed) return;
      }
      parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();
  try {
    // A record ends on the line after the one the record before it ended on, plus the line ends inside its quoted
    // cells (a quoted "\r\n" is one line end; csv-parse's own count made it two). An empty line is a record of
    // one empty cell: counted, not yielded (what skip_empty_lines did).
    let lastLine = 0;
    for await (const record of parser as AsyncIterable<string[]>) {
      let line = lastLine + 1;
      for (const cell of record)
        for (let index = cell.indexOf("\n"); index !== -1; index = cell.indexOf("\n", index + 1)) line++;
      lastLine = line;
      if (record.length === 1 && record[0] === "") continue;
      yield { lineNumber: line, cells: record };
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines ?? 0;
      throw new SettlementReportError(line, `not readable CSV (${error.code})`);
    }
    throw error;
  } finally {
    await feeding;
  }
}

export function reportRowsOfFile(path: string): AsyncGenerator<ReportRow> {
  return reportRows(createReadStream(path));
}
