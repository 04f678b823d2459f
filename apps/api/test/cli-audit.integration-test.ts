// Goal: the operator CLI changes merchants, API keys' owners, risk lists, routing rules, operator keys and
// console operator accounts only
// through the core's commands, so every change it makes is in the operator audit log under `cli:<OS user>`, and
// input the core refuses exits non-zero with the core's message and writes nothing. Two commands run the CLI as a
// child process (`npm run cli`), to show the binary prints, exits and audits the same; the rest run its program
// in this process.
import { randomBytes } from "node:crypto";
import { userInfo } from "node:os";
import { generateKeyMaterial } from "@paycore/core/vault/card-vault";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runCli, runCliInProcess } from "../src/testing/run-cli";
import { createTestApp, type TestApp } from "../src/testing/test-app";

const ENCRYPTION_KEYS = `1:${generateKeyMaterial()}`;
const FINGERPRINT = randomBytes(32).toString("base64");
const HASH_SECRET = randomBytes(32).toString("base64");
const ACTOR = `cli:${userInfo().username}`;

let t: TestApp;

const cliEnv = () => ({
  DATABASE_URL: t.databaseUrl,
  VAULT_ENCRYPTION_KEYS: ENCRYPTION_KEYS,
  VAULT_FINGERPRINT_KEY: FINGERPRINT,
  IDEMPOTENCY_HASH_SECRET: HASH_SECRET,
});

/** Runs an operator CLI command (its program, in this process) against this test's database. */
function cli(args: string[]): Promise<CliResult> {
  return runCliInProcess(args, cliEnv());
}

/** Runs the operator CLI as a person would: `tsx src/cli.ts` as a child process (it compiles on start: seconds). */
function cliProcess(args: string[]): Promise<CliResult> {
  return runCli(args, cliEnv());
}

async function ok(
  args: string[],
  run: (args: string[]) => Promise<CliResult> = cli,
): Promise<Record<string, unknown>> {
  const result = await run(args);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

async function auditOf(targetId: string) {
  return t.app.db.operatorAuditLog.findMany({
    where: { targetId },
    orderBy: { id: "asc" },
    select: { action: true, operatorId: true, after: true },
  });
}

beforeAll(async () => {
  t = await createTestApp({
    secrets: {
      vaultEncryptionKeys: ENCRYPTION_KEYS,
      vaultFingerprintKey: FINGERPRINT,
      idempotencyHashSecret: HASH_SECRET,
    },
  });
}, 120_000);
afterAll(() => t.close());

// The two child processes start tsx (it compiles the CLI on start): seconds alone, longer on a loaded machine.
describe("the CLI's changes are audited as its user", { timeout: 240_000 }, () => {
  it("merchant create and update, routing prefer and a rule added then removed", async () => {
    // The binary: prints the JSON, exits 0, and its change is audited as the OS user like the in-process runs.
    const created = await ok(
      ["merchant", "create", "--name", "CLI Co", "--allowed-origins", "https://Shop.example"],
      cliProcess,
    );
    const merchantId = created.merchantId as string;
    expect(created.testSecretKey).toMatch(/^sk_test_/);
    const updated = await ok(["merchant", "update", "--merchant", merchantId, "--fee-rate-bps", "100"]);
    expect(updated).toMatchObject({ feeRateBps: 100, allowedOrigins: ["https://shop.example"] });
    await ok(["routing", "prefer", "--merchant", merchantId, "--authorization-rate", "on"]);
    const rule = await ok([
      "routing",
      "add",
      "--psp",
      "stripe,adyen",
      "--merchant",
      merchantId,
      "--currency",
      "usd",
    ]);
    expect(rule).toMatchObject({ pspNames: ["stripe", "adyen"], match: { currencies: ["USD"] } });
    await ok(["routing", "remove", rule.id as string]);

    expect(
      (await auditOf(merchantId)).map((row) => [
        row.action,
        row.operatorId,
        (row.after as { actor: string }).actor,
      ]),
    ).toEqual([
      ["merchant.create", null, ACTOR],
      ["merchant.update_settings", null, ACTOR],
      ["routing.set_preference", null, ACTOR],
    ]);
    expect((await auditOf(rule.id as string)).map((row) => row.action)).toEqual([
      "routing_rule.add",
      "routing_rule.remove",
    ]);
  });

  it("risk-list add and remove, operator key create and revoke", async () => {
    const entry = await ok([
      "risk-list",
      "add",
      "--list",
      "deny",
      "--kind",
      "email",
      "--value",
      "X@Example.com",
    ]);
    expect(entry).toMatchObject({ value: "x@example.com", createdBy: ACTOR });
    await ok(["risk-list", "remove", entry.id as string]);
    const key = await ok(["operator", "create-key", "--name", "alice"]);
    await ok(["operator", "revoke-key", key.operatorKeyId as string]);

    for (const [id, actions] of [
      [entry.id, ["risk_list.add", "risk_list.remove"]],
      [key.operatorKeyId, ["operator_key.create", "operator_key.revoke"]],
    ] as const) {
      const rows = await auditOf(id as string);
      expect(rows.map((row) => row.action)).toEqual(actions);
      expect(rows.every((row) => (row.after as { actor: string }).actor === ACTOR)).toBe(true);
    }
    expect(JSON.stringify(await auditOf(key.operatorKeyId as string))).not.toContain(key.key as string);
  });

  it("operator accounts: create, set-role, disable, enable, reset-password, unlock, list, all audited", async () => {
    const created = await ok(["operator", "create", "--email", "CLI.Op@Example.com", "--role", "viewer"]);
    const id = created.operatorId as string;
    expect(created).toMatchObject({ email: "cli.op@example.com", role: "VIEWER" });
    expect(created.password).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(await ok(["operator", "set-role", id, "--role", "OPERATOR"])).toMatchObject({ role: "OPERATOR" });
    expect((await ok(["operator", "disable", id])).disabledAt).not.toBeNull();
    expect(await ok(["operator", "enable", id])).toMatchObject({ disabledAt: null });
    const reset = await ok(["operator", "reset-password", id]);
    expect(reset.password).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(await ok(["operator", "unlock", id])).toEqual({ operatorId: id, cleared: 0 });
    const listed = (await cli(["operator", "list"])).stdout;
    expect(JSON.parse(listed)).toEqual(
      expect.arrayContaining([expect.objectContaining({ id, role: "OPERATOR", disabledAt: null })]),
    );
    const rows = await auditOf(id);
    expect(rows.map((row) => row.action)).toEqual([
      "operator.create",
      "operator.change_role",
      "operator.disable",
      "operator.enable",
      "operator.reset_password",
      "operator.unlock",
    ]);
    expect(rows.every((row) => (row.after as { actor: string }).actor === ACTOR)).toBe(true);
    for (const password of [created.password, reset.password] as string[])
      expect(JSON.stringify(rows)).not.toContain(password);

    const bad = await cli(["operator", "create", "--email", "x@example.com", "--password", "short"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("passwords are 12 to 256 characters");
    const lastAdmin = await ok([
      "operator",
      "create",
      "--email",
      "only.admin@example.com",
      "--role",
      "ADMIN",
    ]);
    const demote = await cli(["operator", "set-role", lastAdmin.operatorId as string, "--role", "VIEWER"]);
    expect(demote.code).toBe(1);
    expect(demote.stderr).toContain("last enabled admin");
  });

  it("refuses what the core refuses, with its message, and writes nothing", async () => {
    const audit = await t.countRows("operator_audit_log");
    const merchants = await t.countRows("merchants");
    // The binary again: a refused command exits 1 with the core's message on standard error.
    const backwards = await cliProcess([
      "merchant",
      "create",
      "--name",
      "Backwards",
      "--risk-review-threshold",
      "80",
      "--risk-decline-threshold",
      "70",
    ]);
    expect(backwards.code).toBe(1);
    expect(backwards.stderr).toContain("review threshold must be below the decline threshold");
    const badOrigin = await cli(["merchant", "create", "--name", "Wild", "--allowed-origins", "*"]);
    expect(badOrigin.code).toBe(1);
    expect(await t.countRows("merchants")).toBe(merchants);
    expect(await t.countRows("operator_audit_log")).toBe(audit);
  });
});
