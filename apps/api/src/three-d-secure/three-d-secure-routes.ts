// 3-D Secure (issue 20) on the API's own origin, served in the documents' pre-Yoga slot:
//   GET|POST /three-d-secure/return/<payment id>/<state>  where the PSP's challenge page sends the customer
//     back. The payment is the one paycore's own signed state names (three-d-secure/return-state.ts in the
//     platform; a state that is not the payment's is refused, nothing written), never one the PSP names. The
//     outcome is confirmed with the PSP server to server (PaymentCommands.completeAuthentication), passing on
//     the opaque result the return carried (Adyen's `redirectResult`, as `details.redirectResult`); the PSP's
//     answer must be about this payment. A PSP reference in the query (Stripe's payment_intent) must be the
//     payment's own. Then 303 to the payment's return URL (the merchant's, or the hosted checkout's) with
//     ?payment_id=…, or a small page saying how it went.
//     A return URL without state (a challenge started before the state existed) is accepted only with the
//     payment's own PSP reference in the query, and without a redirect result.
//   GET|POST /sandbox/3ds/challenge/<reference>  the in-process sandbox's challenge page (test mode without the
//     sandbox server only; the sandbox server serves its own on its own origin).

import { DomainError } from "@paycore/core/errors/domain-error";
import { formatLocalisedAmount } from "@paycore/core/money/localised-amount";
import type { PaymentCommands } from "@paycore/core/payments/payment-commands";
import type { PaymentRecord } from "@paycore/core/payments/payment-record";
import { SANDBOX_CHALLENGE_PATH, THREE_D_SECURE_RETURN_PATH } from "@paycore/platform/runtime";
import type { ThreeDSecureReturnState } from "@paycore/platform/three-d-secure/return-state";
import { challengePage, challengeResultOf } from "@paycore/psp-testkit/challenge-page";
import type { SandboxPsp } from "@paycore/psp-testkit/sandbox-psp";
import type { HostedDocumentRoutes } from "../documents/hosted-documents";
import { readBodyLimited } from "../webhooks/read-body-limited";

const RETURN_PATH = /^\/three-d-secure\/return\/(pay_[0-9A-HJKMNP-TV-Z]{26})(?:\/([0-9a-f]{32}))?\/?$/;
const CHALLENGE_PATH = /^\/sandbox\/3ds\/challenge\/(sbx_ch_[0-9a-f]{24})\/?$/;
/** A PSP's return carries a few parameters (Adyen's redirectResult runs to a few hundred bytes); the challenge form one. */
const FORM_MAX_BYTES = 8192;

const STATUS_OF: Record<string, number> = {
  PAYMENT_NOT_FOUND: 404,
  ID_INVALID: 404,
  THREE_D_SECURE_NOT_REQUIRED: 409,
  THREE_D_SECURE_RETURN_MISMATCH: 400,
};

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}

function page(status: number, title: string, body: string): Response {
  return new Response(
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`,
    {
      status,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "cache-control": "no-store",
      },
    },
  );
}

/** The payment's return URL with the payment named, for the merchant's page to read its outcome (by API). */
function continueUrl(payment: PaymentRecord): string | null {
  if (payment.returnUrl === null) return null;
  const url = new URL(payment.returnUrl);
  url.searchParams.set("payment_id", payment.id);
  return url.toString();
}

function outcomeSentence(payment: PaymentRecord): string {
  switch (payment.status) {
    case "AUTHORIZED":
    case "CAPTURED":
    case "REQUIRES_REVIEW":
      return "Your payment was authenticated and accepted.";
    case "REQUIRES_ACTION":
      return "The authentication is not complete yet.";
    case "CANCELLED":
      return "The authentication was not completed in time; nothing was charged.";
    default:
      return "The payment was declined; nothing was charged.";
  }
}

export function createThreeDSecureRoutes(options: {
  commands: Pick<PaymentCommands, "completeAuthentication">;
  /** The in-process sandbox whose challenge page this API serves; null with the sandbox server. */
  sandbox: SandboxPsp | null;
  /** Checks the return URL's signed state (the same key as the runtime's return URLs). */
  returnState: ThreeDSecureReturnState;
}): HostedDocumentRoutes {
  return {
    matches: (path) =>
      path.startsWith(THREE_D_SECURE_RETURN_PATH) ||
      (options.sandbox !== null && path.startsWith(SANDBOX_CHALLENGE_PATH)),
    async handle(request) {
      const url = new URL(request.url);
      if (request.method !== "GET" && request.method !== "POST")
        return new Response(null, { status: 405, headers: { allow: "GET, POST" } });
      const challenge = CHALLENGE_PATH.exec(url.pathname);
      if (challenge && options.sandbox)
        return sandboxChallenge(options.sandbox, request, challenge[1] as string);
      const match = RETURN_PATH.exec(url.pathname);
      if (match === null)
        return page(404, "Not found", `<p data-error-code="PAYMENT_NOT_FOUND">No such payment.</p>`);
      // A PSP may post the customer back (Adyen's form post); its parameters count like the query's.
      let params = url.searchParams;
      if (request.method === "POST") {
        const body = await readBodyLimited(request, FORM_MAX_BYTES);
        if (body.outcome !== "read") return page(413, "Too large", "<p>The return is too large.</p>");
        params = new URLSearchParams(body.text);
      }
      const paymentId = match[1] as string;
      const state = match[2] ?? null;
      const returnedReference = params.get("payment_intent") ?? params.get("pspReference");
      const redirectResult = params.get("redirectResult");
      let payment: PaymentRecord;
      try {
        if (
          state === null
            ? returnedReference === null || redirectResult !== null
            : !options.returnState.verify(paymentId, state)
        )
          throw new DomainError(
            "THREE_D_SECURE_RETURN_MISMATCH",
            "This return is not one paycore made for this payment; nothing was changed.",
          );
        ({ payment } = await options.commands.completeAuthentication({
          paymentId,
          returnedReference,
          redirectResult,
        }));
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return page(
          STATUS_OF[error.code] ?? 422,
          "This authentication cannot be used",
          `<p role="alert" id="three-d-secure-problem" data-error-code="${escapeHtml(error.code)}">${escapeHtml(error.message)}</p>`,
        );
      }
      const next = continueUrl(payment);
      if (next !== null)
        return new Response(null, { status: 303, headers: { location: next, "cache-control": "no-store" } });
      return page(
        200,
        "Payment authentication",
        `<p id="three-d-secure-outcome" data-status="${payment.status}">${escapeHtml(outcomeSentence(payment))}</p>`,
      );
    },
  };
}

async function sandboxChallenge(sandbox: SandboxPsp, request: Request, reference: string): Promise<Response> {
  const held = sandbox.challengeOf(reference);
  if (held === null) return page(404, "Not found", "<p>No such authentication.</p>");
  const action = `${SANDBOX_CHALLENGE_PATH}${reference}`;
  if (request.method === "GET") {
    const { html, headers } = challengePage({
      pspName: "in-process",
      amount: formatLocalisedAmount(held.amountMinor, held.currency, "en"),
      action,
      decided: held.state === "pending" ? null : (held.state as "authenticated" | "failed"),
    });
    return new Response(html, { headers });
  }
  const body = await readBodyLimited(request, FORM_MAX_BYTES);
  const result = body.outcome === "read" ? challengeResultOf(new URLSearchParams(body.text)) : null;
  if (result === null) return page(400, "Bad request", "<p>Choose an outcome.</p>");
  const back = sandbox.completeChallenge(reference, result);
  if (back === null) return page(404, "Not found", "<p>No such authentication.</p>");
  return new Response(null, { status: 303, headers: { location: back, "cache-control": "no-store" } });
}
