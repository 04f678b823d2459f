// Shows that `npm run cli -- vault rotate` re-seals the bank rails' secrets under the newest key (issue 18): payout
// destinations' account numbers, micro-deposit amounts and the payer's account of a bank-transfer refund, each
// under its own associated data. The run is resumable (a batch budget stops it, a second run finishes), changes
// no version or status of the guarded rows, is audited, and every value reads back under a keyring without the
// retired key (the micro-deposits through verifyBankAccount of an API that has only the new key). The guard
// triggers still refuse every other update, in maintenance or not.
import { randomBytes } from "node:crypto";
import {
  bankAccountNumberAssociatedData,
  bankRefundAccountAssociatedData,
  microDepositsAssociatedData,
} from "@paycore/core/vault/associated-data";
import {
  decryptSecret,
  type EncryptedPan,
  generateKeyMaterial,
  parseKeyring,
} from "@paycore/core/vault/card-vault";
import { startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runCliInProcess } from "../../src/testing/run-cli";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../../src/testing/test-app";

const K1 = generateKeyMaterial();
const K2 = generateKeyMaterial();
const FINGERPRINT = randomBytes(32).toString("base64");
const HASH_SECRET = randomBytes(32).toString("base64");
const BANK_SECRET = "bank_whsec_rotation_0123456789abcdef";
/** The bank rails sandbox's test IBAN that verifies and pays (electronic form: how the number is sealed). */
const IBAN_PAID = "DE89370400440532013000";
const BOTH_KEYS = `1:${K1},2:${K2}`;

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let t: TestApp;
let merchant: TestMerchant;
const accounts = { instant: "", microDeposits: "" };
let refundId = "";

function bankRails() {
  return {
    baseUrl: `${sandbox.url}/bank/v1`,
    apiKey: "bank_test_sandbox",
    webhookSecret: BANK_SECRET,
    timeoutMs: 2_000,
    retryFirstMs: 0,
  };
}

function cli(args: string[], encryptionKeys: string): Promise<CliResult> {
  return runCliInProcess(args, {
    DATABASE_URL: t.databaseUrl,
    VAULT_ENCRYPTION_KEYS: encryptionKeys,
    VAULT_FINGERPRINT_KEY: FINGERPRINT,
    IDEMPOTENCY_HASH_SECRET: HASH_SECRET,
  });
}

const BANK_STORES = ["bank_accounts.number", "bank_accounts.micro_deposits", "bank_transfer_refunds.account"];

/** Rows per key version of each bank store, as `vault status` reports them (`viaCli`) or read directly (quicker). */
async function bankStatus(viaCli = false): Promise<Record<string, Record<string, number>>> {
  if (viaCli) {
    const result = await cli(["vault", "status"], BOTH_KEYS);
    expect(result.code, result.stderr).toBe(0);
    const stores = JSON.parse(result.stdout).stores as Record<string, Record<string, number>>;
    return Object.fromEntries(BANK_STORES.map((name) => [name, stores[name] ?? {}]));
  }
  const counts = async (table: string, column: string) => {
    const rows = await t.app.sql.query<{ v: number; n: number }>(
      `SELECT ${column} AS v, count(*)::int AS n FROM ${table} WHERE ${column} IS NOT NULL GROUP BY 1 ORDER BY 1`,
    );
    return Object.fromEntries(rows.map((row) => [`v${row.v}`, row.n]));
  };
  return {
    "bank_accounts.number": await counts("bank_accounts", "number_key_version"),
    "bank_accounts.micro_deposits": await counts("bank_accounts", "micro_deposits_key_version"),
    "bank_transfer_refunds.account": await counts("bank_transfer_refunds", "account_key_version"),
  };
}

async function addAccount(method: "INSTANT" | "MICRO_DEPOSITS"): Promise<string> {
  const result = await t.gql<{
    addBankAccount: { bankAccount: { id: string; status: string } | null; errors: unknown[] };
  }>(
    merchant.secretKey,
    `mutation($input: AddBankAccountInput!) { addBankAccount(input: $input) {
       bankAccount { id status } errors { code } } }`,
    {
      input: {
        idempotencyKey: newKey(),
        holderName: "Acme GmbH",
        currency: "EUR",
        iban: IBAN_PAID,
        verificationMethod: method,
      },
    },
  );
  expect(result.data?.addBankAccount.errors, result.raw).toEqual([]);
  return result.data?.addBankAccount.bankAccount?.id as string;
}

async function control(path: string, body: unknown) {
  const response = await fetch(`${sandbox.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

/** A bank-transfer payment paid by two credit transfers (so its refund must name an account), refunded to one. */
async function refundToAccount(): Promise<string> {
  const created = await t.gql<{
    createPayment: { payment: { id: string; bankTransferInstructions: { reference: string } } };
  }>(
    merchant.secretKey,
    `mutation($input: CreatePaymentInput!) { createPayment(input: $input) {
       payment { id bankTransferInstructions { reference } } errors { code } } }`,
    {
      input: {
        idempotencyKey: newKey(),
        amount: "3000",
        currency: "EUR",
        paymentMethodType: "BANK_TRANSFER",
      },
    },
  );
  const payment = created.data?.createPayment.payment;
  if (!payment) throw new Error(created.raw);
  for (const amount of ["1000", "2000"])
    await control("/__sandbox/bank/incoming", {
      reference: payment.bankTransferInstructions.reference,
      amount,
      currency: "EUR",
    });
  const refunded = await t.gql<{ refundPayment: { refund: { id: string } | null; errors: unknown[] } }>(
    merchant.secretKey,
    `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { id } errors { code } } }`,
    {
      input: {
        idempotencyKey: newKey(),
        paymentId: payment.id,
        amount: "500",
        bankAccount: { iban: IBAN_PAID, holderName: "Ada Payer" },
      },
    },
  );
  expect(refunded.data?.refundPayment.errors, refunded.raw).toEqual([]);
  return refunded.data?.refundPayment.refund?.id as string;
}

interface Sealed {
  ciphertext: Buffer;
  nonce: Buffer;
  authTag: Buffer;
  keyVersion: number;
}
const sealed = (row: Sealed | undefined): EncryptedPan => row as EncryptedPan;

/** What the guards protect on each row: versions, statuses and update times must not move in a rotation. */
async function guardedState() {
  return {
    accounts: await t.app.sql.query(
      "SELECT id, status, version, updated_at, last4 FROM bank_accounts WHERE merchant_id = $1 ORDER BY id",
      [merchant.id],
    ),
    refunds: await t.app.sql.query(
      "SELECT refund_id, status, version, updated_at FROM bank_transfer_refunds WHERE merchant_id = $1",
      [merchant.id],
    ),
  };
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 43, hangMs: 3_000, bankRails: { autoDeliverMs: 0 } });
  t = await createTestApp({
    listen: true,
    pspSandboxUrl: sandbox.url,
    bankWebhookSecret: BANK_SECRET,
    bankRails: bankRails(),
    secrets: {
      vaultEncryptionKeys: `1:${K1}`,
      vaultFingerprintKey: FINGERPRINT,
      idempotencyHashSecret: HASH_SECRET,
    },
  });
  sandbox.bank.configure({ url: `${t.url}/webhooks/bank`, secret: BANK_SECRET });
  await control("/__sandbox/bank/webhook", { url: `${t.url}/webhooks/bank`, secret: BANK_SECRET });
  merchant = await t.createMerchant();
  accounts.instant = await addAccount("INSTANT");
  accounts.microDeposits = await addAccount("MICRO_DEPOSITS");
  refundId = await refundToAccount();
  await sandbox.bank.deliverNotifications();
}, 120_000);

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

// Each CLI run starts tsx (seconds alone, much longer on a loaded machine).
describe("vault rotate: the bank rails' secrets", { timeout: 240_000 }, () => {
  it("starts with every bank secret under version 1", async () => {
    expect(await bankStatus(true)).toEqual({
      "bank_accounts.number": { v1: 2 },
      "bank_accounts.micro_deposits": { v1: 1 },
      "bank_transfer_refunds.account": { v1: 1 },
    });
  });

  it("re-seals them in a resumable run that moves no version, status or update time, audited", async () => {
    const before = await guardedState();
    const partial = await cli(["vault", "rotate", "--batch-size", "1", "--max-batches", "1"], BOTH_KEYS);
    expect(partial.code, partial.stderr).toBe(3);
    const partialStores = JSON.parse(partial.stdout).stores as Array<{
      store: string;
      rotated: number;
      complete: boolean;
    }>;
    expect(partialStores.find((s) => s.store === "bank_accounts.number")).toMatchObject({
      rotated: 1,
      complete: false,
    });
    expect((await bankStatus())["bank_accounts.number"]).toEqual({ v1: 1, v2: 1 });

    const rest = await cli(["vault", "rotate"], BOTH_KEYS);
    expect(rest.code, rest.stderr).toBe(0);
    expect(await bankStatus()).toEqual({
      "bank_accounts.number": { v2: 2 },
      "bank_accounts.micro_deposits": { v2: 1 },
      "bank_transfer_refunds.account": { v2: 1 },
    });
    // Run again: nothing left to do (idempotent).
    const again = await cli(["vault", "rotate"], BOTH_KEYS);
    expect(again.code, again.stderr).toBe(0);
    const againStores = JSON.parse(again.stdout).stores as Array<{ store: string; rotated: number }>;
    expect(againStores.filter((s) => BANK_STORES.includes(s.store)).map((s) => s.rotated)).toEqual([0, 0, 0]);

    expect(await guardedState()).toEqual(before);
    const audits = await t.app.sql.query<{ after: Record<string, string> }>(
      "SELECT after FROM operator_audit_log WHERE action = 'vault.rotate' ORDER BY id",
    );
    expect(audits.map((row) => row.after["bank_transfer_refunds.account"])).toEqual([
      "1 rotated, 0 skipped",
      "0 rotated, 0 skipped",
      "0 rotated, 0 skipped",
    ]);
    expect(audits[1]?.after["bank_accounts.number"]).toBe("1 rotated, 0 skipped");
    expect(audits[1]?.after["bank_accounts.micro_deposits"]).toBe("0 rotated, 0 skipped");
    expect(audits[0]?.after["bank_accounts.micro_deposits"]).toBe("1 rotated, 0 skipped");
  });

  it("reads every value back under a keyring without the retired key", async () => {
    const retiredKeyring = parseKeyring({ encryptionKeys: `2:${K2}`, fingerprintKey: FINGERPRINT });
    const numbers = await t.app.sql.query<Sealed & { id: string }>(
      `SELECT id, number_ciphertext AS ciphertext, number_nonce AS nonce, number_auth_tag AS "authTag",
              number_key_version AS "keyVersion" FROM bank_accounts WHERE merchant_id = $1`,
      [merchant.id],
    );
    expect(numbers).toHaveLength(2);
    for (const row of numbers)
      expect(decryptSecret(retiredKeyring, sealed(row), bankAccountNumberAssociatedData(row.id))).toBe(
        IBAN_PAID,
      );
    const [refundAccount] = await t.app.sql.query<Sealed>(
      `SELECT account_ciphertext AS ciphertext, account_nonce AS nonce, account_auth_tag AS "authTag",
              account_key_version AS "keyVersion" FROM bank_transfer_refunds WHERE refund_id = $1`,
      [refundId],
    );
    expect(
      decryptSecret(retiredKeyring, sealed(refundAccount), bankRefundAccountAssociatedData(refundId)),
    ).toBe(IBAN_PAID);
    const sent = sandbox.bank.microDeposits().find((m) => m.reference === accounts.microDeposits);
    expect(sent).toBeDefined();
    const [deposits] = await t.app.sql.query<Sealed>(
      `SELECT micro_deposits_ciphertext AS ciphertext, micro_deposits_nonce AS nonce,
              micro_deposits_auth_tag AS "authTag", micro_deposits_key_version AS "keyVersion"
         FROM bank_accounts WHERE id = $1`,
      [accounts.microDeposits],
    );
    expect(
      decryptSecret(retiredKeyring, sealed(deposits), microDepositsAssociatedData(accounts.microDeposits)),
    ).toBe(sent?.amountsMinor.join(","));

    // Through the product: an API that has only the new key confirms the micro-deposits.
    const retired = await createTestApp({
      databaseUrl: t.databaseUrl,
      bankRails: bankRails(),
      secrets: {
        vaultEncryptionKeys: `2:${K2}`,
        vaultFingerprintKey: FINGERPRINT,
        idempotencyHashSecret: HASH_SECRET,
      },
    });
    try {
      const verified = await retired.gql<{
        verifyBankAccount: { bankAccount: { status: string } | null; errors: unknown[] };
      }>(
        merchant.secretKey,
        `mutation($input: VerifyBankAccountInput!) { verifyBankAccount(input: $input) {
           bankAccount { status } errors { code } } }`,
        {
          input: {
            idempotencyKey: newKey(),
            bankAccountId: accounts.microDeposits,
            amounts: sent?.amountsMinor,
          },
        },
      );
      expect(verified.data?.verifyBankAccount, verified.raw).toEqual({
        bankAccount: { status: "VERIFIED" },
        errors: [],
      });
    } finally {
      await retired.close();
    }
    await t.expectLedgerBalanced();
  });

  it("leaves the guards refusing every other update, in maintenance or not", async () => {
    /** Runs one update in a transaction, optionally under the rotation's maintenance setting. */
    const update = (text: string, parameters: unknown[], maintenance: boolean) =>
      t.app.sql.transaction(async (tx) => {
        if (maintenance) await tx.execute("SET LOCAL paycore.vault_maintenance = 'on'");
        return tx.execute(text, parameters);
      });
    const id = accounts.instant;
    const reseal = `number_ciphertext = number_ciphertext || '\\x00'::bytea, number_key_version = number_key_version + 1`;
    // Re-sealed with a status change, a new last4, or a version step: not a rotation.
    await expect(
      update(`UPDATE bank_accounts SET ${reseal}, status = 'VERIFICATION_FAILED' WHERE id = $1`, [id], true),
    ).rejects.toThrow(/immutable|illegal|version/);
    await expect(
      update(`UPDATE bank_accounts SET ${reseal}, last4 = '0000' WHERE id = $1`, [id], true),
    ).rejects.toThrow(/immutable|version/);
    await expect(
      update(`UPDATE bank_accounts SET ${reseal}, version = version + 1 WHERE id = $1`, [id], true),
    ).rejects.toThrow(/immutable/);
    // A new ciphertext under the same key version, or both sets at once: not a rotation either.
    await expect(
      update(
        "UPDATE bank_accounts SET number_ciphertext = number_ciphertext || '\\x00'::bytea WHERE id = $1",
        [id],
        true,
      ),
    ).rejects.toThrow(/version|immutable/);
    await expect(
      update(
        `UPDATE bank_accounts SET ${reseal}, micro_deposits_key_version = micro_deposits_key_version + 1 WHERE id = $1`,
        [accounts.microDeposits],
        true,
      ),
    ).rejects.toThrow(/immutable|version/);
    // Micro-deposits dropped (a sealed set cannot become NULL).
    await expect(
      update(
        `UPDATE bank_accounts SET micro_deposits_ciphertext = NULL, micro_deposits_nonce = NULL,
                micro_deposits_auth_tag = NULL, micro_deposits_key_version = NULL WHERE id = $1`,
        [accounts.microDeposits],
        true,
      ),
    ).rejects.toThrow(/immutable|version|violates/);
    // Outside maintenance a re-seal is refused, even with a version step.
    await expect(
      update(`UPDATE bank_accounts SET ${reseal}, version = version + 1 WHERE id = $1`, [id], false),
    ).rejects.toThrow(/immutable/);
    // The refund's account: no state change in maintenance, no re-seal outside it.
    const account =
      "account_ciphertext = account_ciphertext || '\\x00'::bytea, account_key_version = account_key_version + 1";
    await expect(
      update(
        `UPDATE bank_transfer_refunds SET ${account}, status = 'RETURNED' WHERE refund_id = $1`,
        [refundId],
        true,
      ),
    ).rejects.toThrow(/version|transition/);
    await expect(
      update(
        `UPDATE bank_transfer_refunds SET ${account}, version = version + 1 WHERE refund_id = $1`,
        [refundId],
        false,
      ),
    ).rejects.toThrow(/immutable/);
    // Nothing changed.
    expect((await bankStatus())["bank_accounts.number"]).toEqual({ v2: 2 });
  });
});
