// Checks the free-text rules every command applies to what a client or operator may make us store: control
// characters are INVALID_INPUT, card numbers CARD_NUMBER_IN_TEXT, both with the field path and without
// quoting the text.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import { assertFreeText, hasControlCharacter } from "./free-text";
import {
  validateDescription,
  validateMetadata,
  validateOperatorNote,
  validateRefundReason,
} from "./payment-input";

function errorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a DomainError");
}

describe("assertFreeText", () => {
  it.each([
    ["NUL", "a\u0000b"],
    ["bell", "a\u0007b"],
    ["tab", "a\tb"],
    ["line feed", "a\nb"],
    ["carriage return", "a\rb"],
    ["escape", "\u001b[31mred"],
    ["DEL", "a\u007fb"],
    ["C1 next line", "a\u0085b"],
    ["C1 CSI", "a\u009bb"],
  ])("refuses %s in a single-line field as INVALID_INPUT", (_label, text) => {
    const error = errorOf(() => assertFreeText(text, { field: ["description"] }));
    expect(error.code).toBe("INVALID_INPUT");
    expect(error.field).toEqual(["description"]);
  });

  it.each([
    ["a lone high surrogate", "a\ud800b"],
    ["a lone low surrogate", "a\udc00b"],
    ["a high surrogate at the end", "receipt \ud83e"],
    ["a pair in the wrong order", "\udc00\ud800"],
  ])("refuses %s as INVALID_INPUT, in single- and multi-line fields", (_label, text) => {
    for (const multiline of [false, true]) {
      const error = errorOf(() => assertFreeText(text, { field: ["description"], multiline }));
      expect(error.code).toBe("INVALID_INPUT");
      expect(error.field).toEqual(["description"]);
    }
  });

  it.each([
    ["an emoji (a surrogate pair)", "receipt \ud83e\uddfe"],
    ["accents and CJK", "Café, 東京"],
    ["U+FFFD itself", "a\ufffdb"],
  ])("accepts %s", (_label, text) => {
    expect(() => assertFreeText(text, { field: ["description"] })).not.toThrow();
  });

  it.each([
    ["tab", "a\tb"],
    ["line feed", "a\nb"],
    ["CRLF", "a\r\nb"],
  ])("accepts %s in a multi-line field", (_label, text) => {
    expect(() => assertFreeText(text, { field: ["note"], multiline: true })).not.toThrow();
  });

  it.each([
    ["NUL", "a\u0000b"],
    ["vertical tab", "a\u000bb"],
    ["DEL", "a\u007fb"],
  ])("still refuses %s in a multi-line field", (_label, text) => {
    expect(errorOf(() => assertFreeText(text, { field: ["note"], multiline: true })).code).toBe(
      "INVALID_INPUT",
    );
  });

  it.each([
    ["accents and emoji", "Café crème ☕ for Zoë"],
    ["non-breaking space", "100\u00a0EUR"],
    ["CJK", "注文 1234"],
  ])("accepts %s", (_label, text) => {
    expect(() => assertFreeText(text, { field: ["description"] })).not.toThrow();
  });

  it("refuses a card number without quoting it", () => {
    const error = errorOf(() => assertFreeText("pay with 4242.4242.4242.4242", { field: ["description"] }));
    expect(error.code).toBe("CARD_NUMBER_IN_TEXT");
    expect(error.field).toEqual(["description"]);
    expect(error.message).not.toMatch(/4242/);
  });

  it("never quotes the text in its messages", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 50 }), (text) => {
        const marked = `secret-${text}\u0000`;
        const error = errorOf(() => assertFreeText(marked, { field: ["description"] }));
        expect(error.message).not.toContain(marked);
      }),
    );
  });

  it("agrees with hasControlCharacter on any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 30 }), (text) => {
        const refused = (() => {
          try {
            assertFreeText(text, { field: ["x"], refuseCardNumber: false });
            return false;
          } catch {
            return true;
          }
        })();
        expect(refused).toBe(hasControlCharacter(text));
      }),
    );
  });
});

describe("payment inputs", () => {
  it.each([
    ["description", () => validateDescription("a\u0000b"), "INVALID_INPUT", ["description"]],
    [
      "description card",
      () => validateDescription("4242 4242 4242 4242"),
      "CARD_NUMBER_IN_TEXT",
      ["description"],
    ],
    ["metadata key", () => validateMetadata({ "k\u0000": "v" }), "INVALID_INPUT", ["metadata"]],
    [
      "metadata key card",
      () => validateMetadata({ "4242424242424242": "v" }),
      "CARD_NUMBER_IN_TEXT",
      ["metadata"],
    ],
    ["metadata value", () => validateMetadata({ order: "v\u0000" }), "INVALID_INPUT", ["metadata", "order"]],
    [
      "metadata value card",
      () => validateMetadata({ order: "4242_4242_4242_4242" }),
      "CARD_NUMBER_IN_TEXT",
      ["metadata", "order"],
    ],
    ["refund reason", () => validateRefundReason("dup\u0000"), "INVALID_INPUT", ["reason"]],
    [
      "refund reason card",
      () => validateRefundReason("card 4242424242424242"),
      "CARD_NUMBER_IN_TEXT",
      ["reason"],
    ],
    ["operator note", () => validateOperatorNote("ok\u0000"), "INVALID_INPUT", ["note"]],
    [
      "operator note card",
      () => validateOperatorNote("4242-4242-4242-4242"),
      "CARD_NUMBER_IN_TEXT",
      ["note"],
    ],
  ] as const)("%s is refused", (_label, validate, code, field) => {
    const error = errorOf(validate);
    expect(error.code).toBe(code);
    expect(error.field).toEqual(field);
  });

  it("keeps line breaks in an operator note and trims it", () => {
    expect(validateOperatorNote("  checked with the buyer\nby phone  ")).toBe(
      "checked with the buyer\nby phone",
    );
  });
});
