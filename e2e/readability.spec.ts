// Goal: what an operator reads stays readable at 390 px and 1280 px, beyond "the page fits" (usability.spec.ts):
// every list keeps all its columns on screen at 390 px (one card per row, never a table to scroll sideways inside),
// amounts line up on their right edge in tabular digits, dates read one way everywhere, and the overview's charts
// have axes an operator can read. Each test reads only rows the seed made and no spec removes.
import { expect, type Page, test } from "@playwright/test";
import { artifact, expectAxeClean, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();

/** Elements inside <main> that scroll sideways: their content is wider than they are. */
async function sidewaysScrollers(page: Page): Promise<string[]> {
  return page
    .locator("main")
    .evaluate((main) =>
      [...main.querySelectorAll<HTMLElement>(".scroll-x, table, section, .card")]
        .filter((element) => element.scrollWidth > element.clientWidth + 1 && element.clientWidth > 1)
        .map(
          (element) =>
            `${element.tagName.toLowerCase()}.${element.className} ${element.scrollWidth}>${element.clientWidth}`,
        ),
    );
}

test("at 390 px every list shows one card per row with every column's label, and nothing scrolls sideways", async ({
  page,
}) => {
  test.setTimeout(300_000);
  await signIn(page, state.operators.ADMIN);
  await page.setViewportSize({ width: 390, height: 844 });
  // Lists whose seeded rows stay whatever other specs do: the imported report run, its item in any status, the
  // seeded invoice, the payments; and the queues whose rows other specs may act on (checked when they have rows).
  const lists = [
    {
      path: "/reconciliation",
      table: "recon-runs",
      rows: true,
      labels: ["File", "Gross", "Fee", "Net", "Left open"],
    },
    {
      path: "/reconciliation/items?status=OPEN&status=RESOLVED&status=IGNORED&status=CLOSED",
      table: "recon-queue",
      rows: true,
      labels: ["Item", "Amount", "Difference", "Payment"],
    },
    { path: "/invoices", table: "invoices-list", rows: true, labels: ["Invoice", "Total", "Due"] },
    { path: "/disputes", table: "disputes-queue", rows: false, labels: ["Dispute", "At stake"] },
    {
      path: "/dead-letters?state=ALL",
      table: "dead-letters",
      rows: true,
      labels: ["Letter", "Seen", "State"],
    },
    { path: "/ledger", table: "adjustments", rows: false, labels: ["Posted", "Amount"] },
    {
      path: "/reconciliation/approvals",
      table: "approvals-decided",
      rows: false,
      labels: ["Request", "Amount"],
    },
    { path: "/authorizations", table: "expiring-authorizations", rows: false, labels: ["Payment"] },
  ];
  for (const list of lists) {
    await page.goto(list.path);
    await expect(page.locator("h1"), list.path).toHaveCount(1);
    expect(await sidewaysScrollers(page), `${list.path} at 390`).toEqual([]);
    const table = page.getByTestId(list.table);
    if (!list.rows && (await table.count()) === 0) continue;
    const firstRow = table.locator("tbody > tr").first();
    await expect(firstRow, list.path).toBeVisible();
    // A card: the row is no wider than the window, and each cell says which column it is.
    const box = await firstRow.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390, `${list.path}: the first row is on screen`).toBe(
      true,
    );
    for (const label of list.labels) {
      await expect(firstRow.locator(`td[data-label="${label}"]`), `${list.path}: ${label}`).toHaveCount(1);
    }
  }
  // The money column of a queue is on screen, not cut off to the right.
  await page.goto("/reconciliation/items?status=OPEN&status=RESOLVED&status=IGNORED&status=CLOSED");
  const difference = page
    .getByTestId("recon-queue")
    .locator("tbody tr", { hasText: state.reconPaymentId })
    .locator('td[data-label="Difference"]');
  await difference.scrollIntoViewIfNeeded();
  await expect(difference).toBeInViewport();
  await expect(difference).toHaveText("-$200.00");
  await page.screenshot({ path: artifact("readability-recon-items-390"), fullPage: true });
});

test("an empty queue says so once, without an empty table under it", async ({ page }) => {
  await signIn(page, state.operators.VIEWER);
  // No spec dismisses a letter: the dismissed tab of a fresh run is empty.
  await page.goto("/dead-letters?state=DISMISSED");
  const empty = page.getByText("No dead letters here.");
  if ((await empty.count()) > 0) {
    await expect(empty).toBeVisible();
    await expect(page.getByTestId("dead-letters")).toHaveCount(0);
  }
  await page.goto("/payments?q=nobody.at.all%40example.com");
  await expect(page.getByTestId("result-count")).toHaveText("0 payments match these filters.");
  await expect(page.getByTestId("payments-table")).toHaveCount(0);
  await expect(page.getByText("Remove a filter above to see more payments.")).toBeVisible();
});

test("timelines keep each time on one line and each event name whole, at 1280 and 390 px", async ({
  page,
}) => {
  await signIn(page, state.operators.VIEWER);
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    for (const path of [`/invoices/${state.invoice.id}`, `/payments/${state.refundablePaymentId}`]) {
      await page.goto(path);
      const items = page.locator("ol.timeline > li");
      await expect(items.first(), path).toBeVisible();
      for (const item of await items.all()) {
        // Lines of text, not the box: a grid item stretches to its row's height.
        const time = item.locator("> time");
        const lines = await time.evaluate((element) => {
          const range = document.createRange();
          range.selectNodeContents(element);
          return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
        });
        expect(lines, `${path} at ${width}: "${await time.textContent()}" on one line`).toBe(1);
      }
    }
    // The invoice's events: the name is in the wide column, in one piece.
    await page.goto(`/invoices/${state.invoice.id}`);
    const created = page.locator("ol.timeline > li > div", { hasText: "invoice.created" });
    await expect(created).toHaveCount(1);
    const name = await created.evaluate((element) => {
      const range = document.createRange();
      range.setStart(element.firstChild as Node, 0);
      range.setEnd(element.firstChild as Node, "invoice.created".length);
      return range.getClientRects().length;
    });
    expect(name, `invoice.created at ${width} is on one line`).toBe(1);
    // A ledger line's "credit merchant_pending: $96.80" wraps as a whole, never between label and amount.
    await page.goto(`/payments/${state.refundablePaymentId}`);
    for (const pair of await page.locator("ol.timeline .details > span").all()) {
      const rects = await pair.evaluate((element) => element.getClientRects().length);
      expect(rects, `${await pair.textContent()} at ${width}`).toBe(1);
    }
  }
});

test("a merchant's balances keep mode and currency readable beside the largest amounts", async ({ page }) => {
  await signIn(page, state.operators.VIEWER);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`/merchants/${state.longValues.merchantId}`);
  const balances = page.getByRole("region", { name: "Balances" });
  const kwd = balances.locator("tbody tr", { hasText: "KWD 9,709,999,999.699" });
  await expect(kwd).toHaveCount(1);
  // "KWD" and "test" each on one line: beside 13-digit amounts they were squeezed to "K / W / D".
  for (const label of ["Mode", "Currency"]) {
    const cell = kwd.locator(`td[data-label="${label}"]`);
    const lines = await cell.evaluate((element) => {
      const range = document.createRange();
      range.selectNodeContents(element);
      return range.getClientRects().length;
    });
    expect(lines, `${label}: ${await cell.textContent()}`).toBe(1);
  }
  await expect(kwd.locator('td[data-label="Currency"]')).toHaveText("KWD");
  const scrolls = await balances
    .locator(".scroll-x")
    .evaluate((element) => element.scrollWidth > element.clientWidth + 1);
  expect(scrolls, "the balances table scrolls sideways in its card").toBe(false);
  // The amounts right-aligned in tabular digits.
  const pending = kwd.locator('td[data-label="Pending"]');
  await expect(pending).toHaveCSS("text-align", "right");
  await expect(pending).toHaveCSS("font-variant-numeric", "tabular-nums");
});

/** The right edge of an element's text (not its box): where its last digit ends. */
async function textRight(page: Page, selector: string): Promise<number> {
  return page.locator(selector).evaluate((element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const rects = [...range.getClientRects()];
    return Math.max(...rects.map((rect) => rect.right));
  });
}

test("a payment's amounts and an invoice's totals line up on their right edge in tabular digits", async ({
  page,
}) => {
  await signIn(page, state.operators.VIEWER);
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`/payments/${state.longValues.kwdPaymentId}`);
    await expect(page.getByTestId("amount-captured")).toHaveText("KWD 9,999,999,999.999");
    await expect(page.getByTestId("amount-refunded")).toHaveText("KWD 0.000");
    const edges = [];
    for (const id of ["amount-authorized", "amount-captured", "amount-refunded", "amount-refundable"]) {
      await expect(page.getByTestId(id)).toHaveCSS("font-variant-numeric", "tabular-nums");
      edges.push(await textRight(page, `[data-testid="${id}"]`));
    }
    expect(
      Math.max(...edges) - Math.min(...edges),
      `amounts' right edges at ${width}: ${edges}`,
    ).toBeLessThan(1);

    await page.goto(`/invoices/${state.invoice.id}`);
    await expect(page.getByTestId("invoice-total")).toHaveText(state.invoice.totalText);
    const total = await textRight(page, '[data-testid="invoice-total"]');
    if (width === 1280) {
      // Under the Gross column's figures.
      const gross = await textRight(page, 'td[data-label="Gross"] >> nth=-1');
      expect(Math.abs(total - gross), `total ${total} under gross ${gross}`).toBeLessThan(1);
    }
    const subtotal = await textRight(page, "dl.totals dd >> nth=0");
    expect(Math.abs(total - subtotal), "subtotal and total end together").toBeLessThan(1);
  }
});

test("dates read one way: a due date and a chart's days as '07 Jan 2027' and '26 Nov', like the times beside them", async ({
  page,
}) => {
  await signIn(page, state.operators.ADMIN);
  const day = /^\d{2} [A-Z][a-z]{2} \d{4}$/;
  await page.goto(`/invoices/${state.invoice.id}`);
  await expect(page.getByTestId("invoice-due")).toHaveText(day);
  await page.goto("/invoices");
  const row = page.getByTestId("invoices-list").locator("tbody tr", { hasText: state.invoice.id });
  await expect(row.locator('td[data-label="Due"]')).toHaveText(day);
  await expect(row.locator('td[data-label="Created"]')).toHaveText(
    /^\d{2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}:\d{2} UTC$/,
  );
  // The overview: its period and each chart's days, never "2026-11-25" beside "08 Dec 2026" nor month-first "11-26".
  await page.goto("/overview");
  await expect(page.locator("main")).toContainText(
    /The last 14 days by UTC day, \d{2} [A-Z][a-z]{2} \d{4} to /,
  );
  // The count chart always has its line (zeros on quiet days); its other labels are the value ticks.
  const axisTexts = await page
    .getByTestId("chart-volume-count")
    .locator("svg[role=img] text")
    .allTextContents();
  const days = axisTexts.filter((text) => !/^[\d.,]+%?$/.test(text));
  expect(days.length).toBeGreaterThanOrEqual(7);
  for (const text of days) expect(text).toMatch(/^\d{2} [A-Z][a-z]{2}$/);
});

test("the overview's count chart has whole-number ticks", async ({ page }) => {
  await signIn(page, state.operators.OPERATOR);
  await page.goto("/overview");
  const texts = await page.getByTestId("chart-volume-count").locator("svg[role=img] text").allTextContents();
  const ticks = texts.filter((text) => /^[\d.,]+$/.test(text));
  expect(ticks).toHaveLength(5);
  for (const tick of ticks) expect(tick, `tick ${tick} of ${ticks}`).toMatch(/^\d[\d,]*$/);
});

test("a time in a narrow column wraps only between its day and its clock, never inside either", async ({
  page,
}) => {
  await signIn(page, state.operators.VIEWER);
  await page.goto("/reviews");
  const times = page.locator("main table time");
  await expect(times.first()).toBeVisible();
  for (const time of await times.all()) {
    const lines = await time.evaluate((element) => {
      const range = document.createRange();
      range.selectNodeContents(element);
      return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
    });
    const text = (await time.textContent()) ?? "";
    expect(text).toMatch(/^\d{2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}:\d{2} UTC$/);
    expect(lines, `"${text}" on ${lines} lines`).toBeLessThanOrEqual(2);
  }
});

test("a settlement report run shows gross, fee and net in their own right-aligned columns", async ({
  page,
}) => {
  await signIn(page, state.operators.VIEWER);
  await page.goto("/reconciliation");
  // The seeded Stripe-style day: 300.00 USD gross, 14.80 fee, 285.20 net among its currencies.
  const run = page
    .getByTestId("recon-runs")
    .locator("tbody tr", { hasText: "stripe-balance-report-" })
    .first();
  for (const [label, figure] of [
    ["Gross", "$300.00"],
    ["Fee", "$14.80"],
    ["Net", "$285.20"],
  ] as const) {
    const cell = run.locator(`td[data-label="${label}"]`);
    await expect(cell.locator("div", { hasText: figure })).toHaveCount(1);
    await expect(cell).not.toContainText("/");
    await expect(cell).toHaveCSS("text-align", "right");
  }
});

test("the pause-payouts reason is a labelled field of usable width, as the page's other forms", async ({
  page,
}) => {
  await signIn(page, state.operators.OPERATOR);
  await page.goto(`/merchants/${state.payoutMerchantId}/balance`);
  const form = page.getByRole("button", { name: /^(Pause|Resume) payouts$/ }).locator("xpath=ancestor::form");
  await expect(form).toHaveClass(/filters/);
  const reason = form.getByLabel("Reason", { exact: true });
  if ((await reason.count()) === 0) return; // paused by another run of this page: no reason to give
  // The label above its field, not run into it; the field wide enough for a sentence.
  const label = form.locator("label.field").filter({ hasText: "Reason" });
  await expect(label).toHaveCSS("flex-direction", "column");
  const box = await reason.boundingBox();
  expect(box?.width ?? 0).toBeGreaterThanOrEqual(240);
});

test("a list's merchant filter stays a field's width beside a 200-character merchant name", async ({
  page,
}) => {
  await signIn(page, state.operators.VIEWER);
  await page.setViewportSize({ width: 1280, height: 900 });
  for (const path of ["/payments", "/invoices"]) {
    await page.goto(path);
    // A label's name holds its select's chosen option too: found by the field's name.
    const merchant = page.locator('form.filters select[name="merchant"]');
    await expect(merchant.locator("option", { hasText: "Großhandelsgesellschaft" })).toHaveCount(1);
    const box = await merchant.boundingBox();
    expect(box?.width ?? 0, `${path}: the merchant filter's width`).toBeLessThanOrEqual(28 * 15 + 1);
  }
});

test("audit actions wrap only after a dot or an underscore, never inside a word", async ({ page }) => {
  await signIn(page, state.operators.VIEWER);
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto("/audit");
    const names = page.locator("main td .action-name");
    await expect(names.first()).toBeVisible();
    for (const name of (await names.all()).slice(0, 25)) {
      // The characters after which a new line starts.
      const breaks = await name.evaluate((element) => {
        const found: string[] = [];
        let lastTop: number | null = null;
        let previous = "";
        const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const text = node.textContent ?? "";
          for (let index = 0; index < text.length; index++) {
            const range = document.createRange();
            range.setStart(node, index);
            range.setEnd(node, index + 1);
            const top = Math.round(range.getBoundingClientRect().top);
            if (lastTop !== null && top > lastTop + 2) found.push(previous);
            lastTop = top;
            previous = text[index] ?? "";
          }
        }
        return found;
      });
      const text = (await name.textContent()) ?? "";
      for (const after of breaks)
        expect(after, `"${text}" at ${width} breaks after "${after}"`).toMatch(/[._]/);
    }
  }
});

test("the two-factor step is readable: 'Use another account' has the link colour, axe clean at 1280 and 390 px", async ({
  page,
}) => {
  // Stops at the code prompt: no code is used, so the other specs' codes are untouched.
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(state.operators.ADMIN.email);
  await page.getByLabel("Password").fill(state.operators.ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByLabel("Code")).toBeVisible({ timeout: 30_000 });
  const other = page.getByRole("button", { name: "Use another account" });
  // The console's accent (#2450c7), not the header's light grey on a white card.
  await expect(other).toHaveCSS("color", "rgb(36, 80, 199)");
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await expectAxeClean(page, `two-factor step at ${width}`);
  }
  await page.screenshot({ path: artifact("readability-two-factor-390"), fullPage: true });
  // Back to the first step.
  await other.click();
  await expect(page.getByLabel("Email")).toBeVisible();
});

test("no live PSP account: one sentence, no empty table head", async ({ page }) => {
  // A fresh run has none (psp-accounts.spec adds some, then this has nothing to check).
  await signIn(page, state.operators.ADMIN);
  await page.goto("/psp-accounts");
  if ((await page.getByText("No PSP account yet: live payments are refused.").count()) > 0) {
    await expect(page.locator("main table")).toHaveCount(0);
  }
});
