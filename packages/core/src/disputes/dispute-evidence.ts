// What a merchant may send to defend a dispute, and its bounds: a few text fields (each with its own limit, no
// card numbers, no control characters) and a few files, which must be PDF, PNG or JPEG by their content (the API
// sniffs the magic bytes; the declared type is never trusted) and small enough for the API's 1 MiB request body.
import { createHash } from "node:crypto";
import { DomainError } from "../errors/domain-error";
import { containsCardNumber } from "../vault/card-number-text";

/** Each text field's maximum length in characters. */
export const EVIDENCE_TEXT_LIMITS = {
  productDescription: 5_000,
  customerCommunication: 10_000,
  shippingTracking: 500,
  refundPolicy: 10_000,
  uncategorizedText: 10_000,
} as const;
export type EvidenceTextField = keyof typeof EVIDENCE_TEXT_LIMITS;
export type EvidenceTexts = Partial<Record<EvidenceTextField, string>>;

export const EVIDENCE_CONTENT_TYPES = ["application/pdf", "image/png", "image/jpeg"] as const;
export type EvidenceContentType = (typeof EVIDENCE_CONTENT_TYPES)[number];
/** Per file; with at most EVIDENCE_FILES_MAX files the whole request still fits the API's body limit. */
export const EVIDENCE_FILE_MAX_BYTES = 256 * 1024;
export const EVIDENCE_FILES_MAX = 3;
const FILENAME_MAX_LENGTH = 255;
const SAFE_FILENAME = /^[\w.\- ()]+$/;

/**
 * What a document is, as the merchant says (a PSP files each kind in its own place: Stripe's evidence file fields,
 * the label on Adyen's defence documents). Files stored before kinds existed are UNCATEGORIZED.
 */
export const EVIDENCE_FILE_KINDS = [
  "RECEIPT",
  "CUSTOMER_COMMUNICATION",
  "SHIPPING_DOCUMENTATION",
  "REFUND_POLICY",
  "CANCELLATION_POLICY",
  "CUSTOMER_SIGNATURE",
  "SERVICE_DOCUMENTATION",
  "DUPLICATE_CHARGE_DOCUMENTATION",
  "UNCATEGORIZED",
] as const;
export type EvidenceFileKind = (typeof EVIDENCE_FILE_KINDS)[number];

/** Each kind as people read it (the console's chooser, the heading of a document sent as PDF). */
export const EVIDENCE_FILE_KIND_LABELS: Readonly<Record<EvidenceFileKind, string>> = {
  RECEIPT: "Receipt",
  CUSTOMER_COMMUNICATION: "Customer communication",
  SHIPPING_DOCUMENTATION: "Shipping documentation",
  REFUND_POLICY: "Refund policy",
  CANCELLATION_POLICY: "Cancellation policy",
  CUSTOMER_SIGNATURE: "Customer signature",
  SERVICE_DOCUMENTATION: "Service documentation",
  DUPLICATE_CHARGE_DOCUMENTATION: "Duplicate charge documentation",
  UNCATEGORIZED: "Other document",
};

export function isEvidenceFileKind(value: unknown): value is EvidenceFileKind {
  return typeof value === "string" && (EVIDENCE_FILE_KINDS as readonly string[]).includes(value);
}

export interface EvidenceFileInput {
  filename: string;
  /** What the document is; absent: UNCATEGORIZED. */
  kind?: string;
  /** What the content is, as sniffed from its bytes; null when it is none of the accepted types. */
  sniffedContentType: string | null;
  bytes: Uint8Array;
}

export interface EvidenceFileDraft {
  filename: string;
  kind: EvidenceFileKind;
  contentType: EvidenceContentType;
  sizeBytes: number;
  sha256: string;
  bytes: Uint8Array;
}

function invalid(field: string[], message: string): DomainError {
  return new DomainError("EVIDENCE_INVALID", message, { field });
}

/** Checks the texts (trimmed; empty ones dropped) and the files; throws EVIDENCE_INVALID naming the field. */
export function validEvidence(
  texts: EvidenceTexts,
  files: readonly EvidenceFileInput[],
): { texts: EvidenceTexts; files: EvidenceFileDraft[] } {
  const valid: EvidenceTexts = {};
  for (const [field, limit] of Object.entries(EVIDENCE_TEXT_LIMITS) as Array<[EvidenceTextField, number]>) {
    const text = texts[field]?.trim();
    if (!text) continue;
    if (text.length > limit) throw invalid([field], `${field} is at most ${limit} characters.`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text))
      throw invalid([field], `${field} contains control characters.`);
    if (containsCardNumber(text))
      throw new DomainError("CARD_NUMBER_IN_TEXT", `${field} looks like it contains a card number.`, {
        field: [field],
      });
    valid[field] = text;
  }
  if (files.length > EVIDENCE_FILES_MAX) throw invalid(["files"], `At most ${EVIDENCE_FILES_MAX} files.`);
  const drafts = files.map((file, index) => {
    const field = ["files", String(index)];
    const filename = file.filename.trim();
    if (filename.length === 0 || filename.length > FILENAME_MAX_LENGTH || !SAFE_FILENAME.test(filename))
      throw invalid(field, "A file name is 1 to 255 letters, digits, spaces, dots, dashes or brackets.");
    if (file.bytes.byteLength === 0 || file.bytes.byteLength > EVIDENCE_FILE_MAX_BYTES)
      throw invalid(field, `A file is 1 byte to ${EVIDENCE_FILE_MAX_BYTES} bytes.`);
    if (!(EVIDENCE_CONTENT_TYPES as readonly string[]).includes(file.sniffedContentType ?? ""))
      throw invalid(field, "A file must be a PDF, PNG or JPEG (checked by its content).");
    const kind = file.kind ?? "UNCATEGORIZED";
    if (!isEvidenceFileKind(kind))
      throw invalid([...field, "kind"], `A file's kind is one of ${EVIDENCE_FILE_KINDS.join(", ")}.`);
    return {
      filename,
      kind,
      contentType: file.sniffedContentType as EvidenceContentType,
      sizeBytes: file.bytes.byteLength,
      sha256: createHash("sha256").update(file.bytes).digest("hex"),
      bytes: file.bytes,
    };
  });
  if (Object.keys(valid).length === 0 && drafts.length === 0)
    throw invalid([], "Evidence needs at least one text field or file.");
  return { texts: valid, files: drafts };
}
