// The hosted invoice page, on the API's own origin like receipts: GET /documents/invoices/<id>/<token> is the
// page (with a Pay button while the invoice is payable), the same path with .pdf the PDF, and POST …/pay sends
// the customer to the hosted checkout (issue 20): a checkout session for exactly the invoice's total, made or
// reused, whose success and cancel URLs are this page. The session's completion marks the invoice paid.
// An unknown invoice, a draft and a wrong token answer the same 404; a paid invoice's Pay redirects to its page.
import { timingSafeEqual } from "node:crypto";
import { DomainError } from "@paycore/core/errors/domain-error";
import type { InvoiceDocument } from "@paycore/db/repositories/invoice-document.repository";
import { invoiceLinks, parseInvoicePath } from "@paycore/platform/documents/invoice-links";
import { renderInvoiceHtml, renderInvoicePdf } from "@paycore/platform/documents/invoice-render";
import type { InvoiceServices } from "@paycore/platform/invoice-services";

/** A pay form's body: four short fields. Anything longer is refused before it is parsed. */
const PAY_FORM_BYTES_MAX = 2048;

const SECURITY_HEADERS = {
  // The pay form posts to this origin only; no script, no framing.
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "private, no-store",
};

function plain(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(`${text}\n`, {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": "text/plain; charset=utf-8", ...extra },
  });
}

function tokenMatches(given: string, stored: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The body as text, at most `limit` bytes (null past it), read as a stream so a large body is not buffered. */
async function boundedText(request: Request, limit: number): Promise<string | null> {
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** What the customer is told of a refusal: the code's meaning, never the error's own text. */
function noticeFor(error: DomainError): string {
  switch (error.code) {
    case "INVOICE_PAYMENT_TRIES_EXCEEDED":
      return "This invoice cannot take more payment attempts. Please contact the merchant.";
    case "INVOICE_STATE_INVALID":
      return "This invoice cannot be paid any more.";
    default:
      return "This invoice cannot be paid right now. Please try again in a moment.";
  }
}

export interface HostedInvoiceRoutes {
  matches(path: string): boolean;
  handle(request: Request): Promise<Response>;
}

export function createHostedInvoiceRoutes(options: {
  invoices: Pick<InvoiceServices, "documents" | "payments" | "startInvoiceCheckout">;
  publicBaseUrl: string;
}): HostedInvoiceRoutes {
  const page = (invoice: InvoiceDocument, status: number, notice: string | null) =>
    new Response(renderInvoiceHtml(invoice, invoiceLinks(options.publicBaseUrl, invoice), { notice }), {
      status,
      headers: { ...SECURITY_HEADERS, "content-type": "text/html; charset=utf-8" },
    });
  const find = async (id: string, token: string): Promise<InvoiceDocument | null> => {
    const invoice = await options.invoices.documents.findInvoice(id);
    // A draft is the merchant's work in progress: it has no public page.
    if (invoice === null || invoice.status === "DRAFT" || !tokenMatches(token, invoice.accessToken))
      return null;
    return invoice;
  };
  return {
    matches: (path) => path.startsWith("/documents/invoices/"),
    async handle(request) {
      const parsed = parseInvoicePath(new URL(request.url).pathname);
      if (parsed === null) return plain(404, "Not found");
      if (parsed.view === "pay") {
        if (request.method !== "POST") return plain(405, "Method not allowed", { allow: "POST" });
      } else if (request.method !== "GET" && request.method !== "HEAD")
        return plain(405, "Method not allowed", { allow: "GET, HEAD" });
      let invoice = await find(parsed.id, parsed.token);
      if (invoice === null) return plain(404, "Not found");
      const links = invoiceLinks(options.publicBaseUrl, invoice);
      if (parsed.view === "pdf") {
        const pdf = await renderInvoicePdf(invoice);
        return new Response(request.method === "HEAD" ? null : new Uint8Array(pdf), {
          headers: {
            ...SECURITY_HEADERS,
            "content-type": "application/pdf",
            "content-disposition": `inline; filename="invoice-${invoice.number}.pdf"`,
          },
        });
      }
      if (parsed.view === "page") {
        // A try left pending (an unknown PSP outcome) is settled from its payment's present status.
        const refreshed = await options.invoices.payments.refresh(invoice);
        if (refreshed?.kind === "paid") invoice = (await find(parsed.id, parsed.token)) ?? invoice;
        const notice =
          refreshed?.kind === "pending"
            ? "Your payment is being processed. Reload the page in a moment."
            : null;
        const response = page(invoice, 200, notice);
        return request.method === "HEAD" ? new Response(null, { headers: response.headers }) : response;
      }
      // The Pay button posts nothing but itself: the card is entered on the hosted checkout page (issue 20).
      const body = await boundedText(request, PAY_FORM_BYTES_MAX);
      if (body === null) return plain(413, "The form is too large");
      if (invoice.status === "PAID")
        return new Response(null, { status: 303, headers: { ...SECURITY_HEADERS, location: links.pageUrl } });
      try {
        const { url } = await options.invoices.startInvoiceCheckout(invoice, links.pageUrl);
        return new Response(null, { status: 303, headers: { ...SECURITY_HEADERS, location: url } });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return page(invoice, 409, noticeFor(error));
      }
    },
  };
}
