// The one check of an e-mail address a client gives us to send documents to (receipts, credit notes): bounded,
// free of control characters and card numbers, one @ with a dotted domain. Deliverability is the SMTP server's call.
import { DomainError } from "../errors/domain-error";
import { assertFreeText } from "../payments/free-text";

/** RFC 5321's limit on a forward path. */
export const EMAIL_ADDRESS_LENGTH_MAX = 254;
const EMAIL_ADDRESS_PATTERN = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;

/** Trimmed and lower-cased; null for null or undefined. Throws INVALID_INPUT naming `field`. */
export function parseEmailAddress(input: string | null | undefined, field: string[]): string | null {
  if (input == null) return null;
  if (input.length > EMAIL_ADDRESS_LENGTH_MAX * 2)
    throw new DomainError("INVALID_INPUT", "the e-mail address is too long.", { field });
  assertFreeText(input, { field });
  const address = input.trim().toLowerCase();
  if (address.length > EMAIL_ADDRESS_LENGTH_MAX || !EMAIL_ADDRESS_PATTERN.test(address))
    throw new DomainError("INVALID_INPUT", `${field.at(-1) ?? "email"} must be an e-mail address.`, {
      field,
    });
  return address;
}
