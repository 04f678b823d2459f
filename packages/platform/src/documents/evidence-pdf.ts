// Dispute evidence as PDF documents, for PSPs whose dispute service takes documents only (Adyen's live Disputes
// API accepts PDF, JPEG and TIFF): the merchant's text fields rendered into one PDF, and a PNG image wrapped in a
// one-page PDF. The same library and embedded fonts as the invoices' PDFs (pdfkit, pdf-fonts.ts), so any script
// a merchant writes in is drawn.
import type { EvidencePdfRenderer } from "../psps/psp-module";
import { renderPdf } from "./pdf-document";
import { registerPdfFonts, writeText } from "./pdf-fonts";

/** Headings of our evidence text fields, in the order they are written. */
const TEXT_HEADINGS: ReadonlyArray<readonly [string, string]> = [
  ["productDescription", "Product or service"],
  ["customerCommunication", "Customer communication"],
  ["shippingTracking", "Shipping tracking"],
  ["refundPolicy", "Refund policy"],
  ["uncategorizedText", "Other information"],
];

/**
 * A fixed creation date: pdfkit derives the file's ID from it, so the same evidence renders to the same bytes
 * and a retry under the evidence's idempotency key sends the same request (the PSP would refuse another body).
 */
const CREATION_DATE = new Date(Date.UTC(2026, 0, 1));

function pdfOf(title: string, draw: (pdf: PDFKit.PDFDocument) => void): Promise<Buffer> {
  return renderPdf({ Title: title, CreationDate: CREATION_DATE }, draw);
}

/** A document sent beside the texts, as the texts' PDF lists it: its kind's label and its file name. */
export interface EvidenceDocumentEntry {
  label: string;
  filename: string;
}

/**
 * The evidence's text fields as one PDF, a heading per field; unknown fields follow under their own name. The
 * documents sent with it are listed last, numbered in the order they are sent, each under its kind's label.
 */
export function renderEvidenceTextPdf(
  disputeReference: string,
  texts: Readonly<Record<string, string>>,
  documents: readonly EvidenceDocumentEntry[] = [],
): Promise<Buffer> {
  const known = new Set(TEXT_HEADINGS.map(([field]) => field));
  const sections = [
    ...TEXT_HEADINGS.filter(([field]) => texts[field]).map(([field, heading]) => [heading, texts[field]!]),
    ...Object.entries(texts).filter(([field, value]) => !known.has(field) && value.length > 0),
  ];
  if (documents.length > 0) {
    sections.push([
      "Documents",
      documents.map((document, index) => `${index + 1}. ${document.label}: ${document.filename}`).join("\n"),
    ]);
  }
  return pdfOf(`Dispute evidence ${disputeReference}`, (pdf) => {
    registerPdfFonts(pdf);
    pdf.fontSize(16);
    writeText(pdf, `Dispute evidence: ${disputeReference}`, { bold: true });
    for (const [heading, text] of sections) {
      pdf.moveDown().fontSize(12);
      writeText(pdf, heading!, { bold: true });
      pdf.moveDown(0.3).fontSize(10);
      for (const paragraph of text!.split("\n")) writeText(pdf, paragraph);
    }
  });
}

/** A PNG (or JPEG) image on one A4 page under its label (the document's kind and name), scaled to fit. */
export function renderImagePdf(title: string, image: Uint8Array, label?: string): Promise<Buffer> {
  return pdfOf(title, (pdf) => {
    if (label !== undefined) {
      registerPdfFonts(pdf);
      pdf.fontSize(12);
      writeText(pdf, label, { bold: true });
      pdf.moveDown(0.5);
    }
    pdf.image(Buffer.from(image), { fit: [483, label === undefined ? 730 : 700], align: "center" });
  });
}

/** What the runtime hands the PSP adapters that take documents only (psps/psp-module.ts). */
export const EVIDENCE_PDF: EvidencePdfRenderer = { texts: renderEvidenceTextPdf, image: renderImagePdf };
