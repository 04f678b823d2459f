// Goal: the console's security headers are strict where it matters (scripts only with the response's nonce,
// no framing, no eval in production) and send HSTS only over https unless configured to always.
import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, newNonce, securityHeaders, servedOverHttps } from "./security-headers";

describe("contentSecurityPolicy", () => {
  it("allows scripts only with the nonce, never inline, eval only in development", () => {
    const production = contentSecurityPolicy("abc", { development: false });
    expect(production).toContain("script-src 'self' 'nonce-abc' 'strict-dynamic'");
    expect(production).toContain("frame-ancestors 'none'");
    expect(production).toContain("object-src 'none'");
    expect(production).not.toContain("unsafe-eval");
    expect(production).not.toContain("unsafe-inline");
    expect(contentSecurityPolicy("abc", { development: true })).toContain("'unsafe-eval'");
  });
});

describe("newNonce", () => {
  it("is 128 random bits, different every time", () => {
    const nonces = new Set(Array.from({ length: 50 }, () => newNonce()));
    expect(nonces.size).toBe(50);
    for (const nonce of nonces) expect(Buffer.from(nonce, "base64")).toHaveLength(16);
  });
});

describe("securityHeaders", () => {
  it.each([
    ["http, auto", false, "auto", false],
    ["https, auto", true, "auto", true],
    ["http, always", false, "always", true],
  ] as const)("HSTS on %s: %s", (_name, https, hsts, expected) => {
    const headers = securityHeaders({ nonce: "n", development: false, https, hsts });
    expect("Strict-Transport-Security" in headers).toBe(expected);
    expect(headers).toMatchObject({ "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin" });
  });
});

describe("servedOverHttps", () => {
  it.each([
    ["https://console.example.com/", null, true],
    ["http://localhost:3000/", null, false],
    ["http://10.0.0.5:3000/", "https", true],
    ["http://10.0.0.5:3000/", "https, http", true],
    ["https://console.example.com/", "http", false],
  ])("%s with X-Forwarded-Proto %s: %s", (url, forwarded, expected) => {
    expect(servedOverHttps(url, forwarded)).toBe(expected);
  });
});
