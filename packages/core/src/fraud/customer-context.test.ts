// Goal: the fraud context of createPayment is validated with a field path, and normalised so lists and counters match.
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import { validateCustomer } from "./customer-context";

describe("validateCustomer", () => {
  it("normalises email and IP spellings", () => {
    expect(
      validateCustomer({ email: "  Alice@Example.COM ", ipAddress: "::ffff:81.2.69.142", deviceId: "dev-1" }),
    ).toMatchObject({ email: "alice@example.com", ipAddress: "81.2.69.142", deviceId: "dev-1" });
    expect(validateCustomer({ ipAddress: "2001:0db8:0000:0000:0000:0000:0000:0001" }).ipAddress).toBe(
      "2001:db8::1",
    );
  });

  it("accepts nothing at all", () => {
    expect(validateCustomer(null)).toMatchObject({ email: null, ipAddress: null, billingPoint: null });
  });

  it.each([
    [{ email: "not-an-email" }, ["customer", "email"]],
    [{ email: "a\u0000b@example.com" }, ["customer", "email"]],
    [{ email: "a@example.com\u0000" }, ["customer", "email"]],
    [{ email: "\u0085a@example.com" }, ["customer", "email"]],
    [{ billingAddress: { line1: "1 Main St\u0000" } }, ["customer", "billingAddress", "line1"]],
    [{ email: `${"a".repeat(250)}@b.co` }, ["customer", "email"]],
    [{ ipAddress: "999.1.1.1" }, ["customer", "ipAddress"]],
    [{ ipAddress: "localhost" }, ["customer", "ipAddress"]],
    [{ deviceId: "" }, ["customer", "deviceId"]],
    [{ deviceId: "has space" }, ["customer", "deviceId"]],
    [{ billingAddress: { country: "usa" } }, ["customer", "billingAddress", "country"]],
    [{ billingAddress: { latitude: 91, longitude: 0 } }, ["customer", "billingAddress", "latitude"]],
    [{ billingAddress: { latitude: 0, longitude: 181 } }, ["customer", "billingAddress", "longitude"]],
    [{ billingAddress: { latitude: 10 } }, ["customer", "billingAddress", "latitude"]],
    [{ billingAddress: { city: "x".repeat(201) } }, ["customer", "billingAddress", "city"]],
  ])("refuses %j with field %j", (input, field) => {
    const error = (() => {
      try {
        validateCustomer(input);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: "INVALID_INPUT", field });
  });

  it("refuses a card number in the email with its own code", () => {
    expect(() => validateCustomer({ email: "4242424242424242@example.com" })).toThrow(
      expect.objectContaining({ code: "CARD_NUMBER_IN_TEXT", field: ["customer", "email"] }),
    );
  });

  it("keeps billing coordinates and country", () => {
    expect(
      validateCustomer({ billingAddress: { country: "FR", latitude: 48.85, longitude: 2.35 } }),
    ).toMatchObject({
      billingCountry: "FR",
      billingPoint: { latitude: 48.85, longitude: 2.35 },
    });
  });
});
