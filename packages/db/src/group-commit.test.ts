// Goal: the group commit's literals are exactly node-postgres's escapeLiteral (which Postgres is proven to read
// back in group-commit.integration-test.ts), so writing them faster changed no byte of any statement.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { literalOf, quoteLiteral } from "./group-commit";

/** A fixed-seed generator, so that a failure names a string that fails again. */
function randomTexts(count: number, seed: number): string[] {
  const alphabet = ["a", "Z", "0", " ", "'", "\\", '"', "é", "€", "\n", "{", "}", ":", "😀", "E", "x"];
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state;
  };
  return Array.from({ length: count }, () =>
    Array.from({ length: next() % 40 }, () => alphabet[next() % alphabet.length]).join(""),
  );
}

describe("quoteLiteral", () => {
  it.each([
    "",
    "plain",
    "it's",
    "''",
    "back\\slash",
    "\\'",
    "'\\",
    '{"status":"CAPTURED","note":"O\'Brien \\\\ done"}',
    "E'not an escape'",
  ])("writes %j as pg.escapeLiteral does", (text) => {
    expect(quoteLiteral(text)).toBe(pg.escapeLiteral(text));
  });

  it("agrees with pg.escapeLiteral on 2,000 random strings of quotes, backslashes and other characters", () => {
    for (const text of randomTexts(2_000, 23)) expect(quoteLiteral(text)).toBe(pg.escapeLiteral(text));
  });
});

describe("literalOf", () => {
  it.each<[string, unknown]>([
    ["a bigint", -9_223_372_036_854_775_808n],
    ["a number", 12.5],
    ["a boolean", false],
    ["a date", new Date(Date.UTC(2026, 11, 7, 17, 20, 0, 123))],
    ["a buffer", Buffer.from([0, 1, 254, 255])],
  ])("writes %s as pg.escapeLiteral writes its text", (_, value) => {
    const text =
      value instanceof Date
        ? value.toISOString()
        : Buffer.isBuffer(value)
          ? `\\x${value.toString("hex")}`
          : String(value);
    expect(literalOf(value)).toBe(pg.escapeLiteral(text));
  });
});
