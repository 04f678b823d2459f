// A settlement report's lines in chunks, in file order, read ahead of the import's matching by a bounded number of
// chunks: the file is parsed while the chunks before are matched and written, so that Node's parse overlaps
// Postgres's writes instead of preceding them. Pure: the rows come from the adapter's stream.
import { invariant } from "../errors/domain-error";
import {
  assertSettlementHeader,
  type SettlementLine,
  type SettlementPsp,
  SettlementReportError,
  settlementLineReader,
} from "./settlement-line";

/** One CSV row as the adapter parsed it: the header first, then the records, with their 1-based line numbers. */
export interface ReportRow {
  lineNumber: number;
  cells: readonly string[];
}

export interface ReportChunksOptions {
  psp: SettlementPsp;
  rows: AsyncIterable<ReportRow>;
  chunkLines: number;
  /**
   * Chunks parsed and not yet taken, at most (plus the one being read, which waits for room): bounds memory (a
   * chunk of 2,000 lines is about 2 MB).
   */
  aheadMax: number;
  linesMax: number;
  /**
   * Lets the event loop run (the database's answers), called every YIELD_ROWS rows: reading rows the parser has
   * buffered resolves only microtasks, so without a turn the reader would hold Node for up to `aheadMax` chunks
   * while Postgres waits for its next statement. The caller's (the core keeps no scheduler): a macrotask turn.
   */
  pause: () => Promise<void>;
}

/** Rows read between two turns of the event loop: about a millisecond of parsing. */
const YIELD_ROWS = 64;

export class ReportChunks {
  private readonly ready: SettlementLine[][] = [];
  private finished = false;
  private failure: unknown = null;
  private stopped = false;
  /** The taker waiting for a chunk, or the reader waiting for room: at most one of each. */
  private wakeTaker: (() => void) | null = null;
  private wakeReader: (() => void) | null = null;
  private lineCount = 0;
  private latestBookedAt: Date | null = null;
  /** Settles when the reader has stopped, for good or with an error (never rejects). */
  readonly done: Promise<void>;

  constructor(private readonly options: ReportChunksOptions) {
    invariant(options.chunkLines >= 1 && options.aheadMax >= 1, "chunks of at least one line, one ahead");
    this.done = this.read().then(
      () => {
        this.finished = true;
        this.wake();
      },
      (error: unknown) => {
        this.failure = error;
        this.finished = true;
        this.wake();
      },
    );
  }

  /** The next chunk in file order; empty at the end of the file. Rejects with the file's error once reached. */
  async next(): Promise<SettlementLine[]> {
    for (;;) {
      const chunk = this.ready.shift();
      if (chunk !== undefined) {
        this.wakeReader?.();
        this.wakeReader = null;
        return chunk;
      }
      if (this.finished) {
        if (this.failure !== null) throw this.failure;
        return [];
      }
      await new Promise<void>((resolve) => {
        this.wakeTaker = resolve;
      });
    }
  }

  /** Lines read and the latest booking time, once the whole file has been read without error. */
  async summary(): Promise<{ lineCount: number; latestBookedAt: Date | null }> {
    await this.done;
    if (this.failure !== null) throw this.failure;
    return { lineCount: this.lineCount, latestBookedAt: this.latestBookedAt };
  }

  /** Stops reading (the import failed elsewhere); `done` settles soon after. */
  stop(): void {
    this.stopped = true;
    this.wake();
  }

  private wake(): void {
    this.wakeTaker?.();
    this.wakeTaker = null;
    this.wakeReader?.();
    this.wakeReader = null;
  }

  private async push(chunk: SettlementLine[]): Promise<void> {
    while (this.ready.length >= this.options.aheadMax && !this.stopped)
      await new Promise<void>((resolve) => {
        this.wakeReader = resolve;
      });
    this.ready.push(chunk);
    this.wakeTaker?.();
    this.wakeTaker = null;
  }

  private async read(): Promise<void> {
    const { psp, rows, chunkLines, linesMax } = this.options;
    const pause = this.options.pause;
    const readLine = settlementLineReader(psp);
    let sincePause = 0;
    let header: readonly string[] | null = null;
    let chunk: SettlementLine[] = [];
    for await (const row of rows) {
      if (this.stopped) return;
      if (++sincePause >= YIELD_ROWS) {
        sincePause = 0;
        await pause();
      }
      if (header === null) {
        header = row.cells.map((name) => name.trim());
        assertSettlementHeader(psp, header);
        continue;
      }
      if (row.cells.length !== header.length)
        throw new SettlementReportError(
          row.lineNumber,
          `${row.cells.length} cells where the header has ${header.length} (a truncated or malformed line)`,
        );
      if (++this.lineCount > linesMax)
        throw new SettlementReportError(row.lineNumber, `more than ${linesMax} lines`);
      const record: Record<string, string> = {};
      for (let index = 0; index < header.length; index++)
        record[header[index] as string] = row.cells[index] as string;
      const line = readLine(record, row.lineNumber);
      if (this.latestBookedAt === null || line.bookedAt > this.latestBookedAt)
        this.latestBookedAt = line.bookedAt;
      chunk.push(line);
      if (chunk.length >= chunkLines) {
        await this.push(chunk);
        chunk = [];
      }
    }
    if (header === null) throw new SettlementReportError(1, "the file is empty");
    if (chunk.length > 0 && !this.stopped) await this.push(chunk);
  }
}
