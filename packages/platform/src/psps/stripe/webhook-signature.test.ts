// Goal: a Stripe-Signature header yields its one timestamp, and any header
// with none, several or a malformed one yields none (so it is refused).
import { describe, expect, it } from "vitest";
import { parseStripeSignatureTimestamp } from "./webhook-signature";

describe("parseStripeSignatureTimestamp", () => {
  it.each([
    ["t=1700000000,v1=abc", 1700000000],
    ["t=1700000000,v1=abc,v1=def", 1700000000],
    ["v1=abc,t=1700000000", 1700000000],
    ["t=1700000000, v1=abc", 1700000000],
  ])("reads %s", (header, expected) => {
    expect(parseStripeSignatureTimestamp(header)).toBe(expected);
  });

  it.each([
    ["", "no header"],
    ["v1=abc", "no timestamp"],
    ["t=1700000000,t=1700000300,v1=abc", "two timestamps"],
    ["t=1700000000,v1=abc, t=1700000300", "a second timestamp behind a space"],
    ["t=,v1=abc", "an empty timestamp"],
    ["t=1e9,v1=abc", "a timestamp that is not digits"],
    ["t=-5,v1=abc", "a negative timestamp"],
    ["t=1234567890123,v1=abc", "more than 12 digits"],
    [`t=1700000000,${"v1=abc,".repeat(20)}`, "more items than any real header"],
  ])("refuses %j (%s)", (header) => {
    expect(parseStripeSignatureTimestamp(header)).toBeNull();
  });
});
