// Goal: an operator signs in with email and password, sees who they are, and signs out; a wrong password is
// refused with a message and no session.
import { expect, test } from "@playwright/test";
import { artifact, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();

test("a wrong password is refused, the right one signs in, sign-out ends the session", async ({ page }) => {
  await page.goto("/payments");
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.getByLabel("Email").fill(state.operators.ADMIN.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("#sign-in-error")).toHaveText("Wrong email or password.");
  await page.screenshot({ path: artifact("sign-in-refused") });

  await signIn(page, state.operators.ADMIN);
  await expect(page.getByTestId("signed-in-as")).toHaveText(`${state.operators.ADMIN.email} (admin)`);
  const cookies = await page.context().cookies();
  expect(cookies.find((cookie) => cookie.name === "paycore_session")).toMatchObject({
    httpOnly: true,
    sameSite: "Strict",
  });

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.goto("/payments");
  await expect(page).toHaveURL(/\/sign-in$/);
});
