// The 3-D Secure challenge page the sandboxes serve (the sandbox server on its own origin, and the API for the
// in-process sandbox): what an issuer's access control server shows during a challenge, reduced to an accessible
// form with two buttons. Plain HTML with no script and no external assets; one inline stylesheet allowed by nonce.
import { randomBytes } from "node:crypto";

export type ChallengeResult = "authenticated" | "failed";

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#eef2f7;color:#111827}
main{max-width:26rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px #0003}
h1{font-size:1.25rem;margin:0 0 .5rem}
p{margin:.5rem 0}
button{display:block;width:100%;margin-top:1rem;font:inherit;font-weight:700;padding:.75rem;border-radius:.35rem;min-height:2.75rem;cursor:pointer}
.complete{border:0;background:#166534;color:#fff}
.fail{border:2px solid #991b1b;background:#fff;color:#991b1b}
button:focus{outline:3px solid #1d4ed8;outline-offset:2px}
@media (max-width:400px){main{margin:0;border-radius:0;padding:1rem}}
`;

/** The challenge page of one authentication: `action` is where its form posts (the same path). */
export function challengePage(options: {
  pspName: string;
  amount: string;
  action: string;
  /** Set once decided: the page then says so instead of asking again. */
  decided: ChallengeResult | null;
}): { html: string; headers: Record<string, string> } {
  const nonce = randomBytes(16).toString("base64");
  const body =
    options.decided === null
      ? `<h1>Confirm this payment</h1>
<p>Your card issuer asks you to confirm a payment of <strong id="challenge-amount">${escapeHtml(options.amount)}</strong>.</p>
<p>This is the ${escapeHtml(options.pspName)} sandbox's 3-D Secure test page: choose the outcome.</p>
<form method="post" action="${escapeHtml(options.action)}">
<button class="complete" type="submit" name="result" value="authenticated">Complete authentication</button>
<button class="fail" type="submit" name="result" value="failed">Fail authentication</button>
</form>`
      : `<h1>Authentication ${options.decided === "authenticated" ? "completed" : "failed"}</h1>
<p>This challenge is over. You can close this page.</p>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>3-D Secure authentication</title>
<style nonce="${nonce}">${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
  return {
    html,
    headers: {
      "content-type": "text/html; charset=utf-8",
      // The form's 303 goes back to the merchant's return URL on another origin: form-action allows any http(s).
      "content-security-policy": `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'`,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "cache-control": "no-store",
    },
  };
}

/** The result a challenge form posted, or null for anything else. */
export function challengeResultOf(form: URLSearchParams): ChallengeResult | null {
  const result = form.get("result");
  return result === "authenticated" || result === "failed" ? result : null;
}
