/** The sandbox's environment, read once. Every variable is optional. */
export interface SandboxEnv {
  port: number;
  host: string;
  seed: number | undefined;
  hangMs: number | undefined;
  settlementDir: string | undefined;
  /** Announce yesterday's settlement reports this often (REPORT_AVAILABLE, report runs); undefined: only when asked. */
  reportScheduleMs: number | undefined;
  stripeWebhook: { url: string; secret: string } | undefined;
  adyenWebhook: { url: string; hmacKeyHex: string } | undefined;
  /** Where the sandbox bank posts its signed notifications: payouts and incoming credit transfers (issue 18). */
  bankWebhook: { url: string; secret: string } | undefined;
  /** The bearer token GET /metrics asks for (issue 22); unset: loopback clients only. */
  metricsToken: string | undefined;
}

function integer(name: string, fallback: number | undefined): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw))
    throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function pair(urlName: string, secretName: string): { url: string; secret: string } | undefined {
  const url = process.env[urlName];
  const secret = process.env[secretName];
  if (!url && !secret) return undefined;
  if (!url || !secret) throw new Error(`set both ${urlName} and ${secretName}, or neither`);
  return { url, secret };
}

export function readSandboxEnv(): SandboxEnv {
  const stripe = pair("STRIPE_WEBHOOK_URL", "STRIPE_WEBHOOK_SECRET");
  const adyen = pair("ADYEN_WEBHOOK_URL", "ADYEN_HMAC_KEY");
  return {
    port: integer("PSP_SANDBOX_PORT", 4010) ?? 4010,
    host: process.env.PSP_SANDBOX_HOST || "127.0.0.1",
    seed: integer("PSP_SANDBOX_SEED", undefined),
    hangMs: integer("PSP_SANDBOX_HANG_MS", undefined),
    settlementDir: process.env.PSP_SANDBOX_SETTLEMENT_DIR || undefined,
    reportScheduleMs: integer("PSP_SANDBOX_REPORT_SCHEDULE_MS", undefined),
    stripeWebhook: stripe,
    adyenWebhook: adyen === undefined ? undefined : { url: adyen.url, hmacKeyHex: adyen.secret },
    bankWebhook: pair("BANK_WEBHOOK_URL", "BANK_WEBHOOK_SECRET"),
    metricsToken: process.env.METRICS_TOKEN || undefined,
  };
}
