// The two rate layouts read into rows with their line numbers, and bad files refused with line and reason.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRatesBytes, parseRatesText } from "./rate-files";

const SAMPLES = join(import.meta.dirname, "samples");

describe("the shipped samples", () => {
  it("reads the ECB daily XML: 30 EUR-based rates, dated, with their lines", async () => {
    const file = parseRatesBytes(await readFile(join(SAMPLES, "eurofxref-daily.xml")));
    expect(file.format).toBe("ECB");
    expect(file.rows).toHaveLength(30);
    expect(file.rows[0]).toEqual({ line: 9, base: "EUR", quote: "USD", rate: "1.0842", asOf: "2026-12-04" });
    expect(file.rows[29]).toMatchObject({ line: 38, quote: "ZAR", rate: "19.4398" });
  });

  it("reads the CSV with its header", async () => {
    const file = parseRatesBytes(await readFile(join(SAMPLES, "rates.csv")));
    expect(file.format).toBe("CSV");
    expect(file.rows).toEqual([
      { line: 2, base: "USD", quote: "KWD", rate: "0.30712", asOf: "2026-12-04" },
      { line: 3, base: "EUR", quote: "KWD", rate: "0.33298", asOf: "2026-12-04" },
      { line: 4, base: "USD", quote: "JPY", rate: "149.83", asOf: "2026-12-04T16:00:00Z" },
      { line: 5, base: "GBP", quote: "USD", rate: "1.26198", asOf: "2026-12-04" },
    ]);
  });
});

describe("bad files", () => {
  const refusal = (text: string) => {
    try {
      parseRatesText(text);
    } catch (error) {
      return { code: (error as { code?: string }).code, message: (error as Error).message };
    }
    return null;
  };

  it("refuses XML that is not well-formed, with its line", () => {
    expect(refusal("<?xml version='1.0'?>\n<Envelope>\n<Cube>\n</Envelope>\n")).toMatchObject({
      code: "FX_RATES_FILE_INVALID",
      message: expect.stringMatching(/^line 4: not well-formed XML/),
    });
  });

  it("refuses XML without the ECB layout, and a rate without a date", () => {
    expect(refusal("<root><Cube currency='USD' rate='1.1'/></root>")?.message).toMatch(/no gesmes:Envelope/);
    expect(
      refusal(
        "<gesmes:Envelope xmlns:gesmes='g'>\n<Cube>\n<Cube>\n<Cube currency='USD' rate='1.1'/>\n</Cube>\n</Cube>\n</gesmes:Envelope>",
      )?.message,
    ).toMatch(/^line 4: a rate outside a <Cube time/);
  });

  it("refuses a CSV with another header or a short line, with its line", () => {
    expect(refusal("from,to,rate,date\nEUR,USD,1.1,2026-12-04\n")?.message).toMatch(
      /^line 1: the header must be base,quote,rate,as_of/,
    );
    expect(refusal("base,quote,rate,as_of\nEUR,USD,1.1,2026-12-04\nEUR,JPY,162\n")?.message).toMatch(
      /^line 3: /,
    );
    expect(refusal('base,quote,rate,as_of\nEUR,"USD,1.1,2026-12-04\n')?.code).toBe("FX_RATES_FILE_INVALID");
  });

  it("refuses bytes that are not UTF-8", () => {
    expect(() => parseRatesBytes(new Uint8Array([0x62, 0x61, 0xff, 0x0a]))).toThrow(/not UTF-8/);
  });
});
