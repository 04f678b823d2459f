// Goal: an operator signs in with email and password, sees who they are, and signs out; a wrong password is
// refused with a message and no session; repeated failures are slowed down with a "try again in N s" answer,
// and an admin sees on the overview which account is being throttled.
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

test("after sign-in, back to the page that was asked for, but never to another site", async ({ page }) => {
  const wanted = `/payments/${state.searchablePaymentId}`;
  await page.goto(wanted);
  await expect(page).toHaveURL(`/sign-in?next=${encodeURIComponent(wanted)}`);
  await page.getByLabel("Email").fill(state.operators.VIEWER.email);
  await page.getByLabel("Password").fill(state.operators.VIEWER.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(wanted);
  await expect(page.getByRole("heading", { name: "Amounts" })).toBeVisible();
  // The session cookie is Secure in production, even here on plain http to a loopback address.
  const session = (await page.context().cookies()).find((cookie) => cookie.name === "paycore_session");
  expect(session).toMatchObject({ secure: true, httpOnly: true });

  await page.context().clearCookies();
  await page.goto(`/sign-in?next=${encodeURIComponent("//evil.example/steal")}`);
  await page.getByLabel("Email").fill(state.operators.VIEWER.email);
  await page.getByLabel("Password").fill(state.operators.VIEWER.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL("/payments");
});

test("repeated failures are throttled, and the admin's overview names the account", async ({ page }) => {
  const target = state.throttledOperator;
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(target.email);
  await page.getByLabel("Password").fill("not the password");
  const error = page.locator("#sign-in-error");
  // Each try waits for its own answer, so a message still shown from the try before cannot pass for it.
  const attempt = async () => {
    const answered = page.waitForResponse((response) => response.url().includes("/api/trpc/auth.signIn"));
    await page.getByRole("button", { name: "Sign in" }).click();
    return (await answered).status();
  };
  for (let failure = 1; failure <= 5; failure++) {
    expect(await attempt()).toBe(401);
    await expect(error).toHaveText("Wrong email or password.");
  }
  expect(await attempt()).toBe(429);
  await expect(error).toHaveText(/^Too many failed sign-ins\. Try again in \d+ s\.$/);
  await page.screenshot({ path: artifact("sign-in-throttled") });

  await signIn(page, state.operators.ADMIN);
  await page.goto("/overview");
  const table = page.getByTestId("throttled-accounts");
  await expect(table).toContainText(target.email);
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: artifact(`overview-throttled-${width}`), fullPage: true });
  }
});
