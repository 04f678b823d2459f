// Validation of the free-form parts of payment commands (description,
// metadata, refund reason, operator note), kept apart from the commands so
// every limit on what a client may make us store sits in one file.
import { DomainError } from "../errors/domain-error";
import { assertFreeText } from "./free-text";

export const DESCRIPTION_MAX_LENGTH = 1000;
export const REFUND_REASON_MAX_LENGTH = 500;
export const METADATA_MAX_KEYS = 50;
export const METADATA_KEY_MAX_LENGTH = 40;
export const METADATA_VALUE_MAX_LENGTH = 500;
export const OPERATOR_NOTE_MAX_LENGTH = 1000;

// Single-line fields (description, metadata, reason) refuse tab and line breaks too: PSPs put descriptions on
// statements and in their own records, and a line break in a one-line field is a way to forge log lines.
// Operator notes are typed in a textarea, so they keep them.

export function validateDescription(description: string | null): string | null {
  if (description === null) return null;
  if (description.length > DESCRIPTION_MAX_LENGTH) {
    throw new DomainError(
      "DESCRIPTION_TOO_LONG",
      `description must be at most ${DESCRIPTION_MAX_LENGTH} characters.`,
      { field: ["description"] },
    );
  }
  assertFreeText(description, { field: ["description"] });
  return description;
}

/** Keys are checked before any value, so a value's error may name its key in the field path. */
export function validateMetadata(metadata: Record<string, string>): Record<string, string> {
  const entries = Object.entries(metadata);
  const invalid = (message: string) => new DomainError("METADATA_INVALID", message, { field: ["metadata"] });
  if (entries.length > METADATA_MAX_KEYS)
    throw invalid(`metadata may hold at most ${METADATA_MAX_KEYS} keys.`);
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > METADATA_KEY_MAX_LENGTH) {
      throw invalid(`metadata keys must be 1 to ${METADATA_KEY_MAX_LENGTH} characters.`);
    }
    if (typeof value !== "string" || value.length > METADATA_VALUE_MAX_LENGTH) {
      throw invalid(`metadata values must be strings of at most ${METADATA_VALUE_MAX_LENGTH} characters.`);
    }
    // The key itself may be what is wrong, so the path stops at "metadata".
    assertFreeText(key, { field: ["metadata"] });
  }
  for (const [key, value] of entries) {
    assertFreeText(value, { field: ["metadata", key] });
  }
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function validateRefundReason(reason: string | null): string | null {
  if (reason === null) return null;
  if (reason.length > REFUND_REASON_MAX_LENGTH) {
    throw new DomainError("INVALID_INPUT", `reason must be at most ${REFUND_REASON_MAX_LENGTH} characters.`, {
      field: ["reason"],
    });
  }
  assertFreeText(reason, { field: ["reason"] });
  return reason;
}

/** Trimmed; empty means no note. */
export function validateOperatorNote(input: string | null | undefined): string | null {
  const note = input?.trim() || null;
  if (note === null) return null;
  if (note.length > OPERATOR_NOTE_MAX_LENGTH) {
    throw new DomainError("INVALID_INPUT", `note must be at most ${OPERATOR_NOTE_MAX_LENGTH} characters.`, {
      field: ["note"],
    });
  }
  assertFreeText(note, { field: ["note"], multiline: true });
  return note;
}
