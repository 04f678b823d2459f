// Goal: after sign-in the console goes back only to a path on itself; every spelling a browser could resolve to
// another origin (or that loops back to sign-in) falls back to the payments list.
import { describe, expect, it } from "vitest";
import { DEFAULT_AFTER_SIGN_IN, safeNextPath, signInPathFor } from "./safe-next-path";

describe("safeNextPath", () => {
  it.each([
    ["/payments/pay_01ABC", "/payments/pay_01ABC"],
    ["/payments?status=PENDING&currency=EUR", "/payments?status=PENDING&currency=EUR"],
    ["/audit#top", "/audit#top"],
    ["/merchants/../audit", "/audit"],
  ])("keeps %s", (next, expected) => {
    expect(safeNextPath(next)).toBe(expected);
  });

  it.each([
    ["missing", undefined],
    ["null", null],
    ["empty", ""],
    ["protocol-relative", "//evil.example/x"],
    ["backslash", "/\\evil.example"],
    ["backslash first", "\\\\evil.example"],
    ["absolute https", "https://evil.example/"],
    ["absolute http to ourselves", "http://127.0.0.1:4020/payments"],
    ["javascript", "javascript:alert(1)"],
    ["relative", "payments"],
    ["tab inside", "/\t/evil.example"],
    ["newline inside", "/\n/evil.example"],
    ["backslash after a dot segment", "/./\\evil.example"],
    ["sign-in loop", "/sign-in?next=/payments"],
    ["too long", `/${"a".repeat(3_000)}`],
  ])("refuses %s", (_name, next) => {
    expect(safeNextPath(next)).toBe(DEFAULT_AFTER_SIGN_IN);
  });
});

describe("signInPathFor", () => {
  it("carries a safe path and drops an unsafe one", () => {
    expect(signInPathFor("/payments/pay_1?x=1")).toBe(
      `/sign-in?next=${encodeURIComponent("/payments/pay_1?x=1")}`,
    );
    expect(signInPathFor("//evil.example")).toBe("/sign-in");
    expect(signInPathFor(null)).toBe("/sign-in");
  });
});
