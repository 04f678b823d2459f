// Goal: the import reads a report in chunks in file order, never more than its bound ahead of the matching, and
// a bad row anywhere (or an empty file) reaches the matching as the file's error after the chunks before it.
import { describe, expect, it } from "vitest";
import { ReportChunks, type ReportRow } from "./report-chunks";
import { SettlementReportError } from "./settlement-line";

const HEADER = [
  "balance_transaction_id",
  "created_utc",
  "available_on_utc",
  "currency",
  "gross",
  "fee",
  "net",
  "reporting_category",
  "source_id",
  "payment_intent_id",
];
const cells = (n: number) => [
  `txn_${n}`,
  "2026-05-01 10:00:00",
  "2026-05-03 00:00:00",
  "usd",
  "12.34",
  "0.66",
  "11.68",
  "charge",
  `ch_${n}`,
  `pi_${n}`,
];

/** The header and `lines` rows; `read` counts the rows handed out, `bad` makes that line unreadable. */
function report(lines: number, options: { bad?: number } = {}) {
  const state = { read: 0 };
  async function* rows(): AsyncGenerator<ReportRow> {
    yield { lineNumber: 1, cells: HEADER };
    for (let n = 1; n <= lines; n++) {
      state.read = n;
      const row = cells(n);
      if (n === options.bad) row[4] = "twelve";
      yield { lineNumber: n + 1, cells: row };
    }
  }
  return { rows: rows(), state };
}

const chunksOf = (rows: AsyncIterable<ReportRow>, chunkLines = 3, aheadMax = 2) =>
  new ReportChunks({
    psp: "stripe",
    rows,
    chunkLines,
    aheadMax,
    linesMax: 1_000,
    pause: () => Promise.resolve(),
  });

describe("ReportChunks", () => {
  it("hands out the lines in file order, in chunks, then an empty chunk and the summary", async () => {
    const chunks = chunksOf(report(7).rows);
    const taken: number[][] = [];
    for (let chunk = await chunks.next(); chunk.length > 0; chunk = await chunks.next())
      taken.push(chunk.map((line) => line.lineNumber));
    expect(taken).toEqual([[2, 3, 4], [5, 6, 7], [8]]);
    expect(await chunks.summary()).toMatchObject({ lineCount: 7, latestBookedAt: expect.any(Date) });
  });

  it("reads at most its bound of chunks ahead of the one taken", async () => {
    const { rows, state } = report(30);
    const chunks = chunksOf(rows, 3, 2);
    await chunks.next();
    // Let the reader run as far as it may: two chunks ready, and a third read, waiting for room.
    for (let turn = 0; turn < 200; turn++) await Promise.resolve();
    expect(state.read).toBe(3 + 2 * 3 + 3);
    chunks.stop();
    await chunks.done;
  });

  it("gives the chunks before a bad line, then the file's error with the line", async () => {
    const chunks = chunksOf(report(10, { bad: 8 }).rows);
    expect((await chunks.next()).length).toBe(3);
    expect((await chunks.next()).length).toBe(3);
    await expect(chunks.next()).rejects.toMatchObject({ lineNumber: 9 });
    await expect(chunks.summary()).rejects.toBeInstanceOf(SettlementReportError);
  });

  it("refuses an empty file", async () => {
    async function* nothing(): AsyncGenerator<ReportRow> {}
    await expect(chunksOf(nothing()).next()).rejects.toMatchObject({
      lineNumber: 1,
      reason: "the file is empty",
    });
  });
});
