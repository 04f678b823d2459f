// Goal: the idempotency store follows Stripe's rules: replay the same request, refuse other parameters, report a key still in progress, and forget released keys.
import { describe, expect, it } from "vitest";
import { IdempotencyStore, requestFingerprint } from "./idempotency-store";

const RESPONSE = { status: 200, headers: { "Content-Type": "application/json" }, body: "{}" };
const FIRST = requestFingerprint("POST", "/payment_intents", { amount: "100", metadata: { a: "1", b: "2" } });

describe("IdempotencyStore", () => {
  it("fingerprints parameters regardless of key order, and tells other paths and parameters apart", () => {
    expect(
      requestFingerprint("POST", "/payment_intents", { metadata: { b: "2", a: "1" }, amount: "100" }),
    ).toBe(FIRST);
    expect(requestFingerprint("POST", "/refunds", { amount: "100", metadata: { a: "1", b: "2" } })).not.toBe(
      FIRST,
    );
    expect(
      requestFingerprint("POST", "/payment_intents", { amount: "101", metadata: { a: "1", b: "2" } }),
    ).not.toBe(FIRST);
  });

  it.each([
    ["in progress, same request", false, FIRST, { kind: "in_progress" }],
    ["done, same request", true, FIRST, { kind: "replay", response: RESPONSE }],
    ["in progress, other request", false, "other", { kind: "mismatch" }],
    ["done, other request", true, "other", { kind: "mismatch" }],
  ])("a second begin when %s → %o", (_case, completed, fingerprint, expected) => {
    const store = new IdempotencyStore();
    expect(store.begin("stripe", "key-1", FIRST)).toEqual({ kind: "new" });
    if (completed) store.complete("stripe", "key-1", RESPONSE);
    expect(store.begin("stripe", "key-1", fingerprint)).toEqual(expected);
  });

  it("scopes keys per PSP and forgets a released key", () => {
    const store = new IdempotencyStore();
    store.begin("stripe", "key-1", FIRST);
    expect(store.begin("adyen", "key-1", "other")).toEqual({ kind: "new" });
    store.release("stripe", "key-1");
    expect(store.begin("stripe", "key-1", "other")).toEqual({ kind: "new" });
  });
});
