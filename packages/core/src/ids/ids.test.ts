// Checks that ids are prefixed, strictly parsed and creation-ordered, and that idempotency keys are validated.
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import {
  ID_PREFIXES,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  type IdKind,
  newId,
  parseId,
  parseIdempotencyKey,
  parsePspReference,
  requireId,
} from "./ids";

const VALID_ULID = "01JD5Z3K8Q9W2X4Y6Z7A8B9C0D";

describe("newId", () => {
  it.each(Object.entries(ID_PREFIXES) as [IdKind, string][])("%s ids start with %s_", (kind, prefix) => {
    const id = newId(kind);
    expect(id.startsWith(`${prefix}_`)).toBe(true);
    expect(id).toHaveLength(prefix.length + 1 + 26);
    expect(parseId(kind, id)).toBe(id);
  });

  it("sorts in creation order even within one millisecond", () => {
    const ids = Array.from({ length: 5000 }, () => newId("payment"));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("parseId", () => {
  it.each([
    ["payment", `pay_${VALID_ULID}`],
    ["paymentMethod", `pm_${VALID_ULID}`],
    ["refund", `re_${VALID_ULID}`],
    ["idempotencyRecord", `idem_${VALID_ULID}`],
    ["payment", "pay_7ZZZZZZZZZZZZZZZZZZZZZZZZZ"],
    ["payment", "pay_00000000000000000000000000"],
  ] as [IdKind, string][])("accepts a %s id %s", (kind, input) => {
    expect(parseId(kind, input)).toBe(input);
  });

  it.each([
    ["wrong prefix", "payment", `pm_${VALID_ULID}`],
    ["prefix of another kind", "paymentMethod", `pay_${VALID_ULID}`],
    ["missing underscore", "payment", `pay${VALID_ULID}`],
    ["upper-case prefix", "payment", `PAY_${VALID_ULID}`],
    ["lower-case ulid", "payment", `pay_${VALID_ULID.toLowerCase()}`],
    ["too short", "payment", `pay_${VALID_ULID.slice(1)}`],
    ["too long", "payment", `pay_${VALID_ULID}0`],
    ["letter I", "payment", `pay_${VALID_ULID.slice(0, 25)}I`],
    ["letter L", "payment", `pay_${VALID_ULID.slice(0, 25)}L`],
    ["letter O", "payment", `pay_${VALID_ULID.slice(0, 25)}O`],
    ["letter U", "payment", `pay_${VALID_ULID.slice(0, 25)}U`],
    ["timestamp overflow", "payment", "pay_8ZZZZZZZZZZZZZZZZZZZZZZZZZ"],
    ["trailing newline", "payment", `pay_${VALID_ULID}\n`],
    ["empty", "payment", ""],
    ["prefix only", "payment", "pay_"],
  ] as [string, IdKind, string][])("rejects %s", (_label, kind, input) => {
    expect(parseId(kind, input)).toBeNull();
  });
});

describe("requireId", () => {
  it("throws ID_INVALID with the field for a malformed id", () => {
    try {
      requireId("payment", "nope", ["paymentId"]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).code).toBe("ID_INVALID");
      expect((e as DomainError).field).toEqual(["paymentId"]);
    }
  });

  it("returns a valid id unchanged", () => {
    expect(requireId("payment", `pay_${VALID_ULID}`, ["id"])).toBe(`pay_${VALID_ULID}`);
  });
});

describe("parseIdempotencyKey", () => {
  it.each([
    ["a uuid", "3f1c2a9e-8c6b-4e43-9a51-1f1f2d3c4b5a"],
    ["one character", "a"],
    ["max length", "k".repeat(IDEMPOTENCY_KEY_MAX_LENGTH)],
    ["inner spaces", "order 42 attempt 1"],
    ["all printable punctuation", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"],
    ["leading space with content", " a"],
  ])("accepts %s", (_label, input) => {
    expect(parseIdempotencyKey(input)).toBe(input);
  });

  it.each([
    ["empty", ""],
    ["too long", "k".repeat(IDEMPOTENCY_KEY_MAX_LENGTH + 1)],
    ["only spaces", "   "],
    ["tab", "a\tb"],
    ["newline", "a\nb"],
    ["DEL", "a\x7fb"],
    ["non-ASCII", "caf\u00e9"],
    ["emoji", "key-\u{1f600}"],
    ["NUL", "a\x00"],
  ])("rejects %s", (_label, input) => {
    try {
      parseIdempotencyKey(input);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).code).toBe("IDEMPOTENCY_KEY_INVALID");
      expect((e as DomainError).field).toEqual(["idempotencyKey"]);
    }
  });

  it.each([
    ["a bare card number", "4242424242424242"],
    ["a card number with a prefix", "order-4242-4242-4242-4242"],
    ["dotted", "pay.4242.4242.4242.4242"],
  ])("refuses %s as CARD_NUMBER_IN_TEXT, without quoting it", (_label, input) => {
    try {
      parseIdempotencyKey(input);
      expect.unreachable();
    } catch (e) {
      expect((e as DomainError).code).toBe("CARD_NUMBER_IN_TEXT");
      expect((e as DomainError).field).toEqual(["idempotencyKey"]);
      expect((e as DomainError).message).not.toContain("4242");
    }
  });
});

describe("parsePspReference", () => {
  it.each([
    ["sbx_ch_abc", "sbx_ch_abc"],
    ["", null],
    ["has space", null],
    ["x".repeat(256), null],
  ])("%j -> %j", (input, expected) => {
    expect(parsePspReference(input)).toBe(expected);
  });
});
