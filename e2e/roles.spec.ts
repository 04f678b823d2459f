// Goal: a viewer can read payments but gets no refund form, and a refund sent directly to the API with the
// viewer's own session and CSRF token is refused on the server.
import { expect, test } from "@playwright/test";
import { artifact, signIn } from "./helpers";
import { readState } from "./state";

const state = readState();

test("a viewer has no refund button and a direct refund call is FORBIDDEN", async ({ page }) => {
  await signIn(page, state.operators.VIEWER);
  await page.goto(`/payments/${state.otherPaymentIds[0]}`);
  await expect(page.getByRole("heading", { name: "Amounts" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Refund" })).toHaveCount(0);
  await page.screenshot({ path: artifact("viewer-payment"), fullPage: true });

  const csrf = (await page.context().cookies()).find((cookie) => cookie.name === "paycore_csrf")?.value ?? "";
  const response = await page.request.post("/api/trpc/payments.refund", {
    headers: { "x-csrf-token": csrf, "content-type": "application/json" },
    data: {
      paymentId: state.otherPaymentIds[0],
      amount: "1.00",
      reason: "viewer tries",
      idempotencyKey: "viewer-direct-call",
    },
  });
  expect(response.status()).toBe(403);
  expect((await response.json()).error.data.code).toBe("FORBIDDEN");
});

test("a mutation without the CSRF header is refused", async ({ page }) => {
  await signIn(page, state.operators.OPERATOR);
  const response = await page.request.post("/api/trpc/auth.signOut", {
    headers: { "content-type": "application/json" },
    data: {},
  });
  expect(response.status()).toBe(403);
  await page.reload();
  await expect(page.getByTestId("signed-in-as")).toBeVisible();
});
