// Goal: an operator adds a webhook endpoint for a merchant in the console (the secret shown once), an event of
// that merchant is delivered to a real receiver on loopback with a signature made with that secret, and the
// delivery shows as succeeded in the endpoint's delivery log.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";
import { E2E_PORTS, readState } from "./state";

const state = readState();

interface Received {
  signature: string;
  body: string;
}

let receiver: Server;
const received: Received[] = [];

test.beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({
        signature: String(request.headers["paycore-signature"] ?? request.headers["stripe-signature"] ?? ""),
        body: Buffer.concat(chunks).toString("utf8"),
      });
      response.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(E2E_PORTS.webhookReceiver, "127.0.0.1", resolve));
});

test.afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

/** Stripe's scheme: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">; any v1 may match (secret rolls send two). */
function signedWith(secret: string, header: string, body: string): boolean {
  const parts = header.split(",").map((part) => part.split("=") as [string, string]);
  const t = parts.find(([key]) => key === "t")?.[1];
  if (!t) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest();
  return parts
    .filter(([key]) => key === "v1")
    .some(([, value]) => {
      const given = Buffer.from(value, "hex");
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

test("an endpoint added in the console receives a signed delivery, shown in its log", async ({ page }) => {
  await signIn(page, state.operators.OPERATOR);
  await page.goto(`/merchants/${state.acmeMerchantId}/webhooks`);
  const url = `http://127.0.0.1:${E2E_PORTS.webhookReceiver}/hooks`;
  const form = page.getByRole("form", { name: "Add a webhook endpoint" });
  await form.getByLabel("URL").fill(url);
  await form.getByLabel("Description").fill("e2e receiver");
  await form.getByRole("button", { name: "Add endpoint" }).click();
  const secret = (await page.getByTestId("endpoint-secret").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^whsec_/);
  await expect(page.locator("tbody tr", { hasText: url })).toContainText("ENABLED");

  // An event of this merchant: a refund of one of its payments, from the console.
  await page.goto(`/payments/${state.otherPaymentIds[0]}`);
  await page.getByRole("textbox", { name: /^Amount to refund/ }).fill("1.00");
  await page.getByLabel("Reason").fill("webhook e2e");
  await page.getByRole("button", { name: "Review refund" }).click();
  await page.getByRole("button", { name: "Confirm refund" }).click();
  await expect(page.getByRole("status")).toContainText(/Refund re_/);

  await expect.poll(() => received.length, { timeout: 60_000 }).toBeGreaterThan(0);
  const delivery = received[0] as Received;
  expect(signedWith(secret, delivery.signature, delivery.body)).toBe(true);
  const event = JSON.parse(delivery.body) as { type: string; livemode: boolean };
  expect(event.type).toMatch(/^(refund|payment)\./);
  expect(event.livemode).toBe(false);

  await page.goto(`/merchants/${state.acmeMerchantId}/webhooks`);
  await page.locator("tbody tr", { hasText: url }).getByRole("link", { name: "Deliveries" }).click();
  await page.waitForURL(/[?&]endpoint=/);
  const log = page.getByRole("region", { name: "Delivery log" });
  // The log's newest row may be a later event still pending (the refund's "succeeded" after its "created"):
  // some delivery of the endpoint shows SUCCEEDED once the page is read again.
  await expect(async () => {
    await page.reload();
    await expect(log.locator("tbody tr", { hasText: "SUCCEEDED" }).first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
});
