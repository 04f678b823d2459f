// Goal: every way a console call can fail reads as a sentence: a procedure's own message (with its domain
// code), a masked server error, a proxy's HTML page ("Unexpected token"), a lost network.
import { describe, expect, it } from "vitest";
import { errorText, NETWORK_ERROR_TEXT, SERVER_ERROR_TEXT } from "./error-text";

describe("errorText", () => {
  it.each([
    [{ message: "Give a reason", data: { httpStatus: 400, domainCode: null } }, "Give a reason."],
    [
      {
        message: "At most $70.00 can be refunded.",
        data: { httpStatus: 400, domainCode: "AMOUNT_EXCEEDS_REFUNDABLE" },
      },
      "At most $70.00 can be refunded. (AMOUNT_EXCEEDS_REFUNDABLE)",
    ],
    [{ message: "Unexpected error.", data: { httpStatus: 500, domainCode: null } }, SERVER_ERROR_TEXT],
    [{ message: `Unexpected token '<', "<html><bo"... is not valid JSON` }, SERVER_ERROR_TEXT],
    [{ message: "Failed to fetch" }, NETWORK_ERROR_TEXT],
    [{ message: "" }, SERVER_ERROR_TEXT],
    [null, SERVER_ERROR_TEXT],
    ["a string", SERVER_ERROR_TEXT],
  ])("%j reads %j", (error, expected) => {
    expect(errorText(error)).toBe(expected);
  });

  it("never shows raw JSON or a parser's message", () => {
    const text = errorText({ message: '{"error":{"json":{"message":"x"}}}' });
    expect(text).not.toContain("{");
  });
});
