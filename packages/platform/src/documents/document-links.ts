// The public addresses of a document's hosted page and PDF: /documents/<kind>/<id>/<access token>[.pdf] on the
// API's public origin. The token (122 random bits, stored with the document) is what makes the link private;
// ids alone are time-ordered and guessable.
import type { ReceiptDocument } from "@paycore/db/repositories/receipt.repository";
import type { DocumentLinks } from "./receipt-render";

export const DOCUMENTS_PATH_PREFIX = "/documents/";

const KIND_SEGMENTS = { receipt: "receipts", credit_note: "credit-notes" } as const;

export function documentLinks(
  baseUrl: string,
  document: Pick<ReceiptDocument, "kind" | "id" | "accessToken">,
): DocumentLinks {
  const base = baseUrl.replace(/\/+$/, "");
  const page = `${base}${DOCUMENTS_PATH_PREFIX}${KIND_SEGMENTS[document.kind]}/${encodeURIComponent(document.id)}/${encodeURIComponent(document.accessToken)}`;
  return { pageUrl: page, pdfUrl: `${page}.pdf` };
}

export interface DocumentPath {
  kind: ReceiptDocument["kind"];
  id: string;
  token: string;
  pdf: boolean;
}

const PATH_PATTERN =
  /^\/documents\/(receipts|credit-notes)\/([a-z]{1,6}_[0-9A-Z]{26})\/([0-9a-f]{32})(\.pdf)?$/;

/** The parts of a document path, or null when the path is not one (bounded, anchored pattern). */
export function parseDocumentPath(path: string): DocumentPath | null {
  if (path.length > 200) return null;
  const match = PATH_PATTERN.exec(path);
  if (match === null) return null;
  const [, segment, id, token, pdf] = match;
  return {
    kind: segment === "receipts" ? "receipt" : "credit_note",
    id: id as string,
    token: token as string,
    pdf: pdf !== undefined,
  };
}
