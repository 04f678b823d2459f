// Shows that `npm run cli -- vault rotate` lets an old vault key be retired: it re-encrypts every stored card
// number under the newest key in bounded batches, can be interrupted and run again, is audited, and an API
// whose keyring no longer has the old key still pays with every card tokenized under it.
import { randomBytes } from "node:crypto";
import { generateKeyMaterial } from "@paycore/core/vault/card-vault";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runCliInProcess } from "../../src/testing/run-cli";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../../src/testing/test-app";

const K1 = generateKeyMaterial();
const K2 = generateKeyMaterial();
const FINGERPRINT = randomBytes(32).toString("base64");
const HASH_SECRET = randomBytes(32).toString("base64");
const CARDS = [
  "4242424242424242",
  "5555555555554444",
  "4000056655665556",
  "4111111111111111",
  "5105105105105100",
];

let t: TestApp;
let merchant: TestMerchant;
const paymentMethods: string[] = [];
let webhookEndpoint: { id: string; secret: string };

/** Runs an operator CLI command (its program, in this process) against this test's database and the given keyring. */
function cli(args: string[], encryptionKeys: string): Promise<CliResult> {
  return runCliInProcess(args, {
    DATABASE_URL: t.databaseUrl,
    VAULT_ENCRYPTION_KEYS: encryptionKeys,
    VAULT_FINGERPRINT_KEY: FINGERPRINT,
    IDEMPOTENCY_HASH_SECRET: HASH_SECRET,
  });
}

async function status(keys: string, store = "payment_methods.pan"): Promise<Record<string, number>> {
  const result = await cli(["vault", "status"], keys);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout).stores[store];
}

const PSP_API_KEY = `sk_live_${randomBytes(12).toString("hex")}`;
const PSP_WEBHOOK_SECRET = `whsec_${randomBytes(16).toString("hex")}`;

async function pay(app: TestApp, paymentMethodId: string) {
  const result = await app.gql<{ createPayment: { payment: { status: string } | null; errors: unknown[] } }>(
    merchant.secretKey,
    `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { status } errors { code } } }`,
    { input: { idempotencyKey: newKey("rot"), amount: "1000", currency: "USD", paymentMethodId } },
  );
  return result.data?.createPayment.payment?.status ?? result.raw;
}

beforeAll(async () => {
  t = await createTestApp({
    secrets: {
      vaultEncryptionKeys: `1:${K1}`,
      vaultFingerprintKey: FINGERPRINT,
      idempotencyHashSecret: HASH_SECRET,
    },
  });
  merchant = await t.createMerchant();
  for (const card of CARDS) paymentMethods.push(await t.tokenize(merchant.publishableKey, card));
  // A live PSP account: its API key and webhook secret are vault ciphertexts too.
  await t.app.services.pspAccounts.create(
    { operatorId: null, name: "test:vault-rotation" },
    {
      psp: "stripe",
      mode: "LIVE",
      endpoint: "http://127.0.0.1:9",
      apiKey: PSP_API_KEY,
      webhookSecret: PSP_WEBHOOK_SECRET,
    },
  );
  // A merchant's webhook endpoint: its signing secret is a vault ciphertext too.
  const created = await t.app.services.merchantWebhooks.endpoints.create(
    { merchantId: merchant.id, mode: "TEST", actor: { operatorId: null, name: "test:vault-rotation" } },
    { url: "http://127.0.0.1:9/hooks", enabledEvents: ["*"] },
  );
  webhookEndpoint = { id: created.endpoint.id, secret: created.secret };
});

afterAll(() => t.close());

describe("vault rotate", () => {
  it("starts with every card under version 1", async () => {
    expect(await status(`1:${K1},2:${K2}`)).toEqual({ v1: CARDS.length });
  });

  it("stops after its batch budget with exit code 3, and a second run finishes the rest", async () => {
    const keys = `1:${K1},2:${K2}`;
    const partial = await cli(["vault", "rotate", "--batch-size", "2", "--max-batches", "1"], keys);
    expect(partial.code, partial.stderr).toBe(3);
    expect(JSON.parse(partial.stdout).stores[0]).toMatchObject({ rotated: 2, complete: false });
    expect(await status(keys)).toEqual({ v1: CARDS.length - 2, v2: 2 });

    const rest = await cli(["vault", "rotate", "--batch-size", "2"], keys);
    expect(rest.code, rest.stderr).toBe(0);
    expect(JSON.parse(rest.stdout).stores[0]).toMatchObject({ rotated: CARDS.length - 2, complete: true });
    expect(await status(keys)).toEqual({ v2: CARDS.length });
    expect(await status(keys, "psp_account_secrets")).toEqual({ v2: 2 });
    expect(await status(keys, "webhook_endpoint_secrets")).toEqual({ v2: 1 });
  });

  it("writes an audit row per run naming the CLI user", async () => {
    const rows = await t.app.db.$queryRawUnsafe<Array<{ after: { actor: string } }>>(
      `SELECT after FROM operator_audit_log WHERE action = 'vault.rotate' ORDER BY id`,
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.after.actor).toMatch(/^cli:/);
  });

  it("leaves an API without the retired key able to pay with every card tokenized under it", async () => {
    const retired = await createTestApp({
      databaseUrl: t.databaseUrl,
      secrets: {
        vaultEncryptionKeys: `2:${K2}`,
        vaultFingerprintKey: FINGERPRINT,
        idempotencyHashSecret: HASH_SECRET,
      },
    });
    try {
      for (const paymentMethodId of paymentMethods)
        expect(await pay(retired, paymentMethodId)).toBe("CAPTURED");
      // The PSP account's secrets decrypt under the new key alone.
      expect(await retired.app.services.livePsps.webhookSecrets("stripe")).toEqual([PSP_WEBHOOK_SECRET]);
      // So does the merchant's webhook signing secret.
      expect(
        await retired.app.services.merchantWebhooks.endpoints.signingSecrets(webhookEndpoint.id),
      ).toEqual([webhookEndpoint.secret]);
    } finally {
      await retired.close();
    }
    await t.expectLedgerBalanced();
  });

  it("refuses, naming the row, when a card is under a key the keyring no longer has", async () => {
    // A card tokenized by an API still on version 1 (say, one not yet redeployed).
    const stale = await t.tokenize(merchant.publishableKey, "4000000000000077");
    const result = await cli(["vault", "rotate"], `2:${K2}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`row ${stale} is under key version 1`);
    expect(await status(`1:${K1},2:${K2}`)).toEqual({ v1: 1, v2: CARDS.length });
  });
});
