// Scalars. Amounts are integers of minor units carried as digit strings: JSON
// numbers lose precision above 2^53, and a payment amount never may.

import type { ErrorCode } from "@paycore/core/errors/domain-error";
import { parseCurrency } from "@paycore/core/money/currency";
import { MAX_AMOUNT_MINOR, readMinorDigits } from "@paycore/core/money/money";
import { GraphQLError, Kind, type ValueNode } from "graphql";
import { builder } from "./builder";

const SIGNED_DIGITS = /^-?[0-9]{1,19}$/;
/** Bounds what a client can make us store in one payment's metadata. */
const METADATA_MAX_BYTES = 8 * 1024;

function inputError(code: ErrorCode, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

function parseMinorUnits(value: unknown): bigint {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw inputError(
        "AMOUNT_INVALID",
        "MinorUnits must be a non-negative integer; send amounts above 2^53 as a digit string.",
      );
    }
    return BigInt(value);
  }
  // The core's one rule for amounts as text: canonical digits (no leading zero), bounded length.
  const reading = typeof value === "string" ? readMinorDigits(value) : null;
  if (reading === null || (!reading.ok && reading.reason === "not_canonical")) {
    throw inputError(
      "AMOUNT_INVALID",
      "MinorUnits must be a non-negative integer or a string of digits without leading zeros.",
    );
  }
  if (!reading.ok || reading.amountMinor > MAX_AMOUNT_MINOR) {
    throw inputError("AMOUNT_TOO_LARGE", `MinorUnits must be at most ${MAX_AMOUNT_MINOR}.`);
  }
  return reading.amountMinor;
}

function literalValue(node: ValueNode): unknown {
  if (node.kind === Kind.INT) {
    if (node.value.startsWith("-")) return -1;
    return node.value.length > 15 ? node.value : Number(node.value);
  }
  if (node.kind === Kind.STRING) return node.value;
  if (node.kind === Kind.FLOAT) return Number.NaN;
  return undefined;
}

builder.scalarType("MinorUnits", {
  description:
    "An amount as a non-negative integer count of the currency's minor units (cents for USD, yen for JPY, fils for KWD). Serialized as a digit string; accepts an Int or a digit string.",
  serialize: (value) => value.toString(),
  parseValue: parseMinorUnits,
  parseLiteral: (node) => parseMinorUnits(literalValue(node)),
});

builder.scalarType("SignedMinorUnits", {
  description:
    "A signed integer count of minor units (a balance may be negative), serialized as a digit string.",
  serialize: (value) => value.toString(),
  parseValue: (value) => {
    if (typeof value === "string" && SIGNED_DIGITS.test(value)) return BigInt(value);
    if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
    throw inputError("AMOUNT_INVALID", "SignedMinorUnits must be an integer.");
  },
});

function parseCurrencyCode(value: unknown) {
  const currency = typeof value === "string" ? parseCurrency(value) : null;
  if (currency === null)
    throw inputError("CURRENCY_INVALID", "CurrencyCode must be an ISO 4217 code such as USD.");
  return currency;
}

builder.scalarType("CurrencyCode", {
  description: "An ISO 4217 alphabetic currency code in upper case, such as USD, JPY or KWD.",
  serialize: (value) => value,
  parseValue: parseCurrencyCode,
  parseLiteral: (node) => parseCurrencyCode(node.kind === Kind.STRING ? node.value : undefined),
});

function parseDateTime(value: unknown): Date {
  const date = typeof value === "string" ? new Date(value) : null;
  if (date === null || Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value as string)) {
    throw inputError("INVALID_INPUT", "DateTime must be an ISO 8601 timestamp such as 2026-01-31T12:00:00Z.");
  }
  return date;
}

builder.scalarType("DateTime", {
  description: "An ISO 8601 timestamp in UTC.",
  serialize: (value) => value.toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (node) => parseDateTime(node.kind === Kind.STRING ? node.value : undefined),
});

function parseMetadata(value: unknown): Record<string, string> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw inputError("METADATA_INVALID", "Metadata must be an object of string values.");
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.some(([, inner]) => typeof inner !== "string")) {
    throw inputError("METADATA_INVALID", "Metadata values must be strings.");
  }
  if (Buffer.byteLength(JSON.stringify(value)) > METADATA_MAX_BYTES) {
    throw inputError("METADATA_INVALID", `Metadata must be at most ${METADATA_MAX_BYTES} bytes.`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

builder.scalarType("Metadata", {
  description:
    "A map of string keys to string values (at most 50 keys of 40 characters, values of 500 characters).",
  serialize: (value) => value,
  parseValue: parseMetadata,
  parseLiteral: (node) => {
    if (node.kind !== Kind.OBJECT) throw inputError("METADATA_INVALID", "Metadata must be an object.");
    const out: Record<string, unknown> = {};
    for (const field of node.fields) {
      out[field.name.value] = field.value.kind === Kind.STRING ? field.value.value : null;
    }
    return parseMetadata(out);
  },
});
