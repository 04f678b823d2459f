// A receipt or credit note rendered three ways from the same data (ReceiptDocument): the hosted HTML page, the
// PDF (pdfkit with the embedded Noto fonts, as invoices: Helvetica's Latin-1 turned a Greek, Cyrillic, CJK or
// Arabic merchant name into mojibake) and the email's subject and text. What appears is the merchant's name, the
// document's number and date, the amount in its currency's exponent, and the card as brand and last 4 (or "Bank
// transfer"): nothing else of the card exists in the data.
import { formatLocalisedAmount } from "@paycore/core/money/localised-amount";
import type { ReceiptDocument } from "@paycore/db/repositories/receipt.repository";
import { cardBrandName, documentDate, escapeHtml } from "./document-format";
import { renderMerchantPdf } from "./pdf-document";
import { writeText } from "./pdf-fonts";

export interface DocumentLinks {
  /** The hosted page. */
  pageUrl: string;
  pdfUrl: string;
}

/** "Receipt #12", "Credit note #3". */
export function documentTitle(document: ReceiptDocument): string {
  return `${document.kind === "receipt" ? "Receipt" : "Credit note"} #${document.number}`;
}

interface Row {
  label: string;
  value: string;
}

function rows(document: ReceiptDocument, locale: string): Row[] {
  const amount = formatLocalisedAmount(document.amountMinor, document.currency, locale);
  const list: Row[] = [
    { label: "Number", value: String(document.number) },
    { label: "Date", value: documentDate(document.createdAt) },
    { label: document.kind === "receipt" ? "Amount paid" : "Amount refunded", value: amount },
    // A bank-transfer payment has no card: the repository reports brand "bank transfer" and no last 4.
    document.cardLast4 === ""
      ? { label: "Paid by", value: "Bank transfer" }
      : { label: "Card", value: `${cardBrandName(document.cardBrand)} ending in ${document.cardLast4}` },
    { label: "Payment", value: document.paymentId },
  ];
  if (document.kind === "credit_note")
    list.push({ label: "Corrects receipt", value: `#${document.receiptNumber}` });
  if (document.description !== null) list.push({ label: "Description", value: document.description });
  return list;
}

export function renderDocumentText(
  document: ReceiptDocument,
  links: DocumentLinks,
  locale = "en-US",
): string {
  const lines = [`${documentTitle(document)} from ${document.merchantName}`, ""];
  for (const row of rows(document, locale)) lines.push(`${row.label}: ${row.value}`);
  lines.push("", `View it online: ${links.pageUrl}`, `PDF: ${links.pdfUrl}`);
  return `${lines.join("\n")}\n`;
}

/** A complete page: inline styles only (no external assets), readable down to 360 px wide, labelled table. */
export function renderDocumentHtml(
  document: ReceiptDocument,
  links: DocumentLinks,
  locale = "en-US",
): string {
  const title = `${documentTitle(document)} from ${document.merchantName}`;
  const body = rows(document, locale)
    .map((row) => `<tr><th scope="row">${escapeHtml(row.label)}</th><td>${escapeHtml(row.value)}</td></tr>`)
    .join("\n        ");
  return `<!doctype html>
<html lang="${escapeHtml(locale.split("-")[0] ?? "en")}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)}</title>
  <style>
    body { font: 16px/1.5 system-ui, sans-serif; margin: 0; padding: 1rem; color: #111; background: #f6f6f6; }
    main { max-width: 36rem; margin: 0 auto; background: #fff; padding: 1.25rem; border-radius: 8px; }
    h1 { font-size: 1.25rem; margin: 0 0 1rem; }
    table { width: 100%; border-collapse: collapse; }
    th, td { text-align: left; padding: 0.4rem 0; border-bottom: 1px solid #e5e5e5; vertical-align: top; }
    th { font-weight: 600; padding-right: 1rem; width: 40%; }
    td { overflow-wrap: anywhere; }
    a { color: #0645ad; }
    a:focus { outline: 3px solid #1a73e8; outline-offset: 2px; }
  </style>
</head>
<body>
  <main>
    <h1>${escapeHtml(title)}</h1>
    <table>
      <caption class="visually-hidden" style="position:absolute;left:-9999px">${escapeHtml(documentTitle(document))}</caption>
      <tbody>
        ${body}
      </tbody>
    </table>
    <p><a href="${escapeHtml(links.pdfUrl)}">Download the PDF</a></p>
  </main>
</body>
</html>
`;
}

/** The PDF, from the same rows as the page. */
export function renderDocumentPdf(document: ReceiptDocument, locale = "en-US"): Promise<Buffer> {
  return renderMerchantPdf(document.merchantName, documentTitle(document), (pdf) => {
    for (const row of rows(document, locale)) writeText(pdf, `${row.label}: ${row.value}`);
  });
}
