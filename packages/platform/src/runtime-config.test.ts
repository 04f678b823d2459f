// Goal: settings that only make sense on a developer's machine are off in production. Test-mode merchant
// webhooks may go to loopback under `npm start` (the merchant's receiver runs beside the platform); on a
// production instance loopback is the platform's own host (its console, metrics and sandbox answered a test
// key's endpoint, and the answer came back as the attempt's excerpt: campaign 2026-12-07).
import pino from "pino";
import { describe, expect, it } from "vitest";
import { readEnv } from "./env";
import { runtimeConfigFromEnv } from "./runtime";

const SECRETS = {
  VAULT_ENCRYPTION_KEYS: "1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  VAULT_FINGERPRINT_KEY: "fingerprint-key-from-env",
  IDEMPOTENCY_HASH_SECRET: "idempotency-secret-from-env",
  STRIPE_WEBHOOK_SECRET: "whsec_from_env",
  ADYEN_HMAC_KEY: "ab".repeat(32),
};

describe("runtimeConfigFromEnv", () => {
  it.each([
    ["production", false],
    ["development", true],
    ["test", true],
  ] as const)("NODE_ENV=%s: test-mode webhooks to loopback allowed: %s", (nodeEnv, allowed) => {
    const env = readEnv({ ...SECRETS, NODE_ENV: nodeEnv });
    const config = runtimeConfigFromEnv(env, "postgres://unused", pino({ enabled: false }));
    expect(config.webhookTestModeLoopback).toBe(allowed);
  });

  it.each([
    ["production", "true", true],
    ["development", "false", false],
  ] as const)("NODE_ENV=%s, WEBHOOK_TEST_MODE_LOOPBACK=%s: allowed: %s", (nodeEnv, setting, allowed) => {
    const env = readEnv({ ...SECRETS, NODE_ENV: nodeEnv, WEBHOOK_TEST_MODE_LOOPBACK: setting });
    const config = runtimeConfigFromEnv(env, "postgres://unused", pino({ enabled: false }));
    expect(config.webhookTestModeLoopback).toBe(allowed);
  });

  it("refuses a setting that is not true or false", () => {
    expect(() => readEnv({ ...SECRETS, WEBHOOK_TEST_MODE_LOOPBACK: "yes" })).toThrow(
      /WEBHOOK_TEST_MODE_LOOPBACK/,
    );
  });
});
