// Checks for free text a client or operator sends us (descriptions, metadata,
// refund reasons, notes, names, emails): no control characters, no unpaired
// surrogates and no card number. A NUL made Postgres refuse the row (a 500 instead of an answer), and
// a card number typed into a description would sit in clear in a column that
// is neither encrypted nor redacted.
import { DomainError } from "../errors/domain-error";
import { containsCardNumber } from "../vault/card-number-text";

const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export interface FreeTextOptions {
  /** Path reported on errors, e.g. ["metadata", "order"]. */
  field: string[];
  /** Allow tab, line feed and carriage return (operator notes, which are typed in a textarea). */
  multiline?: boolean;
  /** Also refuse a card number (every field except the few that are never free-form, such as emails). */
  refuseCardNumber?: boolean;
}

/** Whether the text holds a control character the given kind of field does not take. */
export function hasControlCharacter(text: string, multiline = false): boolean {
  // C0 controls (U+0000–U+001F), DEL (U+007F) and C1 controls (U+0080–U+009F); a multi-line field keeps tab,
  // line feed and carriage return. Bounded by the text's length, which every caller has already capped.
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const control = code <= 0x1f || (code >= 0x7f && code <= 0x9f);
    if (!control) continue;
    if (multiline && (code === TAB || code === LINE_FEED || code === CARRIAGE_RETURN)) continue;
    return true;
  }
  return false;
}

/**
 * A UTF-16 surrogate that is not half of a pair: not a character, and written to Postgres (UTF-8) as U+FFFD, so
 * what we stored would differ from what we answered. With the `u` flag a well-formed pair is one astral code
 * point, so only a lone half matches.
 */
const LONE_SURROGATE = /\p{Cs}/u;

/** Whether the text holds half of a UTF-16 surrogate pair on its own. */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/**
 * Throws INVALID_INPUT on a control character or an unpaired surrogate and CARD_NUMBER_IN_TEXT on a card number. Neither message
 * quotes the text: it may be the very card number we refuse to keep.
 */
export function assertFreeText(text: string, options: FreeTextOptions): void {
  const name = options.field.at(-1) ?? "text";
  if (hasControlCharacter(text, options.multiline)) {
    throw new DomainError(
      "INVALID_INPUT",
      options.multiline
        ? `${name} must not contain control characters other than tab and line breaks.`
        : `${name} must not contain control characters (including NUL, tab and line breaks).`,
      { field: options.field },
    );
  }
  if (hasLoneSurrogate(text)) {
    throw new DomainError(
      "INVALID_INPUT",
      `${name} must be well-formed Unicode (it holds an unpaired surrogate).`,
      {
        field: options.field,
      },
    );
  }
  if ((options.refuseCardNumber ?? true) && containsCardNumber(text)) {
    throw new DomainError(
      "CARD_NUMBER_IN_TEXT",
      `${name} looks like it contains a card number; card numbers are only accepted by tokenizeCard.`,
      { field: options.field },
    );
  }
}
