// Runs the sandbox PSP server as its own process for `npm start`, like a PSP's
// test mode across the network: our adapters reach it over HTTP and it signs
// webhooks to the API with the same secrets the API verifies with. It reports
// readiness over IPC and exits with this process (see child-process.ts).
import { join } from "node:path";
import { findRepoRoot } from "@paycore/db/database-url";
import type { AppSecrets } from "@paycore/platform/secrets";
import { startChildProcess } from "./child-process";

/**
 * tsx transpiles the sandbox at start: about 2 s on a quiet machine, 20 s on a loaded two-core one, and past 60 s
 * on a first run (cold transpile cache) of a clean clone at `nice -n 19` under a load of 12 on two cores, where a
 * 60 s bound stopped `npm start`. The child reports readiness itself, so the bound only catches one that hangs.
 */
const READY_TIMEOUT_MS = 180_000;

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
  /** The sandbox bank signs its notifications to `${apiUrl}/webhooks/bank` with this (bank transfers). */
  bankWebhookSecret?: string;
  log: (message: string) => void;
}): Promise<SandboxProcess> {
  const root = findRepoRoot();
  const url = `http://${options.host}:${options.port}`;
  const running = await startChildProcess({
    name: `the sandbox PSP server (port ${options.port})`,
    args: ["--import", "tsx", join(root, "apps/psp-sandbox/src/main.ts")],
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
      ...(options.bankWebhookSecret
        ? {
            BANK_WEBHOOK_URL: `${options.apiUrl}/webhooks/bank`,
            BANK_WEBHOOK_SECRET: options.bankWebhookSecret,
          }
        : {}),
    },
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
  options.log(`sandbox PSPs (Stripe-style /v1, Adyen-style /adyen) on ${url}`);
  return { url, stop: running.stop };
}
