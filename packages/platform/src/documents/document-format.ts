// Formatting shared by the hosted pages, PDFs and emails of documents (receipts, credit notes, invoices): HTML
// escaping, card brands and dates. Amounts go through the core's one localised formatter
// (packages/core/src/money/localised-amount.ts).

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

/** "Visa", "Mastercard", "American Express" from the stored brand code. */
export function cardBrandName(brand: string): string {
  const names: Record<string, string> = {
    visa: "Visa",
    mastercard: "Mastercard",
    amex: "American Express",
    discover: "Discover",
    jcb: "JCB",
    diners: "Diners Club",
    unionpay: "UnionPay",
  };
  return names[brand] ?? brand;
}

/** "2026-12-07" in UTC: documents show the day, the same in every time zone. */
export function documentDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}
