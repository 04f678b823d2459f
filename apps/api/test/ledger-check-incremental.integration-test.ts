// Goal: the ledger check is incremental without weakening tamper evidence. After a clean run, the next run
// re-hashes only the journal entries sealed since (counted in seals, not timed); a break among those is found;
// an edit of an already-verified entry is found by the next full run (and a rewrite of the verified seals by the
// incremental run's anchor check); a finding keeps every later run full until one is clean; a restarted
// process resumes from the stored position; and two processes checking at once leave a usable position.
// Real Postgres; entries are written through the API's payment commands; "processes" are separate pools.

import { createDatabaseClient } from "@paycore/db/client";
import { ChainRepository } from "@paycore/db/repositories/chain.repository";
import { DisputeRepository } from "@paycore/db/repositories/dispute.repository";
import { LedgerAuditRepository } from "@paycore/db/repositories/ledger-audit.repository";
import { LedgerCheckRunRepository } from "@paycore/db/repositories/ledger-check-run.repository";
import { createPool, Sql } from "@paycore/db/sql";
import { type LedgerCheckDeps, runLedgerCheck } from "@paycore/platform/ledger-check";
import { ChainSealer } from "@paycore/platform/workers/chain-sealer";
import pg from "pg";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp } from "../src/testing/test-app";

const CREATE = `mutation($input: CreatePaymentInput!) {
  createPayment(input: $input) { payment { id status } errors { code } }
}`;
const log = pino({ level: "silent" });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Sealing waits for every older transaction on the (shared) server to end. */
const SEAL_WAIT_MS = 30_000;

/** A process's own connections and repositories: what a restarted or second API process would build. */
interface CheckProcess {
  deps: LedgerCheckDeps;
  close(): Promise<void>;
}

function checkProcess(databaseUrl: string): CheckProcess {
  const pool = createPool({ url: databaseUrl, max: 2 });
  const sql = new Sql(pool);
  const db = createDatabaseClient({ pool });
  return {
    deps: {
      audit: new LedgerAuditRepository(db),
      disputes: new DisputeRepository(db),
      chains: new ChainRepository(sql),
      runs: new LedgerCheckRunRepository(sql),
    },
    async close() {
      await db.$disconnect();
      await pool.end();
    },
  };
}

describe("incremental ledger check", () => {
  const opened: TestApp[] = [];
  const processes: CheckProcess[] = [];
  const clients: pg.Client[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.end().catch(() => {});
    for (const process of processes.splice(0)) await process.close();
    for (const t of opened.splice(0)) await t.close();
  });

  const setup = async () => {
    const t = await createTestApp();
    opened.push(t);
    const chains = new ChainRepository(t.app.sql);
    const sealer = new ChainSealer({ chains, log });
    const merchant = await t.createMerchant();
    const card = await t.tokenize(merchant.publishableKey);
    const open = () => {
      const process = checkProcess(t.databaseUrl);
      processes.push(process);
      return process;
    };
    /** Captures `count` payments (one journal entry each) and waits until every entry is sealed. */
    const capture = async (count: number) => {
      for (let i = 0; i < count; i += 1) {
        const result = await t.gql<{ createPayment: { payment: { status: string } | null } }>(
          merchant.secretKey,
          CREATE,
          {
            input: {
              idempotencyKey: newKey(),
              amount: String(1000 + i),
              currency: "USD",
              paymentMethodId: card,
            },
          },
        );
        expect(result.data?.createPayment.payment?.status, result.raw).toBe("CAPTURED");
      }
      const [entries] = await t.app.sql.query<{ n: bigint }>("SELECT count(*) AS n FROM journal_entries");
      const deadline = Date.now() + SEAL_WAIT_MS;
      while ((await chains.status("journal")).sealedCount < (entries?.n ?? 0n)) {
        if (Date.now() > deadline) throw new Error("entries were not sealed in time");
        await sealer.drain();
        await sleep(50);
      }
    };
    /** Runs `statements` with the append-only triggers of `tables` off, as someone with more rights could. */
    const tamper = async (tables: string[], statements: string[]) => {
      const client = new pg.Client({ connectionString: t.databaseUrl });
      await client.connect();
      clients.push(client);
      await client.query("BEGIN");
      for (const table of tables) await client.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
      for (const statement of statements) await client.query(statement);
      for (const table of tables) await client.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
      await client.query("COMMIT");
    };
    const sealedRow = async (seq: number) => {
      const [row] = await t.app.sql.query<{ rowId: string }>(
        `SELECT row_id AS "rowId" FROM chain_seals WHERE stream = 'journal' AND seq = $1`,
        [seq],
      );
      return row?.rowId as string;
    };
    return { t, open, capture, tamper, sealedRow };
  };

  it("re-hashes only the entries sealed since the last clean run, and a restarted process resumes there", async () => {
    const { open, capture } = await setup();
    const first = open();
    await capture(3);
    const full = await runLedgerCheck(first.deps, "worker", null);
    expect(full).toMatchObject({ scope: "full", ok: true, chainSealsChecked: 3n, basisRunId: null });
    expect(full.chainVerifiedThrough?.seq).toBe(3n);

    await capture(2);
    const next = await runLedgerCheck(first.deps, "worker", null);
    expect(next).toMatchObject({
      scope: "incremental",
      ok: true,
      chainSealsChecked: 2n,
      basisRunId: full.id,
    });
    expect(next.chainVerifiedThrough?.seq).toBe(5n);
    const idle = await runLedgerCheck(first.deps, "worker", null);
    expect(idle).toMatchObject({ scope: "incremental", ok: true, chainSealsChecked: 0n });

    // The process stops; a new one (new connections, nothing in memory) continues from the stored position.
    await first.close();
    processes.splice(processes.indexOf(first), 1);
    await capture(1);
    const restarted = await runLedgerCheck(open().deps, "worker", null);
    expect(restarted).toMatchObject({
      scope: "incremental",
      ok: true,
      chainSealsChecked: 1n,
      basisRunId: idle.id,
    });
    expect(restarted.chainVerifiedThrough?.seq).toBe(6n);
  });

  it("is full on demand, and once the last full run is older than the full interval", async () => {
    const { open, capture } = await setup();
    const { deps } = open();
    await capture(2);
    expect(await runLedgerCheck(deps, "cli", "ops")).toMatchObject({ scope: "full", chainSealsChecked: 2n });
    expect(await runLedgerCheck(deps, "cli", "ops", { full: true })).toMatchObject({
      scope: "full",
      ok: true,
      chainSealsChecked: 2n,
    });
    const later = new Date(Date.now() + 25 * 60 * 60_000);
    expect(await runLedgerCheck({ ...deps, now: () => later }, "worker", null)).toMatchObject({
      scope: "full",
      chainSealsChecked: 2n,
    });
    expect(await runLedgerCheck(deps, "worker", null)).toMatchObject({
      scope: "incremental",
      chainSealsChecked: 0n,
    });
  });

  it("finds a break among the newly sealed entries, and stays full until a run is clean", async () => {
    const { open, capture, tamper, sealedRow } = await setup();
    const { deps } = open();
    await capture(2);
    expect(await runLedgerCheck(deps, "worker", null)).toMatchObject({ scope: "full", ok: true });
    await capture(2);
    const edited = await sealedRow(4);
    await tamper(
      ["ledger_lines"],
      [
        `UPDATE ledger_lines SET amount_minor = amount_minor + 1
          WHERE id = (SELECT min(id) FROM ledger_lines WHERE journal_entry_id = '${edited}' AND direction = 'CREDIT')`,
      ],
    );
    const broken = await runLedgerCheck(deps, "worker", null);
    expect(broken).toMatchObject({ scope: "incremental", ok: false, chainVerifiedThrough: null });
    expect(broken.findings).toContainEqual(
      expect.objectContaining({
        kind: "journal_chain_broken",
        subject: edited,
        detail: expect.stringMatching(/^CONTENT_CHANGED/),
      }),
    );
    // The same edit unbalances the entry: the incremental balance check sees it too.
    expect(broken.findings).toContainEqual(
      expect.objectContaining({ kind: "entry_unbalanced", subject: edited }),
    );
    const again = await runLedgerCheck(deps, "worker", null);
    expect(again).toMatchObject({ scope: "full", ok: false });
    expect(again.findings).toContainEqual(
      expect.objectContaining({ kind: "journal_chain_broken", subject: edited }),
    );
  });

  it("an edit of an already verified entry: the next full run finds it; a rewrite of the verified seals, the next incremental run", async () => {
    const { open, capture, tamper, sealedRow } = await setup();
    const { deps } = open();
    await capture(3);
    expect(await runLedgerCheck(deps, "worker", null)).toMatchObject({ scope: "full", ok: true });
    const edited = await sealedRow(2);
    // A content change that keeps the entry balanced: only re-hashing it shows it.
    await tamper(
      ["journal_entries"],
      [`UPDATE journal_entries SET kind = 'payment.adjusted' WHERE id = '${edited}'`],
    );
    // What an incremental run proves: the verified prefix was not re-hashed (docs/operations.md says so).
    const incremental = await runLedgerCheck(deps, "worker", null);
    expect(incremental).toMatchObject({ scope: "incremental", chainSealsChecked: 0n });
    const full = await runLedgerCheck(deps, "cli", "ops", { full: true });
    expect(full).toMatchObject({ scope: "full", ok: false, chainVerifiedThrough: null });
    expect(full.findings).toContainEqual(
      expect.objectContaining({
        kind: "journal_chain_broken",
        subject: edited,
        detail: expect.stringMatching(/^CONTENT_CHANGED/),
      }),
    );
    // Put it back: the chain verifies again, and a clean full run gives the next runs a position.
    await tamper(
      ["journal_entries"],
      [`UPDATE journal_entries SET kind = 'payment.captured' WHERE id = '${edited}'`],
    );
    const clean = await runLedgerCheck(deps, "worker", null);
    expect(clean).toMatchObject({ scope: "full", ok: true, chainSealsChecked: 3n });

    // Someone rewrites the verified seals to match an edit (here: the newest seal's hash, and the head with it).
    const forged = "f".repeat(64);
    await tamper(
      ["chain_seals", "chain_heads"],
      [
        `UPDATE chain_seals SET hash = '${forged}' WHERE stream = 'journal' AND seq = 3`,
        `UPDATE chain_heads SET hash = '${forged}' WHERE stream = 'journal'`,
      ],
    );
    const rewritten = await runLedgerCheck(deps, "worker", null);
    expect(rewritten).toMatchObject({ scope: "incremental", ok: false, chainSealsChecked: 0n });
    expect(rewritten.findings).toContainEqual(
      expect.objectContaining({
        kind: "journal_chain_broken",
        detail: expect.stringMatching(/^ANCHOR_CHANGED: seal 3/),
      }),
    );
  });

  it("two processes checking at once both verify from the same position and leave a usable one", async () => {
    const { open, capture } = await setup();
    const one = open();
    const two = open();
    await capture(2);
    const first = await runLedgerCheck(one.deps, "worker", null);
    expect(first).toMatchObject({ scope: "full", ok: true });
    await capture(3);
    const [a, b] = await Promise.all([
      runLedgerCheck(one.deps, "worker", null),
      runLedgerCheck(two.deps, "worker", null),
    ]);
    for (const run of [a, b]) {
      expect(run).toMatchObject({
        scope: "incremental",
        ok: true,
        chainSealsChecked: 3n,
        basisRunId: first.id,
      });
      expect(run.chainVerifiedThrough?.seq).toBe(5n);
    }
    await capture(1);
    const after = await runLedgerCheck(two.deps, "worker", null);
    expect(after).toMatchObject({ scope: "incremental", ok: true, chainSealsChecked: 1n });
    expect([a.id, b.id]).toContain(after.basisRunId);
  });
});
