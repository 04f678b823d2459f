// The public addresses of an invoice's hosted page, its PDF and its pay action:
// /documents/invoices/<id>/<access token>[.pdf | /pay] on the API's public origin. The token (122 random bits,
// stored with the invoice) is what makes the link private, as for receipts (document-links.ts).
import { DOCUMENTS_PATH_PREFIX } from "./document-links";

export interface InvoiceLinks {
  pageUrl: string;
  pdfUrl: string;
  /** Where the page's pay form posts. */
  payUrl: string;
}

export function invoiceLinks(baseUrl: string, invoice: { id: string; accessToken: string }): InvoiceLinks {
  const base = baseUrl.replace(/\/+$/, "");
  const page = `${base}${DOCUMENTS_PATH_PREFIX}invoices/${encodeURIComponent(invoice.id)}/${encodeURIComponent(invoice.accessToken)}`;
  return { pageUrl: page, pdfUrl: `${page}.pdf`, payUrl: `${page}/pay` };
}

export interface InvoicePath {
  id: string;
  token: string;
  view: "page" | "pdf" | "pay";
}

const PATH_PATTERN = /^\/documents\/invoices\/(in_[0-9A-Z]{26})\/([0-9a-f]{32})(\.pdf|\/pay)?$/;

/** The parts of an invoice path, or null when the path is not one (bounded, anchored pattern). */
export function parseInvoicePath(path: string): InvoicePath | null {
  if (path.length > 200) return null;
  const match = PATH_PATTERN.exec(path);
  if (match === null) return null;
  const [, id, token, suffix] = match;
  return {
    id: id as string,
    token: token as string,
    view: suffix === ".pdf" ? "pdf" : suffix === "/pay" ? "pay" : "page",
  };
}
