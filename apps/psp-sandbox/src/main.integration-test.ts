// Goal: the sandbox starts as its own process (`node --import tsx apps/psp-sandbox/src/main.ts`) from environment variables, serves both PSPs and stops cleanly on SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { adyenCardPayment, sandboxAdyenCheckout } from "./testing/adyen-client";
import { cardPaymentParams, sandboxStripe } from "./testing/stripe-client";
import { startWebhookReceiver, type WebhookReceiver } from "./testing/webhook-receiver";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const STARTUP_TIMEOUT_MS = 20_000;

let child: ChildProcess | undefined;
let receiver: WebhookReceiver | undefined;

afterAll(async () => {
  if (child !== undefined && child.exitCode === null) child.kill("SIGKILL");
  await receiver?.close();
});

/** Starts main.ts and resolves with the URL it prints once listening. */
async function startChild(env: Record<string, string>): Promise<{ process: ChildProcess; url: string }> {
  const started = spawn(process.execPath, ["--import", "tsx", "apps/psp-sandbox/src/main.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  started.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(
      () => reject(new Error(`no listening line; stderr: ${stderr}`)),
      STARTUP_TIMEOUT_MS,
    );
    started.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      const match = /psp-sandbox listening on (http:\/\/\S+)/.exec(stdout);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    started.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}; stderr: ${stderr}`));
    });
  });
  return { process: started, url };
}

describe("main.ts as a child process", () => {
  it("serves Stripe and Adyen, sends webhooks configured by env, and exits 0 on SIGTERM", async () => {
    receiver = await startWebhookReceiver();
    const started = await startChild({
      PSP_SANDBOX_PORT: "0",
      STRIPE_WEBHOOK_URL: `${receiver.url}/stripe`,
      STRIPE_WEBHOOK_SECRET: "whsec_child",
      ADYEN_WEBHOOK_URL: `${receiver.url}/adyen`,
      ADYEN_HMAC_KEY: "0123456789ABCDEF0123456789ABCDEF",
    });
    child = started.process;
    const port = Number(new URL(started.url).port);

    const intent = await sandboxStripe(port).paymentIntents.create(
      cardPaymentParams({
        amountMinor: 100,
        currency: "usd",
        number: "4242424242424242",
        reference: "pay_child",
      }),
    );
    expect(intent.status).toBe("succeeded");
    const payment = await sandboxAdyenCheckout(started.url).PaymentsApi.payments(
      adyenCardPayment({
        amountMinor: 100,
        currency: "EUR",
        number: "4242424242424242",
        reference: "pay_child",
      }),
    );
    expect(payment.resultCode).toBe("Authorised");
    await receiver.waitFor(
      (received) =>
        received.some((webhook) => webhook.path === "/stripe") &&
        received.some((webhook) => webhook.path === "/adyen"),
    );

    const charges = (await (await fetch(`${started.url}/__sandbox/charges`)).json()) as { psp: string }[];
    expect(charges.map((charge) => charge.psp).sort()).toEqual(["adyen", "stripe"]);

    child.kill("SIGTERM");
    const [exitCode] = await once(child, "exit");
    expect(exitCode).toBe(0);
  });
});
