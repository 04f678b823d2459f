// Checks that canonical JSON is order-independent yet exact, and that request hashes are keyed and operation-scoped.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvariantError } from "../errors/domain-error";
import { canonicalJson, hashRequest } from "./request-hash";

const SECRET = Buffer.alloc(32, 1);

describe("canonicalJson", () => {
  it.each([
    ["sorted keys", { b: 1, a: 2 }, '{"a":2,"b":1}'],
    ["nested sorted keys", { z: { y: 1, x: [3, { d: 1, c: 2 }] } }, '{"z":{"x":[3,{"c":2,"d":1}],"y":1}}'],
    ["bigint as decimal string", { amountMinor: 9007199254740993n }, '{"amountMinor":"9007199254740993"}'],
    ["undefined properties dropped", { a: undefined, b: 1 }, '{"b":1}'],
    ["undefined array items as null", [1, undefined, 2], "[1,null,2]"],
    ["array order kept", [3, 1, 2], "[3,1,2]"],
    ["strings escaped", { s: 'a"b\n' }, '{"s":"a\\"b\\n"}'],
    ["null", null, "null"],
    ["top-level undefined", undefined, "null"],
    ["booleans", [true, false], "[true,false]"],
    ["negative zero", -0, "0"],
    ["dates via toJSON", { at: new Date("2025-01-02T03:04:05.000Z") }, '{"at":"2025-01-02T03:04:05.000Z"}'],
    ["null-prototype objects", Object.assign(Object.create(null), { b: 2, a: 1 }), '{"a":1,"b":2}'],
    ["empty object", {}, "{}"],
    ["unicode keys by code unit", { "\u00e9": 1, z: 2, A: 3 }, '{"A":3,"z":2,"\u00e9":1}'],
  ])("encodes %s", (_label, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  const circular: Record<string, unknown> = {};
  circular.self = circular;
  it.each([
    ["NaN", Number.NaN],
    ["Infinity", { a: Number.POSITIVE_INFINITY }],
    ["a Map", new Map([["a", 1]])],
    ["a Set", new Set([1])],
    [
      "a class instance",
      new (class Point {
        x = 1;
      })(),
    ],
    ["a function", { f: () => 1 }],
    ["a symbol", Symbol("s")],
    ["a cycle", circular],
  ])("refuses %s", (_label, value) => {
    expect(() => canonicalJson(value)).toThrow(InvariantError);
  });

  it("allows the same object twice when it is not a cycle", () => {
    const shared = { a: 1 };
    expect(canonicalJson({ x: shared, y: shared })).toBe('{"x":{"a":1},"y":{"a":1}}');
  });

  it("does not depend on key insertion order", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string(), fc.bigInt())), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(record));
      }),
    );
  });

  it("parses back as JSON for JSON-safe values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(() => JSON.parse(canonicalJson(value))).not.toThrow();
      }),
    );
  });
});

describe("hashRequest", () => {
  const input = { amountMinor: 1000n, currency: "USD" };

  it("is 64 hex chars and stable", () => {
    const hash = hashRequest(SECRET, "createPayment", input);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRequest(SECRET, "createPayment", { currency: "USD", amountMinor: 1000n })).toBe(hash);
  });

  it.each([
    ["a different operation", SECRET, "capturePayment", input],
    ["a different input", SECRET, "createPayment", { ...input, amountMinor: 1001n }],
    ["a different secret", Buffer.alloc(32, 2), "createPayment", input],
  ])("changes with %s", (_label, secret, operation, other) => {
    expect(hashRequest(secret, operation, other)).not.toBe(hashRequest(SECRET, "createPayment", input));
  });

  it.each([
    ["a short secret", Buffer.alloc(8), "op"],
    ["an empty operation", SECRET, ""],
    ["a multi-line operation", SECRET, "op\n{}"],
  ])("refuses %s", (_label, secret, operation) => {
    expect(() => hashRequest(secret, operation, {})).toThrow(InvariantError);
  });
});
