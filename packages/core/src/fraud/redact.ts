import { redactCardNumbers } from "../vault/card-number-text";
import type { RiskContext } from "./risk-types";

const REDACTED = "[redacted]";

// Any token with an "@" goes, not just the customer's address: operators paste other
// people's emails into list notes too.
const EMAIL_LIKE = /\S*@\S*/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * List notes are free text typed by operators, so they are the one place a signal detail
 * could pick up a card number or an email. Everything else in a detail is built from
 * numbers and validated codes.
 */
export function redactNote(note: string, context: Pick<RiskContext, "card" | "customer">): string {
  let text = redactCardNumbers(note.replace(EMAIL_LIKE, REDACTED));
  const secrets = [context.card.fingerprint, context.customer.email];
  for (const secret of secrets) {
    if (secret === null || secret === "") continue;
    text = text.replace(new RegExp(escapeRegExp(secret), "gi"), REDACTED);
    // A secret that overlaps the placeholder could survive one pass; dropping the note is safer than looping.
    if (text.toLowerCase().includes(secret.toLowerCase())) {
      return "[note withheld]";
    }
  }
  return text;
}
