// Goal: the report reader numbers each row by the line it ends on, as the refusals and the items' line numbers
// need, without csv-parse's per-record info object: empty lines counted and skipped, line ends inside quoted cells
// counted once (LF or CRLF), a byte-order mark ignored; and a broken file refused at its line.
import { Readable } from "node:stream";
import { SettlementReportError } from "@paycore/core/reconciliation/settlement-line";
import { describe, expect, it } from "vitest";
import { reportRows } from "./settlement-report-file";

async function rowsOf(text: string, chunkBytes = 7) {
  const bytes = Buffer.from(text, "utf8");
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunkBytes) chunks.push(bytes.subarray(at, at + chunkBytes));
  const rows: Array<[number, string]> = [];
  for await (const row of reportRows(Readable.from(chunks))) rows.push([row.lineNumber, row.cells.join("|")]);
  return rows;
}

describe("reportRows", () => {
  it.each([
    [
      "plain LF",
      "a,b\n1,2\n3,4\n",
      [
        [1, "a|b"],
        [2, "1|2"],
        [3, "3|4"],
      ],
    ],
    [
      "a byte-order mark and empty lines",
      "\uFEFFa,b\n1,2\n\n3,4\n\n",
      [
        [1, "a|b"],
        [2, "1|2"],
        [4, "3|4"],
      ],
    ],
    [
      "CRLF with an empty line",
      "a,b\r\n1,2\r\n\r\n3,4\r\n",
      [
        [1, "a|b"],
        [2, "1|2"],
        [4, "3|4"],
      ],
    ],
    [
      "a quoted line end",
      'a,b\n"x\ny",2\n3,4\n',
      [
        [1, "a|b"],
        [3, "x\ny|2"],
        [4, "3|4"],
      ],
    ],
    [
      "quoted CRLF line ends",
      'a,b\r\n"x\r\ny",2\r\n3,"p\r\n\r\nq"\r\n5,6\r\n',
      [
        [1, "a|b"],
        [3, "x\r\ny|2"],
        [6, "3|p\r\n\r\nq"],
        [7, "5|6"],
      ],
    ],
    [
      "a line of blanks (a row, not empty)",
      "a,b\n \n1,2\n",
      [
        [1, "a|b"],
        [2, " "],
        [3, "1|2"],
      ],
    ],
  ] as const)("numbers rows by the line they end on: %s", async (_name, text, expected) => {
    expect(await rowsOf(text)).toEqual(expected);
    expect(await rowsOf(text, 1)).toEqual(expected);
  });

  it("refuses a truncated last line and an open quote with their line", async () => {
    await expect(rowsOf("a,b\n1,2\n3,4")).rejects.toMatchObject({ lineNumber: 3 });
    const open = await rowsOf('a,b\n1,2\n"3,4\n').catch((error: unknown) => error);
    expect(open).toBeInstanceOf(SettlementReportError);
  });
});
