// Stored responses are JSON; results hold bigints and dates. This codec tags
// them so a replay gives back exactly the values of the first response.
import { DomainError, type ErrorCode } from "../errors/domain-error";

type Encoded = null | boolean | number | string | Encoded[] | { [key: string]: Encoded };

export function encodeResult(value: unknown): Encoded {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return { $bigint: value.toString() };
  if (value instanceof Date) return { $date: value.toISOString() };
  if (value instanceof DomainError) {
    return { $error: { code: value.code, message: value.message, field: value.field } };
  }
  if (Array.isArray(value)) return value.map(encodeResult);
  if (typeof value === "object") {
    // Keys, not entries: one array per object instead of one per property (every payment's answer goes through here).
    const record = value as Record<string, unknown>;
    const out: { [key: string]: Encoded } = {};
    for (const key of Object.keys(record)) {
      const inner = record[key];
      if (inner !== undefined) out[key] = encodeResult(inner);
    }
    return out;
  }
  if (typeof value === "boolean" || typeof value === "number" || typeof value === "string") return value;
  throw new TypeError(`cannot encode a ${typeof value} in an idempotent response`);
}

export function decodeResult(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(decodeResult);
  const record = value as Record<string, unknown>;
  if (typeof record.$bigint === "string") return BigInt(record.$bigint);
  if (typeof record.$date === "string") return new Date(record.$date);
  if (record.$error && typeof record.$error === "object") {
    const error = record.$error as { code: ErrorCode; message: string; field: string[] | null };
    return new DomainError(error.code, error.message, error.field ? { field: error.field } : undefined);
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(record)) out[key] = decodeResult(inner);
  return out;
}
