// Goal (issue 20): 3-D Secure on the hosted checkout in Chromium, against the sandbox server (whichever PSP routes).
// A customer pays with a frictionless card and lands on the shop's thanks page; with a challenge card they are
// sent to the sandbox's challenge page (its own origin), complete it, come back through paycore (which confirms
// with the PSP) and land on the thanks page; failing the challenge brings them back to the checkout with the
// decline; abandoning it leaves the payment to the expiry worker, whose pass the spec triggers (serve.ts gives
// every challenge a 1 ms deadline), and the payment is cancelled. The merchant reads each outcome from the API;
// the checkout, interstitial and challenge pages are axe clean at 1280 and 390 px, with no horizontal overflow.
import { createServer, type Server } from "node:http";
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, test } from "@playwright/test";
import { CARD_EXPIRY_YEAR, readState } from "./state";

const { checkout, controlUrl } = readState();
// Each test crosses three origins (checkout, the sandbox's challenge, the shop) and runs axe up to six times: at a
// load average of 16 on two cores one axe pass took 19–43 s and the challenge test passed 90 s.
test.describe.configure({ timeout: 180_000 });
const FRICTIONLESS = "4000000000003063";
const CHALLENGE = "4000002760003184";

interface Session {
  id: string;
  url: string | null;
  status: string;
  payment: {
    id: string;
    status: string;
    threeDSecure: { status: string; flow: string; liabilityShift: boolean } | null;
  } | null;
}
const FIELDS = "id url status payment { id status threeDSecure { status flow liabilityShift } }";

async function gql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${checkout.apiUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${checkout.secretKey}` },
    body: JSON.stringify({ query, variables }),
  });
  return ((await response.json()) as { data: T }).data;
}

async function createSession(): Promise<Session> {
  const data = await gql<{ createCheckoutSession: { checkoutSession: Session | null } }>(
    `mutation($input: CreateCheckoutSessionInput!) { createCheckoutSession(input: $input) { checkoutSession { ${FIELDS} } } }`,
    {
      input: {
        idempotencyKey: `e2e-3ds-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`,
        currency: "EUR",
        amount: "4990",
        description: "Order 3DS",
        successUrl: `${checkout.shopUrl}/thanks?cs={CHECKOUT_SESSION_ID}`,
        cancelUrl: `${checkout.shopUrl}/cart`,
      },
    },
  );
  const session = data.createCheckoutSession.checkoutSession;
  if (!session?.url) throw new Error("createCheckoutSession failed");
  return session;
}

const readSession = async (id: string) =>
  (
    await gql<{ checkoutSession: Session }>(`query($id: ID!) { checkoutSession(id: $id) { ${FIELDS} } }`, {
      id,
    })
  ).checkoutSession;

let shop: Server;
test.beforeAll(async () => {
  shop = createServer((_request, response) => {
    response
      .writeHead(200, { "content-type": "text/html; charset=utf-8" })
      .end(
        `<!doctype html><html lang="en"><head><title>Thanks</title></head><body><main><h1>Thanks for your order</h1></main></body></html>`,
      );
  });
  await new Promise<void>((resolve) =>
    shop.listen(Number(new URL(checkout.shopUrl).port), "127.0.0.1", resolve),
  );
});
test.afterAll(async () => {
  await new Promise((resolve) => shop.close(resolve));
});

/** Axe clean and no horizontal overflow, at the desktop and the phone width. */
async function expectUsable(page: Page) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations.map((v) => `${width}px ${v.id}: ${v.nodes.length}`)).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${width}px horizontal overflow`).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function payWith(page: Page, number: string) {
  await page.getByLabel("Card number").fill(number);
  await page.getByLabel("Expiry month (MM)").fill("12");
  await page.getByLabel("Expiry year (YYYY)").fill(String(CARD_EXPIRY_YEAR));
  await page.getByLabel("Security code (CVC)").fill("123");
  await page.getByRole("button", { name: /^Pay/ }).click();
}

/** The customer is sent on to the PSP's challenge page, on the sandbox's own origin. */
async function reachChallenge(page: Page, session: Session) {
  await page.goto(session.url as string);
  await expectUsable(page);
  await payWith(page, CHALLENGE);
  await page.waitForURL(/\/3ds\/challenge\/(stripe|adyen)\/[A-Za-z0-9_]+$/);
  expect(new URL(page.url()).origin).not.toBe(new URL(checkout.apiUrl).origin);
  await expect(page.getByRole("heading", { name: "Confirm this payment" })).toBeVisible();
  await expectUsable(page);
}

test("a frictionless card pays at once, with the liability shift recorded", async ({ page }) => {
  const session = await createSession();
  await page.goto(session.url as string);
  await payWith(page, FRICTIONLESS);
  await page.waitForURL(`${checkout.shopUrl}/thanks?cs=${session.id}`);
  const read = await readSession(session.id);
  expect(read).toMatchObject({
    status: "COMPLETE",
    payment: {
      status: "CAPTURED",
      threeDSecure: { status: "AUTHENTICATED", flow: "FRICTIONLESS", liabilityShift: true },
    },
  });
});

test("a challenge completed on the sandbox's page brings the customer back and pays", async ({ page }) => {
  const session = await createSession();
  await reachChallenge(page, session);
  await expect(page.locator("#challenge-amount")).toContainText("49.90");
  await page.getByRole("button", { name: "Complete authentication" }).click();
  await page.waitForURL(`${checkout.shopUrl}/thanks?cs=${session.id}`);
  expect(await readSession(session.id)).toMatchObject({
    status: "COMPLETE",
    payment: {
      status: "CAPTURED",
      threeDSecure: { status: "AUTHENTICATED", flow: "CHALLENGE", liabilityShift: true },
    },
  });
});

test("a failed challenge brings the customer back to the checkout with the decline", async ({ page }) => {
  const session = await createSession();
  await reachChallenge(page, session);
  await page.getByRole("button", { name: "Fail authentication" }).click();
  await page.waitForURL((url) => url.pathname.startsWith("/checkout/"));
  await expect(page.getByRole("alert")).toBeVisible();
  await expect(page.locator("#checkout-problem")).toHaveAttribute("data-error-code", "PAYMENT_DECLINED");
  await expectUsable(page);
  expect(await readSession(session.id)).toMatchObject({
    status: "OPEN",
    payment: { status: "DECLINED", threeDSecure: { status: "FAILED", liabilityShift: false } },
  });
});

test("an abandoned challenge is cancelled by the expiry worker's pass", async ({ page }) => {
  const session = await createSession();
  await reachChallenge(page, session);
  // The customer walks away. The spec runs one pass of the expiry worker's job (its deadline is 1 ms here).
  const pass = await fetch(`${controlUrl}/jobs/three-d-secure-expiry`, { method: "POST" });
  expect(pass.status).toBe(200);
  expect(((await pass.json()) as { done: number }).done).toBeGreaterThanOrEqual(1);
  const read = await readSession(session.id);
  expect(read.payment).toMatchObject({ status: "CANCELLED", threeDSecure: { status: "ABANDONED" } });
  // Completing it now is refused: the sandbox's page says so, or (when the PSP's cancel is still on its way to the
  // page) sends the customer back to the checkout, which shows the payment did not go through.
  await page.getByRole("button", { name: "Complete authentication" }).click();
  await expect(
    page.getByText("This authentication was cancelled.").or(page.locator("#checkout-problem")),
  ).toBeVisible();
  // Back on the checkout, the session is still open for another card (the cancelled payment is not reused).
  await page.goto(session.url as string);
  await expect(page.getByRole("button", { name: /^Pay/ })).toBeVisible();
  expect(await readSession(session.id)).toMatchObject({ status: "OPEN", payment: { status: "CANCELLED" } });
});
