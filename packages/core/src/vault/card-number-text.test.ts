// Checks the one notion of "a card number in free text": which texts are refused (a Luhn-valid 13–19 digit
// stretch, however it is separated) and which runs redaction blanks.
import { describe, expect, it } from "vitest";
import { containsCardNumber, redactCardNumbers } from "./card-number-text";

describe("containsCardNumber", () => {
  it.each([
    ["plain visa", "4242424242424242"],
    ["spaces", "card 4242 4242 4242 4242 please"],
    ["dashes", "4242-4242-4242-4242"],
    ["dots", "4242.4242.4242.4242"],
    ["underscores", "4242_4242_4242_4242"],
    ["mixed separators", "4242 4242-4242.4242_"],
    ["amex, 15 digits", "amex 3782 822463 10005"],
    ["13-digit visa", "4222222222222"],
    ["19 digits", "4000000000000000006"],
    ["after a date in the same run", "2026-10 4242 4242 4242 4242"],
    ["followed by more groups", "4242 4242 4242 4242 99"],
    ["in a key", "key_4242424242424242"],
    ["UATP, 15 digits starting with 1", "135412345678911"],
  ])("finds a card number: %s", (_label, text) => {
    expect(containsCardNumber(text)).toBe(true);
  });

  it.each([
    ["no digits", "a blue shirt, size M"],
    ["empty", ""],
    ["12 digits", "424242424242"],
    ["not Luhn-valid", "4242424242424241"],
    ["a date and an order number", "2026-12-06 order 12345"],
    ["a phone number", "+44 20 7946 0958"],
    ["20 unseparated digits", "42424242424242420000"],
    ["two separators in a row", "4242  4242  4242  4242"],
    ["digits split by letters", "4242a4242b4242c4242"],
    // Part of a token (hex, base32): random keys hold such runs by chance, people writing a card number do not.
    ["glued to letters", "order4242424242424242x"],
    ["inside a hex key", "create-4f4242424242424242e1"],
    ["zero padding (Luhn-valid, but no card starts with 0)", "pay_01JEXAMPLE0000000000000000"],
    // Luhn-valid, but only Visa issues 13 digits and only UATP (15 digits) starts with 1.
    ["13 Luhn-valid digits not starting with 4", "order-1733600000009"],
    ["16 Luhn-valid digits starting with 1", "ts 1733600000000009"],
  ])("finds none: %s", (_label, text) => {
    expect(containsCardNumber(text)).toBe(false);
  });

  it("never refuses a key built from a millisecond or microsecond timestamp", () => {
    // Ten thousand consecutive milliseconds hold about a thousand Luhn-valid ones.
    const start = 1_765_000_000_000;
    for (let offset = 0; offset < 10_000; offset++) {
      expect(containsCardNumber(`order-${start + offset}`)).toBe(false);
      expect(containsCardNumber(`order-${(start + offset) * 1000 + 7}`)).toBe(false);
    }
  });
});

describe("redactCardNumbers", () => {
  it.each([
    ["card 4242424242424242 stolen", "card [redacted] stolen"],
    ["card 4242-4242-4242-4242 stolen", "card [redacted] stolen"],
    ["card 4242.4242.4242.4242 stolen", "card [redacted] stolen"],
    ["card 4242_4242_4242_4242 stolen", "card [redacted] stolen"],
    ["got 42424242424242420000", "got [redacted]"],
    ["order 12345678901 is fine", "order 12345678901 is fine"],
    ["v1.2.3 on 2026-12-06", "v1.2.3 on 2026-12-06"],
    ["", ""],
  ])("%j → %j", (text, expected) => {
    expect(redactCardNumbers(text)).toBe(expected);
  });
});
