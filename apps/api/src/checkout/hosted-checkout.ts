// The hosted checkout page (issue 20), on the API's own origin: GET /checkout/<session id>/<token> shows the
// amount and a card form; POST to the same address pays the session through the core's CheckoutCommands
// (tokenize, then createPayment) and, once the payment's own outcome says it is paid, answers 303 to the
// merchant's success URL. The page is server-rendered HTML with no script at all: the CSP allows no script, one
// nonce'd stylesheet, form posts only to this origin and the merchant's success and cancel origins, and no
// framing. The card number is read from the form body, handed to the vault and never logged, echoed or stored in
// clear. An unknown session and a wrong token answer the same 404; a paid or expired session refuses payment
// with its typed error code. Amounts go through the core's one localised formatter (exact, the currency's decimals).
import { randomBytes } from "node:crypto";
import {
  type CheckoutCommands,
  type CheckoutPayResult,
  successRedirectUrl,
} from "@paycore/core/checkout/checkout-commands";
import { DomainError } from "@paycore/core/errors/domain-error";
import { formatLocalisedAmount } from "@paycore/core/money/localised-amount";
import type { CheckoutSessionRecord } from "@paycore/core/ports/checkout-session-store";
import { CHECKOUT_PATH_PREFIX } from "@paycore/platform/checkout/checkout-services";
import type { HostedDocumentRoutes } from "../documents/hosted-documents";
import { readBodyLimited } from "../webhooks/read-body-limited";

/** A card form is a few hundred bytes; anything much larger is not one. */
export const CHECKOUT_FORM_MAX_BYTES = 4096;
const LOCALE_HEADER_MAX = 200;
const PATH = /^\/checkout\/(cs_[0-9A-HJKMNP-TV-Z]{26})\/([0-9a-f]{64})\/?$/;

const STATUS_OF: Record<string, number> = {
  CHECKOUT_SESSION_NOT_FOUND: 404,
  CHECKOUT_SESSION_COMPLETED: 409,
  CHECKOUT_SESSION_BUSY: 409,
  CHECKOUT_SESSION_EXPIRED: 410,
  CHECKOUT_ATTEMPTS_EXCEEDED: 429,
};

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}

function originOf(url: string): string | null {
  try {
    const { origin } = new URL(url.replaceAll("{CHECKOUT_SESSION_ID}", "x"));
    return origin === "null" ? null : origin;
  } catch {
    return null;
  }
}

/** The customer's locale from Accept-Language (first tag), when Intl knows it; English otherwise. */
export function localeOf(header: string | null): string {
  const first = header?.slice(0, LOCALE_HEADER_MAX).split(",")[0]?.split(";")[0]?.trim();
  if (!first) return "en";
  try {
    return Intl.getCanonicalLocales(first)[0] ?? "en";
  } catch {
    return "en";
  }
}

interface PageOptions {
  session: CheckoutSessionRecord | null;
  locale: string;
  nonce: string;
  /** A refusal or decline to announce (role=alert), with its code. */
  problem: { code: string; message: string } | null;
  action: string;
  /** 3-D Secure: the card issuer's challenge the customer must complete (a link, and a refresh to it). */
  challengeUrl?: string | null;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#f4f5f7;color:#1a1d21}
main{max-width:28rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px #0003}
h1{font-size:1.25rem;margin:0 0 .25rem;overflow-wrap:anywhere}
.amount{font-size:1.75rem;font-weight:700;margin:0 0 1rem;overflow-wrap:anywhere}
ul{padding-left:1.2rem;overflow-wrap:anywhere}
label{display:block;font-weight:600;margin-top:1rem}
input{width:100%;font:inherit;padding:.6rem;border:1px solid #6b7280;border-radius:.35rem;min-height:2.75rem}
input:focus,button:focus,a:focus{outline:3px solid #1d4ed8;outline-offset:2px}
.row{display:flex;gap:.75rem}.row>div{flex:1;min-width:0}
button{margin-top:1.5rem;width:100%;font:inherit;font-weight:700;padding:.75rem;border:0;border-radius:.35rem;background:#1d4ed8;color:#fff;min-height:2.75rem;cursor:pointer}
.alert{border:2px solid #b91c1c;background:#fef2f2;color:#7f1d1d;padding:.75rem;border-radius:.35rem}
.cancel{display:inline-block;margin-top:1rem;color:#1d4ed8}
@media (max-width:400px){main{margin:0;border-radius:0;padding:1rem}.amount{font-size:1.5rem}}
`;

function renderPage(options: PageOptions): string {
  const { session, locale, nonce, problem } = options;
  const amount = session ? formatLocalisedAmount(session.amountMinor, session.currency, locale) : null;
  const title = session
    ? session.status === "COMPLETE"
      ? "Payment complete"
      : session.status === "EXPIRED"
        ? "Checkout expired"
        : `Pay ${amount}`
    : "Checkout not found";
  const alert = problem
    ? `<div class="alert" role="alert" id="checkout-problem" data-error-code="${escapeHtml(problem.code)}">${escapeHtml(problem.message)}</div>`
    : "";
  let body: string;
  if (options.challengeUrl) {
    const link = escapeHtml(options.challengeUrl);
    body = `<h1>Confirm your payment with your bank</h1><p class="amount">${escapeHtml(amount ?? "")}</p>${alert}
<p>Your card issuer asks you to confirm this payment (3-D Secure). You are taken to its page; come back here when it is done.</p>
<p><a id="challenge-link" href="${link}">Continue to your bank's authentication</a></p>`;
  } else if (session === null) {
    body = `<h1>Checkout not found</h1>${alert}<p>This payment page does not exist. Go back to the shop and try again.</p>`;
  } else if (session.status === "COMPLETE") {
    body = `<h1>Payment complete</h1><p class="amount">${escapeHtml(amount ?? "")}</p>${alert}
<p><a href="${escapeHtml(successRedirectUrl(session))}">Return to the shop</a></p>`;
  } else if (session.status === "EXPIRED") {
    body = `<h1>This checkout has expired</h1>${alert}<p>Nothing was charged.</p>
<p><a href="${escapeHtml(session.cancelUrl)}">Return to the shop</a></p>`;
  } else {
    const lines =
      session.lineItems.length === 0
        ? ""
        : `<ul aria-label="Items">${session.lineItems
            .map(
              (line) =>
                `<li>${escapeHtml(line.description)} × ${line.quantity}: ${escapeHtml(formatLocalisedAmount(line.unitAmountMinor * BigInt(line.quantity), session.currency, locale))}</li>`,
            )
            .join("")}</ul>`;
    body = `<h1>${escapeHtml(session.description ?? "Payment")}</h1>
<p class="amount" id="checkout-amount">${escapeHtml(amount ?? "")}</p>${lines}${alert}
<form method="post" action="${escapeHtml(options.action)}" autocomplete="on" novalidate>
<label for="number">Card number</label>
<input id="number" name="number" inputmode="numeric" autocomplete="cc-number" required maxlength="23"${problem ? ' aria-describedby="checkout-problem"' : ""}>
<div class="row">
<div><label for="exp-month">Expiry month (MM)</label><input id="exp-month" name="expMonth" inputmode="numeric" autocomplete="cc-exp-month" required maxlength="2"></div>
<div><label for="exp-year">Expiry year (YYYY)</label><input id="exp-year" name="expYear" inputmode="numeric" autocomplete="cc-exp-year" required maxlength="4"></div>
</div>
<label for="cvc">Security code (CVC)</label>
<input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required maxlength="4">
<button type="submit">Pay ${escapeHtml(amount ?? "")}</button>
</form>
<a class="cancel" href="${escapeHtml(session.cancelUrl)}">Cancel and return to the shop</a>`;
  }
  return `<!doctype html>
<html lang="${escapeHtml(locale)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${escapeHtml(options.challengeUrl ? "Confirm your payment" : title)}</title>${
    options.challengeUrl
      ? `\n<meta http-equiv="refresh" content="0;url=${escapeHtml(options.challengeUrl)}">`
      : ""
  }
<style nonce="${nonce}">${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

function headers(nonce: string, session: CheckoutSessionRecord | null): Record<string, string> {
  const formTargets = new Set(["'self'"]);
  for (const url of session ? [session.successUrl, session.cancelUrl] : []) {
    const origin = originOf(url);
    if (origin) formTargets.add(origin);
  }
  return {
    "content-type": "text/html; charset=utf-8",
    // No script at all; the one stylesheet by nonce; the form posts here, and its 303 goes to the merchant.
    "content-security-policy": [
      "default-src 'none'",
      `style-src 'nonce-${nonce}'`,
      `form-action ${[...formTargets].join(" ")}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join("; "),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    // same-origin, not no-referrer: the page's token never leaves for another origin, and the browser still
    // names this origin in the form post's Origin header (no-referrer would make it "null", refused below).
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
  };
}

function answer(status: number, options: Omit<PageOptions, "nonce">): Response {
  const nonce = randomBytes(16).toString("base64");
  return new Response(renderPage({ ...options, nonce }), {
    status,
    headers: headers(nonce, options.session),
  });
}

/** The form's fields as the card input; the vault's own validation decides what is a card. */
function cardOf(form: URLSearchParams) {
  const digits = (name: string) => (form.get(name) ?? "").trim();
  const toInt = (value: string) => (/^\d{1,4}$/.test(value) ? Number(value) : Number.NaN);
  return {
    number: digits("number"),
    expMonth: toInt(digits("expMonth")),
    expYear: toInt(digits("expYear")),
    cvc: digits("cvc"),
  };
}

export function createHostedCheckoutRoutes(options: {
  checkout: Pick<CheckoutCommands, "open" | "pay" | "resume">;
  publicBaseUrl: string;
}): HostedDocumentRoutes {
  const ownOrigin = originOf(options.publicBaseUrl);
  const ownBase = options.publicBaseUrl.replace(/\/$/, "");
  return {
    matches: (path) => path.startsWith(CHECKOUT_PATH_PREFIX),
    async handle(request) {
      const url = new URL(request.url);
      const locale = localeOf(request.headers.get("accept-language"));
      const match = PATH.exec(url.pathname);
      const notFound = () =>
        answer(404, {
          session: null,
          locale,
          problem: { code: "CHECKOUT_SESSION_NOT_FOUND", message: "No such checkout." },
          action: "",
        });
      if (match === null) return notFound();
      const [, id = "", token = ""] = match;
      const action = `${CHECKOUT_PATH_PREFIX}${id}/${token}`;
      if (request.method === "GET" || request.method === "HEAD") {
        // Back from a 3-D Secure challenge (or a reload while a payment is in flight): its recorded outcome.
        const resumed = await options.checkout.resume(id, token);
        if (resumed !== null) return outcomePage(resumed, locale, action);
        const session = await options.checkout.open(id, token);
        if (session === null) return notFound();
        return answer(200, { session, locale, problem: null, action });
      }
      if (request.method !== "POST")
        return new Response(null, { status: 405, headers: { allow: "GET, HEAD, POST" } });
      // A cross-site form post is refused: the browser names the page that posted.
      const origin = request.headers.get("origin");
      if (origin !== null && origin !== url.origin && origin !== ownOrigin)
        return new Response("Cross-origin form post refused.\n", {
          status: 403,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
      const body = await readBodyLimited(request, CHECKOUT_FORM_MAX_BYTES);
      if (body.outcome !== "read")
        return new Response("The form is too large.\n", {
          status: body.outcome === "too_large" ? 413 : 400,
          headers: { "content-type": "text/plain; charset=utf-8", connection: "close" },
        });
      let result: CheckoutPayResult;
      try {
        result = await options.checkout.pay(id, token, cardOf(new URLSearchParams(body.text)), {
          returnUrl: `${ownBase}${action}`,
        });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const session = await options.checkout.open(id, token);
        if (session === null) return notFound();
        // The vault's messages name the field, never the number.
        return answer(STATUS_OF[error.code] ?? 422, {
          session,
          locale,
          problem: { code: error.code, message: error.message },
          action,
        });
      }
      return outcomePage(result, locale, action);
    },
  };
}

/** The page (or redirect) for a payment's outcome, after the form's post or back from a 3-D Secure challenge. */
function outcomePage(result: CheckoutPayResult, locale: string, action: string): Response {
  if (result.outcome === "COMPLETE")
    return new Response(null, {
      status: 303,
      headers: { location: successRedirectUrl(result.session), "cache-control": "no-store" },
    });
  if (result.outcome === "REQUIRES_ACTION" && result.redirectUrl)
    // Not a 303: the page's form-action allows only this origin and the merchant's, and a form post's redirect
    // must stay within it; the customer goes on by the page's refresh (or its link), no script needed.
    return answer(200, {
      session: result.session,
      locale,
      problem: null,
      action,
      challengeUrl: result.redirectUrl,
    });
  if (result.outcome === "PROCESSING" || result.outcome === "REQUIRES_ACTION")
    return answer(202, {
      session: result.session,
      locale,
      problem: {
        code: "PAYMENT_OUTCOME_PENDING",
        message: "Your payment is being confirmed. Do not pay again; reload this page in a minute.",
      },
      action,
    });
  return answer(402, {
    session: result.session,
    locale,
    problem: { code: "PAYMENT_DECLINED", message: result.declineMessage ?? "The payment was declined." },
    action,
  });
}

/** Several page routes (documents, checkout, card fields) behind the one pre-Yoga route slot of the HTTP edge. */
export function withHostedCheckout(...routes: HostedDocumentRoutes[]): HostedDocumentRoutes {
  return {
    matches: (path) => routes.some((route) => route.matches(path)),
    handle: (request) => {
      const path = new URL(request.url).pathname;
      const route = routes.find((candidate) => candidate.matches(path));
      return route ? route.handle(request) : Promise.resolve(new Response("Not found\n", { status: 404 }));
    },
  };
}
