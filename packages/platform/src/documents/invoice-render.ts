// An invoice rendered from one set of data (InvoiceDocument), like receipts (receipt-render.ts): the hosted page
// (with its pay form while the invoice is payable), the PDF (pdfkit with the embedded Noto fonts, so merchant
// names and line descriptions in Greek, Cyrillic, CJK or Arabic come out as text) and the mails' text.
import { formatLocalisedAmount } from "@paycore/core/money/localised-amount";
import type { InvoiceDocument } from "@paycore/db/repositories/invoice-document.repository";
import { documentDate, escapeHtml } from "./document-format";
import { formatTaxRate, taxLines } from "./invoice-format";
import type { InvoiceLinks } from "./invoice-links";
import { renderMerchantPdf } from "./pdf-document";
import { writeText } from "./pdf-fonts";

/** "Invoice #12" (a draft has no number yet). */
export function invoiceTitle(invoice: Pick<InvoiceDocument, "number">): string {
  return invoice.number === null ? "Draft invoice" : `Invoice #${invoice.number}`;
}

/** Whether the page offers to pay: open, or written off but still payable. */
export function isInvoicePayable(invoice: Pick<InvoiceDocument, "status">): boolean {
  return invoice.status === "OPEN" || invoice.status === "UNCOLLECTIBLE";
}

/** A line's amount as entered: quantity x unit, net when tax is added, gross when it is included. */
function lineAmountMinor(line: InvoiceDocument["lines"][number]): bigint {
  return line.taxBehavior === "INCLUSIVE" ? line.grossMinor : line.netMinor;
}

interface Row {
  label: string;
  value: string;
}

function headerRows(invoice: InvoiceDocument): Row[] {
  const rows: Row[] = [
    { label: "Number", value: invoice.number === null ? "(draft)" : String(invoice.number) },
    { label: "Status", value: invoice.status },
    { label: "Date", value: documentDate(invoice.finalizedAt ?? invoice.createdAt) },
  ];
  if (invoice.dueDate !== null) rows.push({ label: "Due", value: invoice.dueDate });
  if (invoice.customerEmail !== null) rows.push({ label: "Billed to", value: invoice.customerEmail });
  if (invoice.paidAt !== null) rows.push({ label: "Paid", value: documentDate(invoice.paidAt) });
  return rows;
}

function totalRows(invoice: InvoiceDocument, locale: string): Row[] {
  const amount = (minor: bigint) => formatLocalisedAmount(minor, invoice.currency, locale);
  return [
    { label: "Subtotal", value: amount(invoice.netMinor) },
    ...taxLines(invoice).map((tax) => ({ label: tax.label, value: amount(tax.amountMinor) })),
    { label: "Total", value: amount(invoice.totalMinor) },
  ];
}

export function renderInvoiceText(invoice: InvoiceDocument, links: InvoiceLinks, locale = "en-US"): string {
  const out = [`${invoiceTitle(invoice)} from ${invoice.merchantName}`, ""];
  for (const row of headerRows(invoice)) out.push(`${row.label}: ${row.value}`);
  out.push("");
  for (const line of invoice.lines)
    out.push(
      `${line.description} — ${line.quantity} × ${formatLocalisedAmount(line.unitAmountMinor, invoice.currency, locale)} = ${formatLocalisedAmount(lineAmountMinor(line), invoice.currency, locale)}`,
    );
  out.push("");
  for (const row of totalRows(invoice, locale)) out.push(`${row.label}: ${row.value}`);
  if (invoice.memo !== null) out.push("", invoice.memo);
  out.push("", `View${isInvoicePayable(invoice) ? " and pay" : ""} it online: ${links.pageUrl}`);
  out.push(`PDF: ${links.pdfUrl}`);
  return `${out.join("\n")}\n`;
}

export interface InvoicePageOptions {
  locale?: string;
  /** A message above the pay form (a declined card, a payment in flight). */
  notice?: string | null;
  /** Whether to show the pay form (false in mails: a mail holds no form). */
  payForm?: boolean;
}

/** A complete page: inline styles only, no script, readable down to 360 px; a labelled pay form when payable. */
export function renderInvoiceHtml(
  invoice: InvoiceDocument,
  links: InvoiceLinks,
  options: InvoicePageOptions = {},
): string {
  const locale = options.locale ?? "en-US";
  const title = `${invoiceTitle(invoice)} from ${invoice.merchantName}`;
  const amount = (minor: bigint) => escapeHtml(formatLocalisedAmount(minor, invoice.currency, locale));
  const header = headerRows(invoice)
    .map((row) => `<tr><th scope="row">${escapeHtml(row.label)}</th><td>${escapeHtml(row.value)}</td></tr>`)
    .join("\n        ");
  const lines = invoice.lines
    .map(
      (line) =>
        `<tr><td>${escapeHtml(line.description)}</td><td class="n">${line.quantity}</td><td class="n">${amount(line.unitAmountMinor)}</td><td class="n">${line.taxRateBps === null ? "" : escapeHtml(formatTaxRate(line.taxRateBps))}</td><td class="n">${amount(lineAmountMinor(line))}</td></tr>`,
    )
    .join("\n          ");
  const totals = totalRows(invoice, locale)
    .map(
      (row) =>
        `<tr><th scope="row" colspan="4">${escapeHtml(row.label)}</th><td class="n">${escapeHtml(row.value)}</td></tr>`,
    )
    .join("\n          ");
  const notice = options.notice ? `<p role="alert" class="notice">${escapeHtml(options.notice)}</p>` : "";
  const payable = isInvoicePayable(invoice) && options.payForm !== false;
  const form = payable
    ? `<section aria-labelledby="pay-heading">
      <h2 id="pay-heading">Pay ${amount(invoice.totalMinor)}</h2>
      ${notice}
      <p>You pay the whole amount on paycore's secure checkout page (card details are entered there).</p>
      <form method="post" action="${escapeHtml(links.payUrl)}">
        <button type="submit">Pay ${amount(invoice.totalMinor)}</button>
      </form>
    </section>`
    : invoice.status === "PAID"
      ? `<p role="status" class="paid">Paid — thank you.</p>${notice}`
      : notice;
  return `<!doctype html>
<html lang="${escapeHtml(locale.split("-")[0] ?? "en")}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)}</title>
  <style>
    body { font: 16px/1.5 system-ui, sans-serif; margin: 0; padding: 1rem; color: #111; background: #f6f6f6; }
    main { max-width: 44rem; margin: 0 auto; background: #fff; padding: 1.25rem; border-radius: 8px; }
    h1 { font-size: 1.25rem; margin: 0 0 1rem; }
    h2 { font-size: 1.1rem; margin: 1.5rem 0 0.5rem; }
    table { width: 100%; border-collapse: collapse; margin-bottom: 1rem; }
    th, td { text-align: left; padding: 0.4rem 0.25rem; border-bottom: 1px solid #e5e5e5; vertical-align: top; }
    th { font-weight: 600; }
    td { overflow-wrap: anywhere; }
    .n { text-align: right; white-space: nowrap; }
    .lines-wrap { overflow-x: auto; }
    label { display: block; margin: 0.5rem 0; font-weight: 600; }
    input { display: block; font: inherit; padding: 0.4rem; border: 1px solid #767676; border-radius: 4px; width: 100%; box-sizing: border-box; }
    .row { display: flex; gap: 0.75rem; flex-wrap: wrap; }
    .row label { flex: 1 1 6rem; }
    button { font: inherit; padding: 0.6rem 1.2rem; background: #0b57d0; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
    button:focus, input:focus, a:focus { outline: 3px solid #1a73e8; outline-offset: 2px; }
    .notice { background: #fdecea; color: #611a15; padding: 0.5rem; border-radius: 4px; }
    .paid { background: #e6f4ea; color: #0d652d; padding: 0.5rem; border-radius: 4px; font-weight: 600; }
    a { color: #0645ad; }
  </style>
</head>
<body>
  <main>
    <h1>${escapeHtml(title)}</h1>
    <table>
      <caption style="position:absolute;left:-9999px">${escapeHtml(invoiceTitle(invoice))}</caption>
      <tbody>
        ${header}
      </tbody>
    </table>
    <div class="lines-wrap">
      <table>
        <caption style="position:absolute;left:-9999px">Lines</caption>
        <thead><tr><th scope="col">Description</th><th scope="col" class="n">Qty</th><th scope="col" class="n">Unit</th><th scope="col" class="n">Tax</th><th scope="col" class="n">Amount</th></tr></thead>
        <tbody>
          ${lines}
        </tbody>
        <tfoot>
          ${totals}
        </tfoot>
      </table>
    </div>
    ${invoice.memo === null ? "" : `<p>${escapeHtml(invoice.memo)}</p>`}
    ${form}
    <p><a href="${escapeHtml(links.pdfUrl)}">Download the PDF</a></p>
  </main>
</body>
</html>
`;
}

/** The PDF, from the same rows as the page, with the embedded fonts for every script. */
export function renderInvoicePdf(invoice: InvoiceDocument, locale = "en-US"): Promise<Buffer> {
  return renderMerchantPdf(invoice.merchantName, invoiceTitle(invoice), (pdf) => {
    const amount = (minor: bigint) => formatLocalisedAmount(minor, invoice.currency, locale);
    for (const row of headerRows(invoice)) writeText(pdf, `${row.label}: ${row.value}`);
    pdf.moveDown();
    for (const line of invoice.lines) {
      writeText(pdf, line.description, { bold: true });
      const tax = line.taxRateBps === null ? "" : `, tax ${formatTaxRate(line.taxRateBps)}`;
      writeText(
        pdf,
        `${line.quantity} × ${amount(line.unitAmountMinor)}${tax}: ${amount(lineAmountMinor(line))}`,
      );
      pdf.moveDown(0.3);
    }
    pdf.moveDown();
    for (const row of totalRows(invoice, locale))
      writeText(pdf, `${row.label}: ${row.value}`, { bold: row.label === "Total" });
    if (invoice.memo !== null) {
      pdf.moveDown();
      writeText(pdf, invoice.memo);
    }
  });
}
