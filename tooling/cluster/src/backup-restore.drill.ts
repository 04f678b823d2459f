// Drill (`npm run drill:backup`): an encrypted full backup of the local cluster with pgBackRest plus its WAL
// archive, then a point-in-time restore into a fresh PostgreSQL instance. Payments are made before the backup
// (A), between the backup and the target time (B, only in the WAL archive) and after it (C, must not come
// back). On the restored copy: exactly the payments of A and B, the journal's and the audit log's hash chains
// verify with the same head as the source had at the target time (`ledger verify`, `audit verify` of the real
// CLI), the ledger check passes (`ledger check`) and the global ledger invariant holds. The repository is
// encrypted: no payment id appears in its files in clear.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { figuresTable, freePort } from "@paycore/api/testing/load-client";
import { runCli } from "@paycore/api/testing/run-cli";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "@paycore/api/testing/test-app";
import { ChainRepository } from "@paycore/db/repositories/chain.repository";
import { ChainSealer } from "@paycore/platform/workers/chain-sealer";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { latestBackup, pgbackrest, type RestoredInstance, restoreToTime } from "./backup";
import { drillDatabase } from "./drill-harness";
import { clusterPaths, postgresNodes } from "./layout";
import { clusterUp, defaultClusterDir } from "./up";

const paths = clusterPaths(defaultClusterDir());
const runAs = () => {
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g"), home: "/var/lib/postgresql" };
};
const PER_PHASE = 6;
/** Bound on the repository files read when looking for clear text. */
const REPO_FILES_MAX = 5_000;

const CREATE = `mutation($input: CreatePaymentInput!) {
  createPayment(input: $input) { payment { id status } errors { code } }
}`;
const REFUND = `mutation($input: RefundPaymentInput!) {
  refundPayment(input: $input) { refund { id } errors { code } }
}`;

async function payments(t: TestApp, merchant: TestMerchant, count: number, phase: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const paymentMethodId = await t.tokenize(merchant.publishableKey);
    const created = await t.gql<{ createPayment: { payment: { id: string; status: string } | null } }>(
      merchant.secretKey,
      CREATE,
      {
        input: { idempotencyKey: newKey(phase), amount: String(1_000 + i), currency: "EUR", paymentMethodId },
      },
    );
    const payment = created.data?.createPayment.payment;
    if (!payment) throw new Error(`phase ${phase}: no payment: ${created.raw}`);
    ids.push(payment.id);
    if (i % 2 === 0) {
      await t.gql(merchant.secretKey, REFUND, {
        input: { idempotencyKey: newKey(`${phase}-ref`), paymentId: payment.id, amount: "300" },
      });
    }
  }
  return ids;
}

/** Seals every journal and audit row written so far, as the chain-sealer worker does. */
async function sealAll(t: TestApp): Promise<void> {
  const chains = new ChainRepository(t.app.sql);
  const sealer = new ChainSealer({ chains, log: pino({ level: "silent" }) });
  const deadline = Date.now() + 60_000;
  for (;;) {
    await sealer.drain();
    const journal = await chains.status("journal");
    const audit = await chains.status("operator_audit");
    if (journal.unsealedRows === 0n && audit.unsealedRows === 0n) return;
    if (Date.now() > deadline) throw new Error("rows were not sealed in time");
    await sleep(100);
  }
}

async function chainHeads(t: TestApp): Promise<Record<string, string | null>> {
  const chains = new ChainRepository(t.app.sql);
  const heads: Record<string, string | null> = {};
  for (const stream of ["journal", "operator_audit"] as const) {
    const verification = await chains.verify(stream);
    heads[stream] = verification.ok ? verification.headHash : null;
  }
  return heads;
}

function repositoryFiles(dir: string, found: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (found.length >= REPO_FILES_MAX) break;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) repositoryFiles(path, found);
    else found.push(path);
  }
  return found;
}

describe("drill: encrypted backup, WAL archive and point-in-time restore", () => {
  let t: TestApp;
  let merchant: TestMerchant;
  let databaseName: string;
  let restored: RestoredInstance | null = null;
  let restoredApp: TestApp | null = null;

  beforeAll(async () => {
    await clusterUp({ nodes: postgresNodes(3).length, migrate: false });
    const url = await drillDatabase();
    databaseName = new URL(url).pathname.slice(1);
    t = await createTestApp({ databaseUrl: url, redisUrl: null });
    merchant = await t.createMerchant();
  }, 300_000);

  afterAll(async () => {
    await restoredApp?.close();
    restored?.stop();
    await t?.close();
  });

  it("restores to the target time with the chains and the ledger intact", { timeout: 600_000 }, async () => {
    const phaseA = await payments(t, merchant, PER_PHASE, "a");
    await sealAll(t);

    const backupStarted = Date.now();
    pgbackrest(paths, ["backup", "--type=full"]);
    const backupMs = Date.now() - backupStarted;
    const backup = latestBackup(paths);

    const phaseB = await payments(t, merchant, PER_PHASE, "b");
    await sealAll(t);
    const heads = await chainHeads(t);
    const [{ target }] = (await t.app.sql.query<{ target: string }>(
      "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS target",
    )) as [{ target: string }];
    // The target is strictly after B's last commit and before C's first one.
    await sleep(1_100);
    const phaseC = await payments(t, merchant, PER_PHASE, "c");
    await sealAll(t);
    // `check` switches to a new WAL segment and waits until the archive has it: C's WAL is in the repository.
    pgbackrest(paths, ["check"]);

    const restoreStarted = Date.now();
    restored = restoreToTime(paths, runAs(), { name: "pitr", targetTime: target, port: await freePort() });
    // Promoted once the target is reached: wait for it to take writes.
    const restoredUrl = restored.url(databaseName);
    restoredApp = await createTestApp({ databaseUrl: restoredUrl, redisUrl: null });
    for (let i = 0; i < 600; i++) {
      const [row] = await restoredApp.app.sql.query<{ recovery: boolean }>(
        "SELECT pg_is_in_recovery() AS recovery",
      );
      if (row && !row.recovery) break;
      await sleep(100);
    }
    const restoreMs = Date.now() - restoreStarted;

    const restoredIds = new Set(
      (await restoredApp.app.sql.query<{ id: string }>("SELECT id FROM payments")).map((row) => row.id),
    );
    const restoredHeads = await chainHeads(restoredApp);
    const ledgerVerify = await runCli(["ledger", "verify"], { DATABASE_URL: restoredUrl });
    const auditVerify = await runCli(["audit", "verify"], { DATABASE_URL: restoredUrl });
    const ledgerCheck = await runCli(["ledger", "check", "--full"], { DATABASE_URL: restoredUrl });

    const secretsInClear = repositoryFiles(paths.backup.repo).filter((file) => {
      const bytes = readFileSync(file);
      return [...phaseA, ...phaseB].some((id) => bytes.includes(id));
    });

    console.log(
      figuresTable("Encrypted backup + WAL archive, point-in-time restore", [
        ["backup (label / type / cipher)", `${backup?.label} / ${backup?.type} / ${backup?.cipher}`],
        [
          "database size / stored in the repository (MB)",
          `${((backup?.databaseBytes ?? 0) / 1e6).toFixed(1)} / ${((backup?.repositoryBytes ?? 0) / 1e6).toFixed(1)}`,
        ],
        ["full backup took (s)", (backupMs / 1000).toFixed(1)],
        ["restore to the target time, promoted (s)", (restoreMs / 1000).toFixed(1)],
        ["target time", target],
        [
          "payments before the backup / between it and the target / after the target",
          `${phaseA.length} / ${phaseB.length} / ${phaseC.length}`,
        ],
        [
          "restored: of A / of B / of C",
          `${phaseA.filter((id) => restoredIds.has(id)).length} / ${phaseB.filter((id) => restoredIds.has(id)).length} / ${phaseC.filter((id) => restoredIds.has(id)).length}`,
        ],
        ["journal chain head source = restored", `${heads.journal === restoredHeads.journal}`],
        [
          "ledger verify / audit verify / ledger check (exit codes)",
          `${ledgerVerify.code} / ${auditVerify.code} / ${ledgerCheck.code}`,
        ],
        ["repository files with a payment id in clear", secretsInClear.length],
      ]),
    );
    expect(backup?.cipher).toBe("aes-256-cbc");
    expect(restoredIds.size).toBe(phaseA.length + phaseB.length);
    for (const id of [...phaseA, ...phaseB]) expect(restoredIds.has(id)).toBe(true);
    for (const id of phaseC) expect(restoredIds.has(id)).toBe(false);
    expect(restoredHeads).toEqual(heads);
    expect(heads.journal).not.toBeNull();
    expect(ledgerVerify.code, ledgerVerify.stdout + ledgerVerify.stderr).toBe(0);
    expect(ledgerVerify.stdout).toContain(`chain head ${heads.journal}`);
    expect(auditVerify.code, auditVerify.stdout + auditVerify.stderr).toBe(0);
    expect(ledgerCheck.code, ledgerCheck.stdout + ledgerCheck.stderr).toBe(0);
    await restoredApp.expectLedgerBalanced();
    expect(secretsInClear).toEqual([]);
  });
});
