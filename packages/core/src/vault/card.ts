import { DomainError } from "../errors/domain-error";

export type CardBrand =
  | "visa"
  | "mastercard"
  | "amex"
  | "discover"
  | "diners"
  | "jcb"
  | "unionpay"
  | "unknown";

export interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

export interface ValidCard {
  /** Digits only. */
  number: string;
  expMonth: number;
  expYear: number;
  brand: CardBrand;
  last4: string;
}

export function luhnValid(digits: string): boolean {
  if (typeof digits !== "string" || !/^[0-9]+$/.test(digits)) {
    return false;
  }
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

function prefixIn(digits: string, length: number, min: number, max: number): boolean {
  if (digits.length < length) return false;
  const prefix = Number(digits.slice(0, length));
  return prefix >= min && prefix <= max;
}

// Ordered most specific first; the ranges do not overlap, but this keeps it obvious.
const BRAND_RANGES: ReadonlyArray<readonly [CardBrand, number, number, number]> = [
  ["jcb", 4, 3528, 3589],
  ["mastercard", 4, 2221, 2720],
  ["discover", 4, 6011, 6011],
  ["discover", 3, 644, 649],
  ["diners", 3, 300, 305],
  ["amex", 2, 34, 34],
  ["amex", 2, 37, 37],
  ["mastercard", 2, 51, 55],
  ["discover", 2, 65, 65],
  ["diners", 2, 36, 36],
  ["diners", 2, 38, 39],
  ["unionpay", 2, 62, 62],
  ["visa", 1, 4, 4],
];

/** Brand by issuer identification number (leading digits); good enough for display and CVC length. */
export function detectBrand(digits: string): CardBrand {
  if (typeof digits !== "string" || !/^[0-9]+$/.test(digits)) {
    return "unknown";
  }
  for (const [brand, length, min, max] of BRAND_RANGES) {
    if (prefixIn(digits, length, min, max)) {
      return brand;
    }
  }
  return "unknown";
}

/**
 * Validates raw card input. Every message is generic: the number and CVC are never echoed,
 * because error messages end up in logs and API responses.
 */
export function validateCard(input: CardInput, now: Date): ValidCard {
  const rawNumber: unknown = input.number;
  // Only spaces and dashes are the separators people actually type; anything else is suspicious.
  const digits = typeof rawNumber === "string" ? rawNumber.replace(/[ -]/g, "") : "";
  if (!/^[0-9]{12,19}$/.test(digits) || !luhnValid(digits)) {
    throw new DomainError("CARD_NUMBER_INVALID", "card number is invalid", { field: ["card", "number"] });
  }

  const { expMonth, expYear } = input;
  if (!Number.isInteger(expMonth) || expMonth < 1 || expMonth > 12) {
    throw new DomainError("CARD_EXPIRY_INVALID", "expiry month must be an integer from 1 to 12", {
      field: ["card", "expMonth"],
    });
  }
  if (!Number.isInteger(expYear) || expYear < 2000 || expYear > 2099) {
    throw new DomainError("CARD_EXPIRY_INVALID", "expiry year must be a four-digit year", {
      field: ["card", "expYear"],
    });
  }
  // Date.UTC months are 0-based, so expMonth itself is the first instant after the expiry month.
  const firstInstantAfterExpiry = Date.UTC(expYear, expMonth, 1);
  if (now.getTime() >= firstInstantAfterExpiry) {
    throw new DomainError("CARD_EXPIRED", "card has expired");
  }

  const brand = detectBrand(digits);
  const cvcLength = brand === "amex" ? 4 : 3;
  const cvc: unknown = input.cvc;
  if (typeof cvc !== "string" || cvc.length !== cvcLength || !/^[0-9]+$/.test(cvc)) {
    throw new DomainError("CARD_CVC_INVALID", `card security code must be ${cvcLength} digits`, {
      field: ["card", "cvc"],
    });
  }

  return { number: digits, expMonth, expYear, brand, last4: digits.slice(-4) };
}
