// Goal: every page, API answer and asset carries the security headers, the CSP is nonce-based and strict, and
// no page of the console breaks it (Chromium reports no CSP violation on any screen).
import { expect, type Page, test } from "@playwright/test";
import { signIn } from "./helpers";
import { readState } from "./state";

const state = readState();

/** Chromium reports violations as `securitypolicyviolation` events and as console errors: both are collected. */
async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) {
      consoleErrors.push(message.text());
    }
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (event) => {
      seen.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return async () => [
    ...consoleErrors,
    ...(await page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? [])),
  ];
}

function expectSecurityHeaders(headers: Record<string, string>, what: string) {
  const csp = headers["content-security-policy"] ?? "";
  expect(csp, what).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).not.toContain("unsafe-eval");
  expect(headers["x-content-type-options"], what).toBe("nosniff");
  expect(headers["referrer-policy"], what).toBe("same-origin");
  // The tests run over plain http: no HSTS there.
  expect(headers["strict-transport-security"], what).toBeUndefined();
}

test("every screen renders with no CSP violation and carries the headers", async ({ page }) => {
  const violations = await watchCsp(page);
  const signInResponse = await page.goto("/sign-in");
  expectSecurityHeaders(signInResponse?.headers() ?? {}, "/sign-in");
  await signIn(page, state.operators.ADMIN);
  const paths = [
    "/overview",
    "/payments",
    `/payments/${state.refundablePaymentId}`,
    "/reviews",
    "/reviews/lists",
    "/merchants",
    `/merchants/${state.payoutMerchantId}/balance`,
    "/operators",
    "/audit",
    "/onboarding",
    "/sanctions",
    "/no-such-page",
  ];
  const nonces = new Set<string>();
  for (const path of paths) {
    const response = await page.goto(path);
    const headers = response?.headers() ?? {};
    expectSecurityHeaders(headers, path);
    nonces.add(/'nonce-([^']+)'/.exec(headers["content-security-policy"] ?? "")?.[1] ?? "");
    // Next's own scripts carry the nonce, so the page is interactive.
    expect(await page.locator("script[nonce]").count(), path).toBeGreaterThan(0);
    await expect(page.locator("main")).toBeVisible();
    expect(await violations(), path).toEqual([]);
  }
  expect(nonces.size).toBe(paths.length);
});

test("API answers and static assets carry the headers too", async ({ page, request }) => {
  const api = await request.get("/api/trpc/auth.me");
  expectSecurityHeaders(api.headers(), "/api/trpc/auth.me");
  await page.goto("/sign-in");
  const script = await page.locator("script[src^='/_next/static/']").first().getAttribute("src");
  expect(script).toBeTruthy();
  const asset = await request.get(script ?? "");
  expect(asset.status()).toBe(200);
  expectSecurityHeaders(asset.headers(), "static asset");
});

test("a page refuses to be framed", async ({ page }) => {
  await page.goto("/sign-in");
  // setContent waits for the load event, which waits for the iframe: by then Chromium has refused it.
  await page.setContent(`<iframe src="${state.baseUrl}/sign-in" title="framed"></iframe>`);
  const framed = page.frames().find((frame) => frame !== page.mainFrame());
  expect(framed).toBeDefined();
  expect(await framed?.locator("input[name=email]").count()).toBe(0);
});
