// Goal: sanctions screening end to end (issue 22) on real Postgres and the bank rails sandbox. The shipped samples
// of the OFAC SDN list (with aliases) and the EU consolidated list are imported as list versions; a merchant that
// existed before is screened against the new versions by the screening pass; a payout bank-account holder whose
// name matches a listed alias opens a hit that blocks payouts (PAYOUTS_BLOCKED_SANCTIONS) until an operator calls
// it a false positive; a representative matching the EU list is confirmed, which freezes the merchant (live
// payments and payouts refused with MERCHANT_RESTRICTED). Every screening names the list versions it used; every
// decision is audited; the database refuses a second decision and an unfreeze; a bad file writes nothing.
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sanctionsHitTransitionEdges } from "@paycore/core/sanctions/sanctions-hit-state-machine";
import { importSanctionsFromPaths } from "@paycore/platform/sanctions/sanctions-services";
import { TEST_BUSINESS_DETAILS } from "@paycore/platform/testing/test-runtime";
import type { SandboxHandle } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBankRailsTestApp } from "../src/testing/bank-rails-test-app";
import { newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

const BANK_SECRET = "bank_whsec_sanctions_0123456789";
const ERRORS = "errors { code message field }";
const OPERATOR = { operatorId: null, name: "cli:compliance" };
const samples = new URL("../../../packages/platform/src/sanctions/samples/", import.meta.url).pathname;

let sandbox: SandboxHandle;
let t: TestApp;
let early: TestMerchant;

type Errors = Array<{ code: string }>;

async function pay(merchant: TestMerchant, amount: string) {
  const paymentMethodId = await t.tokenize(merchant.publishableKey);
  const result = await t.gql<{ createPayment: { errors: Errors } }>(
    merchant.secretKey,
    `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } ${ERRORS} } }`,
    { input: { idempotencyKey: newKey("pay"), amount, currency: "EUR", paymentMethodId } },
  );
  expect(result.data?.createPayment.errors).toEqual([]);
  await t.app.services.payouts.releaseDue();
}

async function addAccount(key: string, holderName: string): Promise<string> {
  const result = await t.gql<{ addBankAccount: { bankAccount: { id: string } | null; errors: Errors } }>(
    key,
    `mutation($input: AddBankAccountInput!) { addBankAccount(input: $input) { bankAccount { id } ${ERRORS} } }`,
    {
      input: {
        idempotencyKey: newKey("ba"),
        holderName,
        currency: "EUR",
        iban: "DE89 3704 0044 0532 0130 00",
      },
    },
  );
  const id = result.data?.addBankAccount.bankAccount?.id;
  if (!id) throw new Error(result.raw);
  return id;
}

async function payout(key: string, bankAccountId: string) {
  const result = await t.gql<{ createPayout: { payout: { id: string } | null; errors: Errors } }>(
    key,
    `mutation($input: CreatePayoutInput!) { createPayout(input: $input) { payout { id } ${ERRORS} } }`,
    { input: { idempotencyKey: newKey("po"), amount: "100", currency: "EUR", bankAccountId } },
  );
  if (!result.data) throw new Error(result.raw);
  return result.data.createPayout;
}

beforeAll(async () => {
  ({ sandbox, t } = await createBankRailsTestApp({ webhookSecret: BANK_SECRET, bankTimeoutMs: 2_000 }));
  // Created before any list exists: screened with no list, then again by the pass after the imports.
  early = await t.createMerchant();
  await t.app.db.$executeRawUnsafe(
    `UPDATE merchants SET name = 'QARVEX  industrial supply company' WHERE id = '${early.id}'`,
  );
}, 60_000);

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

describe("list imports", () => {
  it("refuses a file that is not a list and writes nothing", async () => {
    const path = join(tmpdir(), `not-a-list-${newKey()}.csv`);
    await writeFile(path, "name,amount\nx,1\n");
    await expect(importSanctionsFromPaths(t.app.services.sanctions, OPERATOR, path)).rejects.toMatchObject({
      code: "SANCTIONS_LIST_INVALID",
    });
    expect(await t.countRows("sanctions_list_versions")).toBe(0);
    expect(await t.countRows("sanctions_names")).toBe(0);
  });

  it("imports the OFAC SDN list with its aliases and the EU list, each as a version, audited", async () => {
    const ofac = await importSanctionsFromPaths(t.app.services.sanctions, OPERATOR, `${samples}sdn.csv`, {
      aliasesPath: `${samples}alt.csv`,
    });
    expect(ofac).toMatchObject({ source: "OFAC_SDN", entryCount: 4, nameCount: 7 });
    const eu = await importSanctionsFromPaths(
      t.app.services.sanctions,
      OPERATOR,
      `${samples}eu-consolidated.xml`,
    );
    expect(eu).toMatchObject({ source: "EU_CONSOLIDATED", entryCount: 2, nameCount: 4 });
    const audit = await t.app.db.operatorAuditLog.count({ where: { action: "sanctions.import" } });
    expect(audit).toBe(2);
  });

  it("screens merchants screened before the new versions, and records the versions used", async () => {
    const pass = await t.app.services.sanctions.screenPending(50);
    expect(pass.merchants).toBeGreaterThanOrEqual(1);
    const versions = (await t.app.services.sanctions.currentVersions()).map((version) => version.id).sort();
    const screenings = await t.app.services.sanctionsReads.screeningsOf(early.id);
    const latest = screenings.find((s) => s.subjectType === "MERCHANT");
    expect([...(latest?.listVersionIds ?? [])].sort()).toEqual(versions);
    const hits = (await t.app.services.sanctionsReads.hits()).filter((hit) => hit.merchantId === early.id);
    expect(hits.map((hit) => [hit.subjectType, hit.listedName, hit.status])).toContainEqual([
      "MERCHANT",
      "Qarvex Industrial Supply Company",
      "OPEN",
    ]);
    // A second pass finds nothing left to screen against these versions.
    expect((await t.app.services.sanctions.screenPending(50)).merchants).toBe(0);
  });
});

describe("a payout bank account's holder on the OFAC list", () => {
  it("blocks payouts until an operator calls the hit a false positive", async () => {
    const merchant = await t.createMerchant();
    await pay(merchant, "10000");
    const clean = await addAccount(merchant.secretKey, "Beispiel Handel GmbH");
    const before = await payout(merchant.secretKey, clean);
    expect(before.errors).toEqual([]);
    const statusOf = async (id: string) =>
      (await t.app.db.payout.findUniqueOrThrow({ where: { id }, select: { status: true } })).status;

    // Word order, case and a one-letter difference from the alias "KORVANYEK, Dragomir".
    const flagged = await addAccount(merchant.secretKey, "dragomir korvanek");
    const hits = (await t.app.services.sanctionsReads.hits()).filter((hit) => hit.merchantId === merchant.id);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({
      subjectType: "BANK_ACCOUNT_HOLDER",
      subjectId: flagged,
      source: "OFAC_SDN",
      status: "OPEN",
    });
    expect(Number(hits[0]?.score)).toBeGreaterThanOrEqual(0.92);

    const blocked = await payout(merchant.secretKey, clean);
    expect(blocked.payout).toBeNull();
    expect(blocked.errors.map((e) => e.code)).toEqual(["PAYOUTS_BLOCKED_SANCTIONS"]);
    // The payout made before the hit is not sent to the bank while the hit is open.
    await t.app.services.payouts.sendDuePayouts();
    expect(await statusOf(before.payout?.id as string)).toBe("PENDING");

    await t.app.services.sanctions.decideHit(
      OPERATOR,
      hits[0]?.id as string,
      "FALSE_POSITIVE",
      "Different person: DOB differs.",
    );
    await t.app.services.payouts.sendDuePayouts();
    expect(await statusOf(before.payout?.id as string)).not.toBe("PENDING");
    expect((await payout(merchant.secretKey, clean)).errors).toEqual([]);
    // The decision holds when the merchant is screened again.
    await t.app.services.sanctions.screenMerchant(merchant.id, "MANUAL");
    expect((await payout(merchant.secretKey, clean)).errors).toEqual([]);
    const audit = await t.app.db.operatorAuditLog.findFirst({
      where: { action: "sanctions.hit_false_positive", targetId: merchant.id },
      select: { after: true },
    });
    expect(audit?.after).toMatchObject({
      status: "FALSE_POSITIVE",
      actor: "cli:compliance",
      listedName: "KORVANYEK, Dragomir",
    });
    await expect(
      t.app.services.sanctions.decideHit(OPERATOR, hits[0]?.id as string, "CONFIRMED", "changed my mind"),
    ).rejects.toMatchObject({ code: "SANCTIONS_HIT_DECIDED" });
    await t.expectLedgerBalanced();
  });
});

describe("a representative on the EU list, confirmed", () => {
  it("freezes the merchant: live payments and payouts refused, the freeze cannot be undone", async () => {
    const merchant = await t.createMerchant({ onboarding: "PENDING_VERIFICATION" });
    await pay(merchant, "10000");
    const account = await addAccount(merchant.secretKey, "Beispiel Handel GmbH");
    await t.app.services.onboarding.submitDetails({ ...OPERATOR, source: "OPERATOR" }, merchant.id, {
      ...TEST_BUSINESS_DETAILS,
      representativeName: "VESNA DRAXLOVA",
      expectedMonthlyVolume: { ...TEST_BUSINESS_DETAILS.expectedMonthlyVolume },
    });
    const hit = (await t.app.services.sanctionsReads.hits()).find(
      (h) => h.merchantId === merchant.id && h.subjectType === "REPRESENTATIVE",
    );
    expect(hit).toMatchObject({ source: "EU_CONSOLIDATED", listedName: "Vesna Draxlová", status: "OPEN" });
    expect((await payout(merchant.secretKey, account)).errors.map((e) => e.code)).toEqual([
      "PAYOUTS_BLOCKED_SANCTIONS",
    ]);

    await t.app.services.sanctions.decideHit(
      OPERATOR,
      hit?.id as string,
      "CONFIRMED",
      "Same person, same DOB.",
    );
    expect((await payout(merchant.secretKey, account)).errors.map((e) => e.code)).toEqual([
      "MERCHANT_RESTRICTED",
    ]);
    const card = await t.tokenize(merchant.livePublishableKey);
    const live = await t.gql<{ createPayment: { errors: Errors } }>(
      merchant.liveSecretKey,
      `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } ${ERRORS} } }`,
      { input: { idempotencyKey: newKey("live"), amount: "100", currency: "EUR", paymentMethodId: card } },
    );
    expect(live.data?.createPayment.errors.map((e) => e.code)).toEqual(["MERCHANT_RESTRICTED"]);
    const outbox = await t.app.db.outboxMessage.findMany({
      where: { merchantId: merchant.id, topic: "account.updated" },
    });
    expect(outbox.map((row) => (row.payload as { frozen?: boolean }).frozen)).toContain(true);
    await expect(
      t.app.sql.execute(`UPDATE merchants SET frozen_at = NULL WHERE id = $1`, [merchant.id]),
    ).rejects.toThrow(/is frozen/);
    await expect(
      t.app.sql.execute(
        `UPDATE sanctions_hits SET status = 'FALSE_POSITIVE', version = version + 1 WHERE id = $1`,
        [hit?.id],
      ),
    ).rejects.toThrow(/illegal sanctions hit transition CONFIRMED -> FALSE_POSITIVE/);
    await t.expectLedgerBalanced();
  });

  it("keeps the database's hit edges equal to the core's", async () => {
    const rows = await t.app.sql.query<{ from: string; to: string }>(
      `SELECT from_status::text AS "from", to_status::text AS "to" FROM sanctions_hit_transitions`,
    );
    expect(rows.map((row) => `${row.from}>${row.to}`).sort()).toEqual(
      sanctionsHitTransitionEdges()
        .map(([from, to]) => `${from}>${to}`)
        .sort(),
    );
  });
});
