// Runs the sandbox PSP server as its own process for `npm start`, like a PSP's
// test mode across the network: our adapters reach it over HTTP and it signs
// webhooks to the API with the same secrets the API verifies with.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { findRepoRoot } from "@paycore/db/database-url";
import type { AppSecrets } from "./secrets";

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

export interface SandboxProcess {
  url: string;
  stop(): Promise<void>;
}

export async function startSandboxProcess(options: {
  port: number;
  host: string;
  /** Where the API serves webhooks, e.g. http://127.0.0.1:4000. */
  apiUrl: string;
  secrets: AppSecrets;
  log: (message: string) => void;
}): Promise<SandboxProcess> {
  const root = findRepoRoot();
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", join(root, "apps/psp-sandbox/src/main.ts")],
    {
      cwd: root,
      env: {
        // biome-ignore lint/style/noProcessEnv: the child inherits the parent's environment (PATH, HOME) plus its own settings.
        ...process.env,
        PSP_SANDBOX_PORT: String(options.port),
        PSP_SANDBOX_HOST: options.host,
        STRIPE_WEBHOOK_URL: `${options.apiUrl}/webhooks/stripe`,
        STRIPE_WEBHOOK_SECRET: options.secrets.stripeWebhookSecret,
        ADYEN_WEBHOOK_URL: `${options.apiUrl}/webhooks/adyen`,
        ADYEN_HMAC_KEY: options.secrets.adyenHmacKeyHex,
      },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const url = `http://${options.host}:${options.port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(
        `the sandbox PSP server exited (code ${child.exitCode}); is port ${options.port} free?`,
      );
    try {
      const response = await fetch(`${url}/__sandbox/faults`, { signal: AbortSignal.timeout(500) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the sandbox PSP server did not start on ${url}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  options.log(`sandbox PSPs (Stripe-style /v1, Adyen-style /adyen) on ${url}`);
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}
