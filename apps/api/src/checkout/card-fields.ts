// Hosted card fields (issue 20): an iframe page served from the API's origin, GET
// /elements/card-fields?pk=<publishable key>&origin=<parent page's origin>, for merchants who keep their own
// checkout page. The page collects number, expiry and CVC; its script (/elements/card-fields.js) tokenizes them
// through this origin's tokenizeCard (with the publishable key, under the API's tokenize rate limits) and hands
// the parent only the payment method id, with postMessage to the registered origin. The parent origin must be one
// of the publishable key's own allowed origins (api_keys.allowed_origins: API updatePublishableKeyOrigins, the
// console); the CSP's frame-ancestors names that origin alone, so no other site can frame the fields. A key that is not an active
// publishable key, or an origin not registered, gets a refusal page that forbids framing.
import { randomBytes } from "node:crypto";
import { parseAllowedOrigin } from "@paycore/core/merchants/allowed-origins";
import { hashApiKey, parseApiKey } from "@paycore/core/merchants/api-keys";
import type { AppServices } from "@paycore/platform/services";
import type { HostedDocumentRoutes } from "../documents/hosted-documents";
import { CARD_FIELDS_SCRIPT } from "./card-fields-script";

export const CARD_FIELDS_PATH = "/elements/card-fields";
export const CARD_FIELDS_SCRIPT_PATH = "/elements/card-fields.js";
const PARAM_LENGTH_MAX = 300;

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;padding:.25rem;font:16px/1.4 system-ui,sans-serif;color:#1a1d21;background:transparent}
label{display:block;font-weight:600;margin-top:.6rem}
input{width:100%;font:inherit;padding:.55rem;border:1px solid #6b7280;border-radius:.35rem;min-height:2.75rem}
input:focus,button:focus{outline:3px solid #1d4ed8;outline-offset:2px}
.row{display:flex;gap:.6rem}.row>div{flex:1;min-width:0}
button{margin-top:.8rem;width:100%;font:inherit;font-weight:700;padding:.65rem;border:0;border-radius:.35rem;background:#1d4ed8;color:#fff;min-height:2.75rem}
#status{min-height:1.4em;margin:.4rem 0 0}
`;

function refusal(status: number, code: string, message: string): Response {
  return new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Card fields unavailable</title></head>` +
      `<body><p data-error-code="${code}">${escapeHtml(message)}</p></body></html>`,
    {
      status,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
        "x-frame-options": "DENY",
        "x-content-type-options": "nosniff",
        "cache-control": "no-store",
      },
    },
  );
}

function page(publishableKey: string, parentOrigin: string, nonce: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Card details</title>
<style nonce="${nonce}">${STYLE}</style></head>
<body data-parent-origin="${escapeHtml(parentOrigin)}" data-publishable-key="${escapeHtml(publishableKey)}">
<form id="card-fields" autocomplete="on" novalidate>
<label for="number">Card number</label>
<input id="number" name="number" inputmode="numeric" autocomplete="cc-number" maxlength="23" required>
<div class="row">
<div><label for="exp-month">Expiry month (MM)</label><input id="exp-month" name="expMonth" inputmode="numeric" autocomplete="cc-exp-month" maxlength="2" required></div>
<div><label for="exp-year">Expiry year (YYYY)</label><input id="exp-year" name="expYear" inputmode="numeric" autocomplete="cc-exp-year" maxlength="4" required></div>
</div>
<label for="cvc">Security code (CVC)</label>
<input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" maxlength="4" required>
<button type="submit">Save card</button>
<p id="status" role="status" aria-live="polite"></p>
</form>
<script src="${CARD_FIELDS_SCRIPT_PATH}"></script>
</body></html>`;
}

export function createCardFieldsRoutes(services: Pick<AppServices, "apiKeys">): HostedDocumentRoutes {
  return {
    matches: (path) => path === CARD_FIELDS_PATH || path === CARD_FIELDS_SCRIPT_PATH,
    async handle(request) {
      if (request.method !== "GET" && request.method !== "HEAD")
        return new Response(null, { status: 405, headers: { allow: "GET, HEAD" } });
      const url = new URL(request.url);
      if (url.pathname === CARD_FIELDS_SCRIPT_PATH)
        return new Response(CARD_FIELDS_SCRIPT, {
          headers: {
            "content-type": "text/javascript; charset=utf-8",
            "x-content-type-options": "nosniff",
            "cache-control": "public, max-age=300",
            "cross-origin-resource-policy": "same-origin",
          },
        });
      const pk = url.searchParams.get("pk") ?? "";
      const rawOrigin = url.searchParams.get("origin") ?? "";
      if (pk.length > PARAM_LENGTH_MAX || rawOrigin.length > PARAM_LENGTH_MAX)
        return refusal(400, "INVALID_INPUT", "The parameters are too long.");
      const parsed = parseApiKey(pk);
      const key =
        parsed?.kind === "PUBLISHABLE" ? await services.apiKeys.findActiveKeyByHash(hashApiKey(pk)) : null;
      if (key === null || key.kind !== "PUBLISHABLE")
        return refusal(401, "UNAUTHENTICATED", "The card fields need an active publishable key (pk_…).");
      const origin = parseAllowedOrigin(rawOrigin);
      if (!origin.ok || !key.allowedOrigins.includes(origin.origin))
        return refusal(
          403,
          "ORIGIN_NOT_ALLOWED",
          "This page's origin is not registered for the publishable key: add it to the key's allowed origins.",
        );
      const nonce = randomBytes(16).toString("base64");
      return new Response(request.method === "HEAD" ? null : page(pk, origin.origin, nonce), {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "content-security-policy": [
            "default-src 'none'",
            "script-src 'self'",
            `style-src 'nonce-${nonce}'`,
            "connect-src 'self'",
            "form-action 'none'",
            "base-uri 'none'",
            // Only the registered parent may frame the fields.
            `frame-ancestors ${origin.origin}`,
          ].join("; "),
          "x-content-type-options": "nosniff",
          "referrer-policy": "no-referrer",
          "cache-control": "no-store",
        },
      });
    },
  };
}
