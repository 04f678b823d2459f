// What a card number looks like inside free text, in one place: the API refuses
// text that holds one (so it is never stored in clear) and redaction blanks
// anything that could be one before it reaches a log, an error or a signal.
//
// A run is a digit followed by digits, each optionally preceded by one
// separator as people write card numbers: "4242 4242 4242 4242",
// "4242-4242-…", "4242.4242.…", "4242_4242_…". Runs are maximal, so
// "order 12345678901234567890" is one run, never a card number plus digits.
import { luhnValid } from "./card";

const DIGIT_RUN = /\d(?:[ ._-]?\d)*/g;
const SEPARATORS = /[ ._-]/;
const NON_DIGITS = /\D/g;
const LETTER = /\p{L}/u;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Card numbers (ISO/IEC 7812 PANs) have 13 to 19 digits. */
export const CARD_NUMBER_DIGITS_MIN = 13;
export const CARD_NUMBER_DIGITS_MAX = 19;
/**
 * Redaction is wider than refusal on purpose: a run of 12 or more digits may be a card number cut short or
 * glued to other digits, and blanking an order number in an error message costs nothing.
 */
export const REDACT_DIGITS_MIN = 12;

export const CARD_NUMBER_REDACTED = "[redacted]";

/**
 * Whether the text holds a card number: a Luhn-valid 13–19 digit stretch with a card's shape (see `hasCardShape`), of a run made of whole groups
 * (a group is what sits between separators). So "ref 2026-10 4242 4242 4242 4242" is caught although the
 * run starts with a date, while a long unseparated reference is judged as a whole and not cut into
 * arbitrary windows (which would refuse one in ten 20-digit references by chance).
 */
export function containsCardNumber(text: string): boolean {
  // A UUID is 32 hex digits in 8-4-4-4-12 groups: its all-digit groups can line up into a Luhn-valid stretch by
  // chance (1 random UUID in about 370), and nobody writes a card number as a UUID.
  const scanned = text.replace(UUID, "uuid");
  for (const match of scanned.matchAll(DIGIT_RUN)) {
    const run = match[0];
    if (run.replace(NON_DIGITS, "").length < CARD_NUMBER_DIGITS_MIN) continue;
    if (gluedToLetters(scanned, match.index, run.length)) continue;
    if (runHoldsCardNumber(run.split(SEPARATORS))) return true;
  }
  return false;
}

/**
 * A run with a letter right before or after it is part of a token (hex, base32, base64: random idempotency keys
 * and references), not a card number someone wrote: refusing those would refuse about 1 in 300 random hex keys.
 * A card number written in text stands apart from letters ("order 4242 4242 4242 4242", "ref-4242…").
 */
function gluedToLetters(text: string, index: number, length: number): boolean {
  return LETTER.test(text.charAt(index - 1)) || LETTER.test(text.charAt(index + length));
}

function runHoldsCardNumber(groups: string[]): boolean {
  // Each window grows until it passes 19 digits, so the work is bounded by 19 groups per start.
  for (let start = 0; start < groups.length; start++) {
    let digits = "";
    for (let end = start; end < groups.length; end++) {
      digits += groups[end];
      if (digits.length > CARD_NUMBER_DIGITS_MAX) break;
      if (digits.length >= CARD_NUMBER_DIGITS_MIN && hasCardShape(digits) && luhnValid(digits)) return true;
    }
  }
  return false;
}

/**
 * Whether 13–19 digits could be a card number by their first digit and length, before Luhn (which one
 * random number in ten passes):
 * - no card starts with 0 (ISO/IEC 7812 major industry identifier 0 is not a card), which keeps zero padding
 *   such as "0000000000000000" (Luhn-valid) out;
 * - 13 digits are only ever a Visa (4…);
 * - the only cards starting with 1 are UATP's, of 15 digits.
 * The last two keep Unix timestamps out: a merchant's `order-${Date.now()}` key (13 digits starting with 1 until
 * the year 2286) or a microsecond timestamp (16 digits starting with 1) was refused one time in ten.
 */
function hasCardShape(digits: string): boolean {
  const first = digits[0];
  if (first === "0") return false;
  if (digits.length === CARD_NUMBER_DIGITS_MIN) return first === "4";
  if (first === "1") return digits.length === 15;
  return true;
}

/** Replaces every run of 12 or more digits (any separators above) with "[redacted]". */
export function redactCardNumbers(text: string): string {
  return text.replace(DIGIT_RUN, (run) =>
    run.replace(NON_DIGITS, "").length >= REDACT_DIGITS_MIN ? CARD_NUMBER_REDACTED : run,
  );
}
