// Goal: API keys have the documented shapes, are unguessable, and only their hash is kept.
import { describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey, parseApiKey } from "./api-keys";

describe("api keys", () => {
  it.each([
    ["SECRET", "TEST", /^sk_test_[0-9A-Za-z]{32}$/],
    ["SECRET", "LIVE", /^sk_live_[0-9A-Za-z]{32}$/],
    ["PUBLISHABLE", "TEST", /^pk_test_[0-9A-Za-z]{32}$/],
    ["PUBLISHABLE", "LIVE", /^pk_live_[0-9A-Za-z]{32}$/],
  ] as const)("a %s %s key has its prefix and parses back", (kind, mode, shape) => {
    const generated = generateApiKey(kind, mode);
    expect(generated.key).toMatch(shape);
    expect(parseApiKey(generated.key)).toEqual({ kind, mode });
    expect(generated.secretHash).toBe(hashApiKey(generated.key));
    expect(generated.displayHint).not.toContain(generated.key.slice(8, 28));
  });

  it("never repeats a key", () => {
    const keys = new Set(Array.from({ length: 500 }, () => generateApiKey("SECRET", "TEST").key));
    expect(keys.size).toBe(500);
  });

  it.each([
    "",
    "sk_test_short",
    "xk_test_0123456789abcdefABCDEF0123456789",
    "sk_prod_0123456789abcdefABCDEF01",
  ])("rejects the malformed key %j", (key) => {
    expect(parseApiKey(key)).toBeNull();
  });
});
