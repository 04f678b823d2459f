// Goal: a receipt address is accepted only in a shape an SMTP server can take, and every refusal is a typed error.
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import { EMAIL_ADDRESS_LENGTH_MAX, parseEmailAddress } from "./email-address";

describe("parseEmailAddress", () => {
  it("normalises case and surrounding spaces; null stays null", () => {
    expect(parseEmailAddress("  Ada@Example.COM ", ["receiptEmail"])).toBe("ada@example.com");
    expect(parseEmailAddress(null, ["receiptEmail"])).toBeNull();
    expect(parseEmailAddress(undefined, ["receiptEmail"])).toBeNull();
  });

  it.each([
    ["no at sign", "ada.example.com"],
    ["no dotted domain", "ada@localhost"],
    ["two addresses", "a@x.io,b@y.io"],
    ["a header injection", "a@x.io\r\nBcc: b@y.io"],
    ["an angle bracket", "<a@x.io>"],
    ["too long", `${"a".repeat(EMAIL_ADDRESS_LENGTH_MAX)}@x.io`],
  ])("refuses %s with INVALID_INPUT on its field", (_name, input) => {
    let thrown: unknown;
    try {
      parseEmailAddress(input, ["receiptEmail"]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect((thrown as DomainError).code).toBe("INVALID_INPUT");
    expect((thrown as DomainError).field).toEqual(["receiptEmail"]);
  });
});
