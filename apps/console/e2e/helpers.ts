import { expect, type Page } from "@playwright/test";
import type { E2eState } from "./state";

export async function signIn(page: Page, operator: E2eState["operators"]["ADMIN"]): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(operator.email);
  await page.getByLabel("Password").fill(operator.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Payments" })).toBeVisible();
}

export function artifact(name: string): string {
  return `${import.meta.dirname}/artifacts/${name}.png`;
}
