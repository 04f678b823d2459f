import { createHmac } from "node:crypto";
import { InvariantError, invariant } from "../errors/domain-error";

const MIN_SECRET_BYTES = 16;

/**
 * Deterministic JSON: object keys sorted, bigints as decimal strings, undefined properties
 * dropped, array order kept. Anything that JSON would silently mangle (Map, Set, class
 * instances, functions, NaN, cycles) throws instead, because two different requests must
 * never hash the same. Hash the parsed input (bigint amounts), not the raw body, so that
 * 500 and "500" count as the same request.
 */
export function canonicalJson(value: unknown): string {
  return write(value === undefined ? null : value, new Set());
}

function write(value: unknown, ancestors: Set<object>): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      invariant(Number.isFinite(value), "canonicalJson cannot encode NaN or Infinity");
      return JSON.stringify(value);
    case "bigint":
      return JSON.stringify(value.toString());
    case "object":
      if (value === null) return "null";
      return writeObject(value, ancestors);
    default:
      throw new InvariantError(`canonicalJson cannot encode a ${typeof value}`);
  }
}

function writeObject(value: object, ancestors: Set<object>): string {
  invariant(!ancestors.has(value), "canonicalJson cannot encode a circular structure");
  ancestors.add(value);
  try {
    const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      // Dates and Buffers describe themselves; honour that the way JSON.stringify does.
      const replacement: unknown = toJSON.call(value);
      return replacement === undefined ? "null" : write(replacement, ancestors);
    }
    if (Array.isArray(value)) {
      return `[${value.map((item) => (item === undefined ? "null" : write(item, ancestors))).join(",")}]`;
    }
    const prototype = Object.getPrototypeOf(value);
    // The message is built only when it is thrown: every request hashes its input through here.
    if (prototype !== Object.prototype && prototype !== null) {
      throw new InvariantError(
        `canonicalJson only encodes plain objects, not ${prototype?.constructor?.name ?? "this value"}`,
      );
    }
    const record = value as Record<string, unknown>;
    let text = "{";
    for (const key of Object.keys(record).sort()) {
      const member = record[key];
      if (member === undefined) continue;
      text += `${text === "{" ? "" : ","}${JSON.stringify(key)}:${write(member, ancestors)}`;
    }
    return `${text}}`;
  } finally {
    ancestors.delete(value);
  }
}

/**
 * HMAC rather than a plain hash: inputs hold customers' emails and IP addresses, which an unkeyed
 * hash would give away to a dictionary. Not enough for card data, whose small space falls to brute
 * force once the secret leaks: tokenizeCard hashes its fingerprint instead (tokenize-request.ts).
 */
export function hashRequest(secret: Buffer, operation: string, input: unknown): string {
  invariant(
    Buffer.isBuffer(secret) && secret.length >= MIN_SECRET_BYTES,
    `request hash secret must be at least ${MIN_SECRET_BYTES} bytes`,
  );
  // A newline in the operation would let operation and body boundaries shift between requests.
  invariant(
    operation.length > 0 && !operation.includes("\n"),
    "operation name must be a non-empty single line",
  );
  return createHmac("sha256", secret)
    .update(operation, "utf8")
    .update("\n", "utf8")
    .update(canonicalJson(input), "utf8")
    .digest("hex");
}
