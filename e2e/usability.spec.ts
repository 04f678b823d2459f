// Goal: the console is usable all day at 1280 and 390 px: every page (every route under apps/console/src/app,
// with long values: a 200-character merchant name, the largest KWD and JPY amounts) fits the window (no sideways
// scrolling), has its own title (named once, not "· paycore console" twice) and one main landmark, and axe finds
// no violation at either width (the phone menu open too); filters show as chips with a result count; a filtered list exports as CSV; a card's fingerprint
// prefills a deny-list entry; an unknown payment answers 404; failed calls read as sentences.
import { expect, type Page, test } from "@playwright/test";
import { artifact, expectAxeClean, expectFits, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();
const WIDTHS = [1280, 390] as const;
const UNKNOWN_PAYMENT = "pay_01JZZZZZZZZZZZZZZZZZZZZZZZ";

/**
 * Every page of the console an admin can open, with the ids the seed made: a seeded merchant, the seeded invoice's
 * mail and the seeded reconciliation item, never "the first in a list" that other specs grow or change.
 */
async function consolePaths(page: Page): Promise<string[]> {
  const merchantHref = `/merchants/${state.acmeMerchantId}`;
  await page.goto(`/mail?to=${encodeURIComponent(state.invoice.email)}`);
  // The invoice's mail is sent by the email job beside the API (serve.ts) within a few seconds of the seed.
  const mailHref = await page
    .locator("main")
    .getByRole("link", { name: `Invoice #${state.invoice.number} from Acme Books`, exact: true })
    .getAttribute("href", { timeout: 15_000 });
  // Every status: the reconciliation spec may have resolved the item already (the queue shows open ones by default).
  await page.goto(
    "/reconciliation/items?status=OPEN&status=RESOLVED&status=IGNORED&status=CLOSED&category=AMOUNT_MISMATCH",
  );
  const itemHref = await page
    .locator("tr", { hasText: state.reconPaymentId })
    .getByRole("link", { name: "amount mismatch" })
    .getAttribute("href", { timeout: 15_000 });
  return [
    "/overview",
    "/payments",
    "/payments?status=CAPTURED&status=DECLINED&q=example.com",
    `/payments/${state.refundablePaymentId}`,
    "/reviews",
    "/reviews/lists",
    "/merchants",
    `${merchantHref}`,
    `${merchantHref}/webhooks`,
    "/audit",
    "/mail",
    "/operators",
    "/psp-accounts",
    "/account/two-factor",
    // The workbench (issue 17), reconciliation (16), payouts (18) and invoices (20).
    "/disputes",
    `/disputes/${state.workbench.disputeId}`,
    "/dead-letters",
    `/dead-letters/${state.workbench.deadLetterId}`,
    "/escalations",
    "/ledger",
    "/authorizations",
    "/reconciliation",
    "/reconciliation/items",
    "/reconciliation/approvals",
    `/merchants/${state.payoutMerchantId}/balance`,
    "/invoices",
    `/invoices/${state.invoice.id}`,
    // Onboarding and KYC (issue 22).
    "/onboarding",
    `/onboarding/${state.onboardingMerchantId}`,
    "/sanctions",
    `/sanctions/${state.sanctionsHitId}`,
    // Customer erasure (issue 22), a caught mail, a reconciliation item.
    "/customers/erasure",
    `${mailHref}`,
    `${itemHref}`,
    // Long values: the 200-character name on its page and in the lists, the largest KWD and JPY payments.
    `/merchants/${state.longValues.merchantId}`,
    `/merchants/${state.longValues.merchantId}/balance`,
    `/payments/${state.longValues.kwdPaymentId}`,
    `/payments/${state.longValues.jpyPaymentId}`,
  ];
}

test("every page fits, is titled, has one main landmark and no axe violation at 1280 and 390 px", async ({
  page,
}) => {
  // About 45 pages at two widths with axe each; on two busy cores a pass took over 4 minutes.
  test.setTimeout(600_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto("/sign-in");
  await expect(page).toHaveTitle("Sign in · paycore console");
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await expectFits(page, `/sign-in at ${width}`);
    await expectAxeClean(page, `/sign-in at ${width}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page, state.operators.ADMIN);
  const paths = await consolePaths(page);
  const titles = new Set<string>();
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    for (const path of paths) {
      const response = await page.goto(path);
      expect(response?.status(), path).toBe(200);
      const title = await page.title();
      expect(title, path).toMatch(/^.+ · paycore console$/);
      // The layout's template adds the name: a page that names it too read "… · paycore console · paycore console".
      expect(title, path).not.toMatch(/paycore console.*paycore console/);
      titles.add(title);
      await expect(page.locator("main"), path).toHaveCount(1);
      await expect(page.locator("h1"), path).toHaveCount(1);
      await expectFits(page, `${path} at ${width}`);
      await expectAxeClean(page, `${path} at ${width}`);
    }
    await page.goto("/payments");
    await page.screenshot({ path: artifact(`usability-payments-${width}`), fullPage: true });
  }
  // Every page has its own title.
  expect(titles.size).toBe(paths.length - 1 /* the filtered list shares the list's title */);
  expect(titles).toContain(`Payment ${state.refundablePaymentId} · paycore console`);
  // The largest amounts in their currencies' exponents: KWD 3 decimals, JPY none.
  await page.goto(`/payments/${state.longValues.kwdPaymentId}`);
  await expect(page.locator("main")).toContainText("9,999,999,999.999");
  await page.screenshot({ path: artifact("usability-payment-kwd-390"), fullPage: true });
  await page.goto(`/payments/${state.longValues.jpyPaymentId}`);
  await expect(page.locator("main")).toContainText("9,999,999,999");
  await expect(page.locator("main")).not.toContainText("9,999,999,999.");
  await page.goto(`/merchants/${state.longValues.merchantId}`);
  await page.screenshot({ path: artifact("usability-long-merchant-390"), fullPage: true });
});

test("at 390 px the navigation is a menu that opens on the dark header, readable and axe clean", async ({
  page,
}) => {
  await signIn(page, state.operators.OPERATOR);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/payments");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav).toBeHidden();
  await page.getByRole("button", { name: "Menu" }).click();
  await expect(nav).toBeVisible();
  await expect(nav.getByRole("link", { name: "Payments" })).toHaveAttribute("aria-current", "page");
  await expectFits(page, "open menu at 390");
  await expectAxeClean(page, "open menu at 390");
  await page.screenshot({ path: artifact("usability-menu-390"), fullPage: true });
  await nav.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();
  await expect(nav).toBeHidden();
});

test("status chips filter the list, the filters in force show as chips with a count, and the CSV has the same rows", async ({
  page,
}) => {
  await signIn(page, state.operators.VIEWER);
  // A whole address: e-mails are sealed at rest and searched by their blind index, never by a part (issue 22).
  await page.getByLabel("Search", { exact: true }).fill("findme@example.com");
  await page.getByRole("checkbox", { name: "captured", exact: true }).check();
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/status=CAPTURED/);
  const inForce = page.getByRole("list", { name: "Filters in force" });
  await expect(inForce.getByRole("link", { name: "Remove filter Status: captured" })).toBeVisible();
  await expect(inForce.getByRole("link", { name: "Remove filter Search: findme@example.com" })).toBeVisible();
  await expect(page.getByTestId("result-count")).toHaveText("1 payment matches these filters.");
  const rows = page.getByRole("region", { name: "Payments" }).locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(state.searchablePaymentId);

  const exportHref = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
  expect(exportHref).toBe("/payments/export?status=CAPTURED&q=findme%40example.com");
  const csv = await page.request.get(exportHref ?? "");
  expect(csv.status()).toBe(200);
  expect(csv.headers()["content-type"]).toBe("text/csv; charset=utf-8");
  const lines = (await csv.text()).trim().split("\r\n");
  expect(lines[0]).toMatch(/^id,created_at,merchant_id,merchant_name,mode,status,/);
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(state.searchablePaymentId);
  expect(lines[1]).toContain(",CAPTURED,");
  expect(lines[1]).toContain("43.21");

  await inForce.getByRole("link", { name: "Remove filter Status: captured" }).click();
  await expect(page).not.toHaveURL(/status=/);
  await expect(page).toHaveURL(/q=findme%40example\.com/);
  await expect(page.getByRole("checkbox", { name: "captured", exact: true })).not.toBeChecked();
});

test("the audit log and the review queue export as CSV", async ({ page }) => {
  await signIn(page, state.operators.OPERATOR);
  const audit = await page.request.get("/audit/export");
  expect(audit.status()).toBe(200);
  expect((await audit.text()).split("\r\n")[0]).toBe(
    "id,created_at,operator,action,target_type,target_id,before,after",
  );
  const reviews = await page.request.get("/reviews/export");
  expect(reviews.status()).toBe(200);
  expect((await reviews.text()).split("\r\n")[0]).toMatch(/^id,held_since,review_expires_at,/);
  // Both exports are in the audit log.
  await page.goto("/audit?q=export.");
  await expect(page.locator("table.responsive > tbody")).toContainText("export.audit");
  await expect(page.locator("table.responsive > tbody")).toContainText("export.reviews");
});

test("an unknown payment answers 404 with one main landmark", async ({ page }) => {
  await signIn(page, state.operators.VIEWER);
  const response = await page.goto(`/payments/${UNKNOWN_PAYMENT}`);
  expect(response?.status()).toBe(404);
  await expect(page.locator("main")).toHaveCount(1);
  await expect(page.getByRole("heading", { name: "Not found", level: 1 })).toBeVisible();
  await expect(page).toHaveTitle(/· paycore console$/);
  const unknownPath = await page.goto("/no-such-page");
  expect(unknownPath?.status()).toBe(404);
  await expect(page.locator("main")).toHaveCount(1);
});

test("the payment page shows metadata and the card fingerprint, which prefills a deny-list entry; failed calls read as sentences", async ({
  page,
}) => {
  await signIn(page, state.operators.OPERATOR);
  await page.goto(`/payments/${state.searchablePaymentId}`);
  await expect(page.getByRole("heading", { name: "Metadata" })).toBeVisible();
  const fingerprint = (await page.getByTestId("card-fingerprint").textContent()) ?? "";
  expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
  await page.getByTestId("deny-card").click();
  await expect(page).toHaveTitle("Deny and allow lists · paycore console");
  // The Merchant label holds every merchant's name: Kind (a select, its label holds its options) is matched by
  // its start, Value exactly.
  await expect(page.getByLabel(/^Kind/)).toHaveValue("FINGERPRINT");
  await expect(page.getByLabel("Value", { exact: true })).toHaveValue(fingerprint);

  // A proxy's HTML error page, then a dropped connection: sentences, never "Unexpected token" or JSON.
  await page.route("**/api/trpc/**", (route) =>
    route.fulfill({ status: 502, contentType: "text/html", body: "<html><body>Bad gateway</body></html>" }),
  );
  await page.getByRole("button", { name: "Add", exact: true }).click();
  // The form's own alert (Next's route announcer is an alert region too).
  const alert = page.getByRole("alert").filter({ hasNotText: "paycore console" });
  await expect(alert).toHaveText(
    "The server could not complete this. Try again; if it keeps failing, tell an administrator.",
  );
  await page.unroute("**/api/trpc/**");
  await page.route("**/api/trpc/**", (route) => route.abort("internetdisconnected"));
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await expect(alert).toHaveText(
    "The console could not reach its server. Check your connection, then try again.",
  );
  await page.unroute("**/api/trpc/**");

  await page.getByRole("button", { name: "Add", exact: true }).click();
  const entry = page.locator("tbody tr", { hasText: fingerprint });
  await expect(entry).toHaveCount(1);
  await page.screenshot({ path: artifact("usability-deny-fingerprint"), fullPage: true });
  await entry.getByRole("button", { name: /^Remove / }).click();
  await expect(entry).toHaveCount(0);
});
