import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";
import { generateSync } from "otplib";
import type { E2eOperator } from "./state";

const PERIOD_SECONDS = 30;
const STEPS_FILE = join(import.meta.dirname, "artifacts", "totp-steps.json");

/**
 * A code the console has not accepted yet, as an authenticator app would show it. The console takes each time
 * step once (no replay) and one step either side of now: this uses now's step or the next, later than any
 * used before (remembered in a file across spec files), and waits for the clock when both are spent.
 */
export async function freshTotpCode(secret: string): Promise<string> {
  let used: Record<string, number> = {};
  try {
    used = JSON.parse(readFileSync(STEPS_FILE, "utf8")) as Record<string, number>;
  } catch {
    // first code of the run
  }
  const nowStep = () => Math.floor(Date.now() / 1000 / PERIOD_SECONDS);
  const step = Math.max(nowStep(), (used[secret] ?? 0) + 1);
  // Bounded: at most two periods' wait, since `step` is never more than 2 ahead of now.
  while (step > nowStep() + 1) await new Promise((resolve) => setTimeout(resolve, 1_000));
  mkdirSync(join(import.meta.dirname, "artifacts"), { recursive: true });
  writeFileSync(STEPS_FILE, JSON.stringify({ ...used, [secret]: step }));
  return generateSync({ secret, epoch: step * PERIOD_SECONDS, period: PERIOD_SECONDS });
}

export async function signIn(page: Page, operator: E2eOperator): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(operator.email);
  await page.getByLabel("Password").fill(operator.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  if (operator.totpSecret) {
    await page.getByLabel("Code").fill(await freshTotpCode(operator.totpSecret));
    await page.getByRole("button", { name: "Verify" }).click();
  }
  // Signing in hashes the password and renders the payments page: on a loaded two-core machine (load average 20)
  // it took over 10 s (the expect default then), and the spec that signed in failed for it.
  await expect(page.getByRole("heading", { name: "Payments" })).toBeVisible({ timeout: 30_000 });
}

export function artifact(name: string): string {
  return `${import.meta.dirname}/artifacts/${name}.png`;
}

/**
 * No axe violation (WCAG 2.1 A and AA) on the page as it is now; `what` names it in the failure. A frame
 * sandboxed without scripts (a caught mail's HTML on /mail/<id>: the message as sent, not the console's) is left
 * out (an excluded frame is not entered): axe cannot run inside it, and waiting for it hung the usability spec
 * until its timeout.
 */
export async function expectAxeClean(page: Page, what: string) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .exclude('iframe[sandbox=""]')
    .analyze();
  const summary = results.violations.map(
    (violation) =>
      `${violation.id} (${violation.impact}): ${violation.nodes
        .slice(0, 3)
        .map((node) => node.target.join(" "))
        .join(", ")}`,
  );
  expect(summary, `axe on ${what}`).toEqual([]);
}

/** The page needs no sideways scrolling in its window. */
export async function expectFits(page: Page, what: string) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth, `${what} is ${scrollWidth}px wide in a ${innerWidth}px window`).toBeLessThanOrEqual(
    innerWidth,
  );
}
