// String inputs of the console's procedures, with the core's free-text rules. A NUL in any string reached
// Postgres and failed the query (a 500 instead of a message), and a card number typed into a note or a name
// would be stored in clear, so every string goes through one of these.
import { hasControlCharacter } from "@paycore/core/payments/free-text";
import { containsCardNumber } from "@paycore/core/vault/card-number-text";
import { z } from "zod";

const NO_CONTROL = "must not contain control characters.";
const NO_CARD_NUMBER = "looks like it contains a card number; card numbers are never stored in clear.";

/** Ids, search terms, emails: one line, no control characters. */
export function plainText() {
  return z.string().refine((value) => !hasControlCharacter(value), NO_CONTROL);
}

/** Text an operator writes and we store (names, list notes): no control characters and no card number. */
export function freeText(options: { multiline?: boolean } = {}) {
  return z
    .string()
    .trim()
    .refine((value) => !hasControlCharacter(value, options.multiline), NO_CONTROL)
    .refine((value) => !containsCardNumber(value), NO_CARD_NUMBER);
}
