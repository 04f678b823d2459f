// Goal: only real http(s) origins, in the spelling browsers send, can be put on a merchant's CORS allow-list.
import { describe, expect, it } from "vitest";
import { ALLOWED_ORIGINS_MAX, parseAllowedOrigin, parseAllowedOrigins } from "./allowed-origins";

describe("parseAllowedOrigin", () => {
  it.each([
    ["https://shop.example", "https://shop.example"],
    ["https://Shop.Example:443", "https://shop.example"],
    ["http://localhost:3000", "http://localhost:3000"],
    ["https://shop.example/", "https://shop.example"],
    ["  https://shop.example  ", "https://shop.example"],
    ["https://[::1]:8443", "https://[::1]:8443"],
  ])("%s is the origin %s", (raw, origin) => {
    expect(parseAllowedOrigin(raw)).toEqual({ ok: true, origin });
  });

  it.each([
    [""],
    ["null"],
    ["*"],
    ["https://*.shop.example"],
    ["shop.example"],
    ["ftp://shop.example"],
    ["file:///tmp/x"],
    ["https://shop.example/checkout"],
    ["https://shop.example?x=1"],
    ["https://shop.example#top"],
    ["https://user:pw@shop.example"],
    [`https://${"a".repeat(250)}.example`],
  ])("%s is refused", (raw) => {
    expect(parseAllowedOrigin(raw).ok).toBe(false);
  });
});

describe("parseAllowedOrigins", () => {
  it("drops duplicates after canonicalising", () => {
    expect(parseAllowedOrigins(["https://a.example", "https://A.example:443", "https://b.example"])).toEqual({
      ok: true,
      origins: ["https://a.example", "https://b.example"],
    });
  });

  it("names the first bad entry", () => {
    const parsed = parseAllowedOrigins(["https://a.example", "null"]);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.reason).toContain("null");
  });

  it("refuses more than the maximum", () => {
    const many = Array.from({ length: ALLOWED_ORIGINS_MAX + 1 }, (_, i) => `https://s${i}.example`);
    expect(parseAllowedOrigins(many).ok).toBe(false);
  });
});
