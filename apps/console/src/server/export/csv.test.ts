// Goal: the CSV stream is valid RFC 4180 (quotes, commas, newlines survive a round trip through csv-parse),
// reads pages lazily, and no cell starts a spreadsheet formula.
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { cellText, csvStream, neutraliseFormula } from "./csv";

describe("neutraliseFormula", () => {
  it.each([
    ["=1+1", "'=1+1"],
    ["+31 20 555", "'+31 20 555"],
    ["-2", "'-2"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\t=cmd", "'\t=cmd"],
    ["\r=cmd", "'\r=cmd"],
    ["plain", "plain"],
    ["a=b", "a=b"],
    ["", ""],
  ])("%j becomes %j", (input, expected) => {
    expect(neutraliseFormula(input)).toBe(expected);
  });

  it("writes dates as ISO and absent values as empty cells", () => {
    expect(cellText(new Date("2026-12-07T01:02:03.000Z"))).toBe("2026-12-07T01:02:03.000Z");
    expect(cellText(null)).toBe("");
    expect(cellText(12n)).toBe("12");
  });
});

describe("csvStream", () => {
  it("round-trips awkward text and pulls pages only as it writes", async () => {
    const pulled: number[] = [];
    async function* pages() {
      for (let page = 0; page < 3; page++) {
        pulled.push(page);
        yield [{ id: `row-${page}`, note: page === 1 ? 'says "hi", then\nleaves' : "=evil()" }];
      }
    }
    const stream = csvStream(
      [
        { header: "id", value: (row: { id: string; note: string }) => row.id },
        { header: "note", value: (row: { id: string; note: string }) => row.note },
      ],
      pages(),
    );
    expect(pulled).toEqual([]);
    const text = await new Response(stream).text();
    expect(text.startsWith("id,note\r\n")).toBe(true);
    expect(parse(text, { columns: true })).toEqual([
      { id: "row-0", note: "'=evil()" },
      { id: "row-1", note: 'says "hi", then\nleaves' },
      { id: "row-2", note: "'=evil()" },
    ]);
    expect(pulled).toEqual([0, 1, 2]);
  });
});
