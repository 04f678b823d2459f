// Goal: every card of the one sandbox table (served by the sandbox server and the in-process sandbox) is
// Luhn-valid, unique and maps to the outcome its table promises.
import { describe, expect, it } from "vitest";
import { cardOutcome, luhnValid, SANDBOX_CARDS, sandboxCard } from "./test-cards";

describe("SANDBOX_CARDS", () => {
  it.each(SANDBOX_CARDS.map((card) => [card.number, card]))(
    "%s is Luhn-valid and resolves to its outcome",
    (number, card) => {
      expect(luhnValid(number)).toBe(true);
      expect(cardOutcome(number)).toEqual(card.outcome);
    },
  );

  it("has no duplicate numbers", () => {
    const numbers = SANDBOX_CARDS.map((card) => card.number);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it.each([
    ["4000000000000002", { kind: "decline", code: "card_declined" }],
    ["4000000000009995", { kind: "decline", code: "insufficient_funds" }],
    ["4000000000000069", { kind: "decline", code: "expired_card" }],
    ["4000000000000127", { kind: "decline", code: "incorrect_cvc" }],
    ["4000000000009987", { kind: "decline", code: "lost_card" }],
    ["4000000000009979", { kind: "decline", code: "stolen_card" }],
    ["4100000000000019", { kind: "decline", code: "fraudulent" }],
    ["4000000000000119", { kind: "processing_error" }],
    ["4242 4242 4242 4242", { kind: "approve" }],
    ["4111111111111111", { kind: "approve" }],
  ])("%s → %o", (number, outcome) => {
    expect(cardOutcome(number)).toEqual(outcome);
  });

  it.each(["4242424242424241", "1234", "abcd"])("%s is not a card number", (number) => {
    expect(cardOutcome(number)).toBeNull();
  });

  it("finds a card's entry with or without separators, and none for an unlisted number", () => {
    expect(sandboxCard("4000-0000-0000-0002")?.outcome).toEqual({ kind: "decline", code: "card_declined" });
    expect(sandboxCard("4111111111111111")).toBeUndefined();
  });
});
