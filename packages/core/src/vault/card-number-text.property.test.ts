// Properties: any Luhn-valid 13–19 digit number, written with any of the usual separators and surrounded by any
// text, is found and redacted; detection never reports a number in text without 13 digits.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { luhnValid } from "./card";
import { containsCardNumber, redactCardNumbers } from "./card-number-text";

/**
 * A Luhn-valid number with a card's shape: a leading digit a card of that length can have (13 digits: Visa's 4;
 * 1 only at UATP's 15 digits; never 0), random digits, then the check digit.
 */
const cardNumberArb = fc
  .integer({ min: 13, max: 19 })
  .chain((length) =>
    fc.tuple(
      length === 13 ? fc.constant(4) : fc.integer({ min: length === 15 ? 1 : 2, max: 9 }),
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length - 2, maxLength: length - 2 }),
    ),
  )
  .map(([first, rest]) => [first, ...rest])
  .map((body) => {
    for (let check = 0; check <= 9; check++) {
      const candidate = [...body, check].join("");
      if (luhnValid(candidate)) return candidate;
    }
    throw new Error("some check digit always completes a Luhn number");
  });

/** The number split into groups of 1 to 6 digits with one separator between groups. */
const writtenArb = fc
  .tuple(cardNumberArb, fc.constantFrom("", " ", "-", ".", "_"), fc.array(fc.integer({ min: 1, max: 6 })))
  .map(([digits, separator, sizes]) => {
    const groups: string[] = [];
    let rest = digits;
    for (const size of sizes) {
      if (rest.length === 0) break;
      groups.push(rest.slice(0, size));
      rest = rest.slice(size);
    }
    if (rest.length > 0) groups.push(rest);
    return groups.join(separator);
  });

/** Text around the number that cannot extend its run: it does not start or end with a digit or separator. */
const frameArb = fc.string({ maxLength: 20 }).map((text) => (text === "" ? "" : `x${text}x`));

describe("card numbers in free text", () => {
  it("finds and redacts every written card number in any text", () => {
    fc.assert(
      fc.property(frameArb, writtenArb, frameArb, (before, written, after) => {
        const text = `${before} ${written} ${after}`;
        expect(containsCardNumber(text)).toBe(true);
        const redacted = redactCardNumbers(text);
        expect(redacted.replace(/\D/g, "")).not.toContain(written.replace(/\D/g, ""));
      }),
      { numRuns: 2000 },
    );
  });

  it("never refuses a random hex key (what clients use as idempotency keys)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("", "tok-", "order_", "create-"),
        fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 20, maxLength: 64 }),
        (prefix, hex) => {
          expect(containsCardNumber(`${prefix}${hex}`)).toBe(false);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("never refuses a UUID", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.constantFrom("", "order-", "key_"), (uuid, prefix) => {
        expect(containsCardNumber(`${prefix}${uuid}`)).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it("finds nothing in text with fewer than 13 digits", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        fc.pre(text.replace(/\D/g, "").length < 13);
        expect(containsCardNumber(text)).toBe(false);
      }),
    );
  });

  it("leaves text without a 12-digit run unchanged", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        fc.pre(text.replace(/\D/g, "").length < 12);
        expect(redactCardNumbers(text)).toBe(text);
      }),
    );
  });
});
