// What onboarding knows about a merchant (issue 22): the business details a payment platform asks for, their
// bounds, and the admission rules that follow from the onboarding status. Until verified a merchant may take
// test payments freely and live payments up to a configured total per currency, and its live payouts are held;
// restricted, rejected or frozen merchants take no live payments and get no payouts.
import { DomainError } from "../errors/domain-error";
import { type CurrencyCode, parseCurrency } from "../money/currency";
import { parseAmountMinor } from "../money/money";
import { hasLoneSurrogate } from "../payments/free-text";
import type { Mode } from "../payments/payment-record";
import { containsCardNumber } from "../vault/card-number-text";
import type { OnboardingStatus } from "./onboarding-state-machine";

export const LEGAL_NAME_LENGTH_MAX = 200;
export const REGISTRATION_NUMBER_LENGTH_MAX = 64;
export const REPRESENTATIVE_NAME_LENGTH_MAX = 200;
export const WEBSITE_LENGTH_MAX = 300;
export const DECISION_NOTE_LENGTH_MAX = 2_000;
/** A representative is an adult and alive: born 18 to 120 years before the submission. */
const REPRESENTATIVE_AGE_MIN_YEARS = 18;
const REPRESENTATIVE_AGE_MAX_YEARS = 120;

export interface BusinessDetails {
  legalName: string;
  /** ISO 3166-1 alpha-2, upper case. */
  country: string;
  registrationNumber: string;
  representativeName: string;
  /** YYYY-MM-DD. */
  representativeBirthDate: string;
  /** An http(s) URL. */
  website: string;
  expectedMonthlyVolume: { amountMinor: bigint; currency: CurrencyCode };
}

export interface BusinessDetailsInput {
  legalName: string;
  country: string;
  registrationNumber: string;
  representativeName: string;
  representativeBirthDate: string;
  website: string;
  expectedMonthlyVolume: { amount: unknown; currency: string };
}

export interface OnboardingRecord {
  merchantId: string;
  status: OnboardingStatus;
  version: number;
  /** Null until the merchant (or an operator for it) submitted them. */
  details: BusinessDetails | null;
  detailsSubmittedAt: Date | null;
  decidedAt: Date | null;
}

function invalid(field: string, message: string): DomainError {
  return new DomainError("INVALID_INPUT", message, { field: [field] });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
const CONTROL = /[\u0000-\u001f\u007f]/;

function line(field: keyof BusinessDetailsInput, value: unknown, max: number): string {
  if (typeof value !== "string") throw invalid(field, `${field} is required.`);
  const text = value.normalize("NFC").trim().replace(/\s+/g, " ");
  if (text.length === 0 || text.length > max) throw invalid(field, `${field} is 1 to ${max} characters.`);
  // Half a surrogate pair is not text either (it made a later step fail: "Unexpected error.").
  if (CONTROL.test(text) || hasLoneSurrogate(text))
    throw invalid(field, `${field} contains control characters.`);
  if (containsCardNumber(text))
    throw new DomainError("CARD_NUMBER_IN_TEXT", `${field} looks like it contains a card number.`, {
      field: [field],
    });
  return text;
}

const REGIONS = new Intl.DisplayNames(["en"], { type: "region", fallback: "none" });

/** An ISO 3166-1 alpha-2 country code that names a country or territory (ICU's region data). */
export function parseCountry(value: unknown): string | null {
  if (typeof value !== "string" || !/^[A-Za-z]{2}$/.test(value)) return null;
  const code = value.toUpperCase();
  // Reserved and user-assigned codes (XX, ZZ, AA, QM-QZ, XA-XZ) are not countries.
  if (code === "ZZ" || code === "AA" || /^(Q[M-Z]|X[A-Z])$/.test(code)) return null;
  return REGIONS.of(code) === undefined ? null : code;
}

function birthDate(value: unknown, now: Date): string {
  const field = "representativeBirthDate";
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value))
    throw invalid(field, `${field} is a date such as 1980-04-30.`);
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value)
    throw invalid(field, `${field} is not a real date.`);
  const years = (from: number) => {
    const limit = new Date(now);
    limit.setUTCFullYear(limit.getUTCFullYear() - from);
    return limit.getTime();
  };
  if (
    date.getTime() > years(REPRESENTATIVE_AGE_MIN_YEARS) ||
    date.getTime() < years(REPRESENTATIVE_AGE_MAX_YEARS)
  )
    throw invalid(
      field,
      `The representative is ${REPRESENTATIVE_AGE_MIN_YEARS} to ${REPRESENTATIVE_AGE_MAX_YEARS} years old.`,
    );
  return value;
}

function website(value: unknown): string {
  const text = line("website", value, WEBSITE_LENGTH_MAX);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid("website", "website is an http(s) address such as https://shop.example.");
  }
  if (
    (url.protocol !== "https:" && url.protocol !== "http:") ||
    url.username ||
    url.password ||
    !url.hostname.includes(".")
  )
    throw invalid("website", "website is an http(s) address such as https://shop.example.");
  return url.toString();
}

/** Validates the whole set of details; a bad field is INVALID_INPUT naming it, and nothing is written. */
export function validBusinessDetails(input: BusinessDetailsInput, now: Date): BusinessDetails {
  const country = parseCountry(input.country);
  if (country === null) throw invalid("country", "country is an ISO 3166-1 alpha-2 code such as DE.");
  const registrationNumber = line(
    "registrationNumber",
    input.registrationNumber,
    REGISTRATION_NUMBER_LENGTH_MAX,
  );
  if (!/^[\p{L}\p{N} ./-]+$/u.test(registrationNumber))
    throw invalid(
      "registrationNumber",
      "registrationNumber has letters, digits, spaces, dots, slashes or dashes.",
    );
  const currency = parseCurrency(input.expectedMonthlyVolume?.currency ?? "");
  if (currency === null)
    throw new DomainError("CURRENCY_INVALID", "currency must be an ISO 4217 code such as EUR.", {
      field: ["expectedMonthlyVolume", "currency"],
    });
  const amountMinor = parseAmountMinor(input.expectedMonthlyVolume.amount, {
    currency,
    field: ["expectedMonthlyVolume", "amount"],
  });
  return {
    legalName: line("legalName", input.legalName, LEGAL_NAME_LENGTH_MAX),
    country,
    registrationNumber,
    representativeName: line("representativeName", input.representativeName, REPRESENTATIVE_NAME_LENGTH_MAX),
    representativeBirthDate: birthDate(input.representativeBirthDate, now),
    website: website(input.website),
    expectedMonthlyVolume: { amountMinor, currency },
  };
}

/** An operator's note on a decision: required, bounded, plain text. */
export function validDecisionNote(value: unknown): string {
  if (typeof value !== "string") throw invalid("note", "A decision needs a note.");
  const text = value.trim();
  if (text.length === 0 || text.length > DECISION_NOTE_LENGTH_MAX)
    throw invalid("note", `A note is 1 to ${DECISION_NOTE_LENGTH_MAX} characters.`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters other than line breaks are refused.
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text))
    throw invalid("note", "The note contains control characters.");
  if (containsCardNumber(text))
    throw new DomainError("CARD_NUMBER_IN_TEXT", "The note looks like it contains a card number.", {
      field: ["note"],
    });
  return text;
}

// ---- admission ---------------------------------------------------------------------------------------------------

/** What admission needs to know of a merchant right now. */
export interface MerchantStanding {
  onboardingStatus: OnboardingStatus;
  /** A confirmed sanctions match froze the merchant: no live payments, no payouts. */
  frozen: boolean;
  /** A sanctions hit waits for an operator's decision: payouts wait too. */
  sanctionsReviewOpen: boolean;
}

/** The total of live payments an unverified merchant may take, per currency (minor units); absent: none. */
export type LiveLimits = ReadonlyMap<CurrencyCode, bigint>;

/** Parses "EUR:100000,USD:100000" (minor units per currency); throws on a bad entry (configuration). */
export function parseLiveLimits(text: string): LiveLimits {
  const limits = new Map<CurrencyCode, bigint>();
  for (const entry of text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z]{3}):(\d{1,16})$/.exec(entry);
    const currency = match ? parseCurrency((match[1] as string).toUpperCase()) : null;
    if (!match || currency === null) throw new Error(`bad live limit "${entry}": use CUR:minorUnits`);
    limits.set(currency, BigInt(match[2] as string));
  }
  return limits;
}

const restricted = (why: string) =>
  new DomainError("MERCHANT_RESTRICTED", `${why}: live payments and payouts are refused.`);

function refusalOfStatus(standing: MerchantStanding): DomainError | null {
  if (standing.frozen) return restricted("The merchant is frozen after a confirmed sanctions match");
  if (standing.onboardingStatus === "RESTRICTED") return restricted("The merchant is restricted");
  if (standing.onboardingStatus === "REJECTED") return restricted("The merchant's onboarding was rejected");
  return null;
}

/** Why a payout may not be made now, or null. Test-mode payouts wait only for sanctions and freezes. */
export function payoutRefusal(standing: MerchantStanding, mode: Mode): DomainError | null {
  if (standing.frozen) return refusalOfStatus(standing);
  if (standing.sanctionsReviewOpen)
    return new DomainError(
      "PAYOUTS_BLOCKED_SANCTIONS",
      "Payouts wait for an operator to review a possible sanctions match.",
    );
  if (mode === "TEST") return null;
  if (standing.onboardingStatus === "PENDING_VERIFICATION")
    return new DomainError(
      "PAYOUTS_HELD_UNVERIFIED",
      "Live payouts are held until the merchant is verified.",
    );
  return refusalOfStatus(standing);
}

/** Why a live payment may not be taken, or null; `soFarMinor` is the merchant's live total in that currency. */
export function livePaymentRefusal(
  standing: MerchantStanding,
  limits: LiveLimits,
  payment: { amountMinor: bigint; currency: CurrencyCode },
  soFarMinor: () => Promise<bigint>,
): Promise<DomainError | null> {
  const refused = refusalOfStatus(standing);
  if (refused) return Promise.resolve(refused);
  if (standing.onboardingStatus === "VERIFIED") return Promise.resolve(null);
  const limit = limits.get(payment.currency) ?? 0n;
  return soFarMinor().then((soFar) =>
    soFar + payment.amountMinor > limit ? liveLimitExceeded(payment.currency, limit, soFar) : null,
  );
}

/** The refusal of a live payment that would take an unverified merchant's total in `currency` past `limitMinor`. */
export function liveLimitExceeded(
  currency: CurrencyCode,
  limitMinor: bigint,
  soFarMinor: bigint,
): DomainError {
  return new DomainError(
    "LIVE_LIMIT_EXCEEDED",
    `Until the merchant is verified, its live payments in ${currency} total at most ${limitMinor} minor units (${soFarMinor} taken).`,
    { field: ["amount"] },
  );
}
