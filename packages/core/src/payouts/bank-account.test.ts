// Payout destinations: IBANs checked by ibantools, ABA routing checksums, US account numbers, and that the
// secret never reaches an error message.
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import { abaRoutingNumberValid, parseBankAccount } from "./bank-account";

function codeOf(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (error) {
    return error instanceof DomainError ? error.code : "not a DomainError";
  }
}

describe("ABA routing numbers", () => {
  it.each(["011000015", "021000021", "026009593", "111000025"])("accepts %s", (routing) => {
    expect(abaRoutingNumberValid(routing)).toBe(true);
  });
  it.each(["011000016", "12345678", "0110000150", "01100001a", ""])("refuses %j", (routing) => {
    expect(abaRoutingNumberValid(routing)).toBe(false);
  });
});

describe("parseBankAccount", () => {
  it("takes an IBAN with spaces and shows only its last four and the bank's name", () => {
    const parsed = parseBankAccount({
      iban: "DE89 3704 0044 0532 0130 00",
      holderName: "Acme GmbH",
      currency: "EUR",
    });
    expect(parsed).toMatchObject({
      rail: "SEPA",
      country: "DE",
      last4: "3000",
      bankName: "Commerzbank",
      routingNumber: null,
      number: "DE89370400440532013000",
    });
  });

  it("takes a US routing and account number", () => {
    const parsed = parseBankAccount({
      routingNumber: "021000021",
      accountNumber: "000123456789",
      holderName: "Acme Inc",
      currency: "USD",
    });
    expect(parsed).toMatchObject({ rail: "ACH", country: "US", last4: "6789", bankName: "JPMorgan Chase" });
  });

  it.each([
    ["a wrong IBAN checksum", { iban: "DE89370400440532013001", currency: "EUR" }, "BANK_ACCOUNT_INVALID"],
    [
      "an IBAN of the wrong length for its country",
      { iban: "DE8937040044053201300", currency: "EUR" },
      "BANK_ACCOUNT_INVALID",
    ],
    ["an unknown country", { iban: "XX89370400440532013000", currency: "EUR" }, "BANK_ACCOUNT_INVALID"],
    ["an IBAN for USD", { iban: "DE89370400440532013000", currency: "USD" }, "BANK_ACCOUNT_INVALID"],
    [
      "a bad routing number",
      { routingNumber: "021000022", accountNumber: "000123456789", currency: "USD" },
      "BANK_ACCOUNT_INVALID",
    ],
    [
      "a short account number",
      { routingNumber: "021000021", accountNumber: "123", currency: "USD" },
      "BANK_ACCOUNT_INVALID",
    ],
    [
      "letters in the account number",
      { routingNumber: "021000021", accountNumber: "12ab5678", currency: "USD" },
      "BANK_ACCOUNT_INVALID",
    ],
    [
      "ACH in EUR",
      { routingNumber: "021000021", accountNumber: "000123456789", currency: "EUR" },
      "BANK_ACCOUNT_INVALID",
    ],
    [
      "both kinds at once",
      {
        iban: "DE89370400440532013000",
        routingNumber: "021000021",
        accountNumber: "000123456789",
        currency: "EUR",
      },
      "BANK_ACCOUNT_INVALID",
    ],
    ["neither", { currency: "EUR" }, "BANK_ACCOUNT_INVALID"],
    ["an unknown currency", { iban: "DE89370400440532013000", currency: "EURO" }, "CURRENCY_INVALID"],
  ])("refuses %s", (_label, input, code) => {
    expect(codeOf(() => parseBankAccount({ holderName: "Acme", ...input }))).toBe(code);
  });

  it("never puts the number in an error message", () => {
    try {
      parseBankAccount({ iban: "DE89370400440532013001", holderName: "Acme", currency: "EUR" });
    } catch (error) {
      expect((error as Error).message).not.toContain("0532013001");
    }
    try {
      parseBankAccount({
        routingNumber: "021000021",
        accountNumber: "12ab5678",
        holderName: "Acme",
        currency: "USD",
      });
    } catch (error) {
      expect((error as Error).message).not.toContain("12ab5678");
    }
  });

  it("refuses an empty or over-long holder name", () => {
    expect(
      codeOf(() => parseBankAccount({ iban: "DE89370400440532013000", holderName: " ", currency: "EUR" })),
    ).toBe("BANK_ACCOUNT_INVALID");
    expect(
      codeOf(() =>
        parseBankAccount({ iban: "DE89370400440532013000", holderName: "x".repeat(141), currency: "EUR" }),
      ),
    ).toBe("BANK_ACCOUNT_INVALID");
  });
});
