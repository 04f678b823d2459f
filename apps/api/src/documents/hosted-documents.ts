// The hosted pages of receipts and credit notes, on the API's own origin: GET /documents/<kind>/<id>/<token> is
// the HTML page, the same path with .pdf the PDF. The access token in the path is compared in constant time; an
// unknown document and a wrong token answer the same 404. Pages hold no script and forbid framing.
import { timingSafeEqual } from "node:crypto";
import type { ReceiptDocument, ReceiptRepository } from "@paycore/db/repositories/receipt.repository";
import {
  DOCUMENTS_PATH_PREFIX,
  documentLinks,
  parseDocumentPath,
} from "@paycore/platform/documents/document-links";
import { renderDocumentHtml, renderDocumentPdf } from "@paycore/platform/documents/receipt-render";
import type { InvoiceServices } from "@paycore/platform/invoice-services";
import { createHostedInvoiceRoutes } from "./hosted-invoices";

export interface HostedDocumentRoutes {
  matches(path: string): boolean;
  handle(request: Request): Promise<Response>;
}

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "private, no-store",
};

function notFound(): Response {
  return new Response("Not found\n", {
    status: 404,
    headers: { ...SECURITY_HEADERS, "content-type": "text/plain; charset=utf-8" },
  });
}

function tokenMatches(given: string, stored: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createHostedDocumentRoutes(options: {
  documents: Pick<ReceiptRepository, "findReceipt" | "findCreditNote">;
  publicBaseUrl: string;
  /** Hosted invoices (hosted-invoices.ts): their page, PDF and pay action; absent: 404. */
  invoices?: Pick<InvoiceServices, "documents" | "payments" | "startInvoiceCheckout"> | null;
}): HostedDocumentRoutes {
  const invoices = options.invoices
    ? createHostedInvoiceRoutes({ invoices: options.invoices, publicBaseUrl: options.publicBaseUrl })
    : null;
  return {
    matches: (path) => path.startsWith(DOCUMENTS_PATH_PREFIX),
    async handle(request) {
      if (invoices?.matches(new URL(request.url).pathname)) return invoices.handle(request);
      if (request.method !== "GET" && request.method !== "HEAD")
        return new Response(null, { status: 405, headers: { allow: "GET, HEAD" } });
      const parsed = parseDocumentPath(new URL(request.url).pathname);
      if (parsed === null) return notFound();
      const document: ReceiptDocument | null =
        parsed.kind === "receipt"
          ? await options.documents.findReceipt(parsed.id)
          : await options.documents.findCreditNote(parsed.id);
      if (document === null || !tokenMatches(parsed.token, document.accessToken)) return notFound();
      if (parsed.pdf) {
        const pdf = await renderDocumentPdf(document);
        const filename = `${document.kind === "receipt" ? "receipt" : "credit-note"}-${document.number}.pdf`;
        return new Response(request.method === "HEAD" ? null : new Uint8Array(pdf), {
          headers: {
            ...SECURITY_HEADERS,
            "content-type": "application/pdf",
            "content-disposition": `inline; filename="${filename}"`,
          },
        });
      }
      const html = renderDocumentHtml(document, documentLinks(options.publicBaseUrl, document));
      return new Response(request.method === "HEAD" ? null : html, {
        headers: { ...SECURITY_HEADERS, "content-type": "text/html; charset=utf-8" },
      });
    },
  };
}
