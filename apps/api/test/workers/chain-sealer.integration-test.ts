// Goal: committed journal entries and operator audit rows get hash-chained after the fact, in an order no
// later commit can change (nothing is sealed while an older transaction is still open), by one sealer per
// stream at a time even with several processes; and the verifier names the first edited, deleted or
// inserted row, whoever bypassed the append-only triggers.
import { ChainRepository } from "@paycore/db/repositories/chain.repository";
import { formatChainReport, verifyChains } from "@paycore/platform/chain-verify";
import { ChainSealer } from "@paycore/platform/workers/chain-sealer";
import { Worker } from "@paycore/platform/workers/worker";
import pg from "pg";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp } from "../../src/testing/test-app";

const CREATE = `mutation($input: CreatePaymentInput!) {
  createPayment(input: $input) { payment { id status } errors { code } }
}`;
const REFUND = `mutation($input: RefundPaymentInput!) {
  refundPayment(input: $input) { refund { id status } errors { code } }
}`;

const log = pino({ level: "silent" });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * A row is sealed once every older transaction on the server has ended, and other suites share this server:
 * waits for sealing poll up to this long.
 */
const SEAL_WAIT_MS = 30_000;

describe("chain sealer", () => {
  const opened: TestApp[] = [];
  const clients: pg.Client[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.end().catch(() => {});
    for (const t of opened.splice(0)) await t.close();
  });

  const setup = async () => {
    const t = await createTestApp();
    opened.push(t);
    const chains = new ChainRepository(t.app.sql);
    const sealer = new ChainSealer({ chains, batchSize: 2, log });
    return { t, chains, sealer };
  };

  const connect = async (t: TestApp) => {
    const client = new pg.Client({ connectionString: t.databaseUrl });
    await client.connect();
    clients.push(client);
    return client;
  };

  /** Drains until `done` holds, within SEAL_WAIT_MS. */
  const sealUntil = async (sealer: ChainSealer, done: () => Promise<boolean>) => {
    const deadline = Date.now() + SEAL_WAIT_MS;
    for (;;) {
      await sealer.drain();
      if (await done()) return;
      if (Date.now() > deadline) throw new Error("rows were not sealed in time");
      await sleep(50);
    }
  };

  const sealedIds = async (t: TestApp, stream: string) => {
    const rows = await t.app.sql.query<{ rowId: string }>(
      `SELECT row_id AS "rowId" FROM chain_seals WHERE stream = $1 ORDER BY seq`,
      [stream],
    );
    return rows.map((row) => row.rowId);
  };

  /** Three captured payments, one partly refunded: four journal entries. */
  const paymentScenario = async (t: TestApp) => {
    const merchant = await t.createMerchant();
    const card = await t.tokenize(merchant.publishableKey);
    const paymentIds: string[] = [];
    for (const amount of ["1000", "2500", "999999"]) {
      const result = await t.gql<{ createPayment: { payment: { id: string; status: string } | null } }>(
        merchant.secretKey,
        CREATE,
        { input: { idempotencyKey: newKey(), amount, currency: "USD", paymentMethodId: card } },
      );
      const payment = result.data?.createPayment.payment;
      expect(payment?.status, result.raw).toBe("CAPTURED");
      paymentIds.push(payment?.id as string);
    }
    const refund = await t.gql<{ refundPayment: { refund: { status: string } | null } }>(
      merchant.secretKey,
      REFUND,
      { input: { idempotencyKey: newKey(), paymentId: paymentIds[0], amount: "400" } },
    );
    expect(refund.data?.refundPayment.refund?.status, refund.raw).toBe("SUCCEEDED");
    return paymentIds;
  };

  const journalIds = async (t: TestApp) =>
    (await t.app.sql.query<{ id: string }>("SELECT id FROM journal_entries ORDER BY id")).map(
      (row) => row.id,
    );

  it("seals every journal entry of a payment scenario, and the chain verifies", async () => {
    const { t, chains, sealer } = await setup();
    await paymentScenario(t);
    const entries = await journalIds(t);
    expect(entries).toHaveLength(4);
    await sealUntil(sealer, async () => (await sealedIds(t, "journal")).length === entries.length);
    expect([...(await sealedIds(t, "journal"))].sort()).toEqual(entries);

    const verification = await chains.verify("journal");
    expect(verification).toMatchObject({ ok: true, sealedCount: 4n });
    const status = await chains.status("journal");
    expect(status).toMatchObject({ sealedCount: 4n, unsealedRows: 0n, oldestUnsealedAgeSeconds: 0 });
    await t.expectLedgerBalanced();
  });

  it("runs on its own: seals what commits, logs its status (sealed, backlog, lag), and stops cleanly", async () => {
    const { t, chains } = await setup();
    const lines: Array<Record<string, unknown>> = [];
    const capture = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const sealer = new ChainSealer({ chains, idleDelayMs: 20, statusIntervalMs: 1_000, log: capture });
    const worker = new Worker(sealer, { log: capture });
    worker.start();
    try {
      await t.app.sql.query(
        `INSERT INTO operator_audit_log (action, target_type) VALUES ('test.loop', 'test')`,
      );
      const deadline = Date.now() + SEAL_WAIT_MS;
      while ((await sealedIds(t, "operator_audit")).length < 1) {
        if (Date.now() > deadline) throw new Error("the running sealer did not seal in time");
        await sleep(20);
      }
    } finally {
      await worker.stop();
    }
    expect(sealer.sealedCount.operator_audit).toBe(1);
    expect(worker.consecutiveFailures).toBe(0);
    // The lag metric /health/workers shows, from the last status (taken once a second: on a busy machine it may
    // predate the seal, when the row was already a second old).
    const lag = (worker.health().details as { lag: Array<{ stream: string; lagSeconds: number }> }).lag;
    const auditLag = lag.find((entry) => entry.stream === "operator_audit");
    expect(auditLag?.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(auditLag?.lagSeconds).toBeLessThanOrEqual(Math.ceil(SEAL_WAIT_MS / 1000));
    const statuses = lines.filter((line) => line.msg === "chain sealer status");
    expect(statuses.map((line) => line.stream)).toEqual(
      expect.arrayContaining(["journal", "operator_audit"]),
    );
    expect(statuses[0]).toEqual(
      expect.objectContaining({
        sealedCount: expect.any(String),
        unsealedRows: expect.any(String),
        lagSeconds: 0,
      }),
    );
  });

  it("seals nothing while an older transaction is open, then seals in transaction order", async () => {
    const { t, chains, sealer } = await setup();
    const older = await connect(t);
    const newer = await connect(t);
    const insert = (client: pg.Client, action: string) =>
      client
        .query<{ id: string }>(
          `INSERT INTO operator_audit_log (action, target_type) VALUES ($1, 'test') RETURNING id::text AS id`,
          [action],
        )
        .then((result) => result.rows[0]?.id as string);

    await older.query("BEGIN");
    const olderId = await insert(older, "test.older"); // takes its transaction id first
    await newer.query("BEGIN");
    const newerId = await insert(newer, "test.newer");
    await newer.query("COMMIT"); // the later-started transaction commits first

    // The newer row is committed, but the older transaction could still commit a row that belongs before it.
    for (let pass = 0; pass < 3; pass += 1) await sealer.drain();
    expect(await sealedIds(t, "operator_audit")).toEqual([]);
    expect((await chains.status("operator_audit")).unsealedRows).toBe(1n);

    await older.query("COMMIT");
    await sealUntil(sealer, async () => (await sealedIds(t, "operator_audit")).length === 2);
    expect(await sealedIds(t, "operator_audit")).toEqual([olderId, newerId]);
    expect(await chains.verify("operator_audit")).toMatchObject({ ok: true, sealedCount: 2n });
  });

  it("never seals a row of a transaction that rolled back", async () => {
    const { t, sealer } = await setup();
    const client = await connect(t);
    await client.query("BEGIN");
    await client.query(`INSERT INTO operator_audit_log (action, target_type) VALUES ('test.gone', 'test')`);
    await client.query("ROLLBACK");
    await t.app.sql.query(
      `INSERT INTO operator_audit_log (action, target_type) VALUES ('test.kept', 'test')`,
    );
    await sealUntil(sealer, async () => (await sealedIds(t, "operator_audit")).length === 1);
    const [kept] = await t.app.sql.query<{ id: string }>(
      `SELECT id::text AS id FROM operator_audit_log WHERE action = 'test.kept'`,
    );
    expect(await sealedIds(t, "operator_audit")).toEqual([kept?.id]);
  });

  it("shares the work between sealers in several processes: each row sealed once, the chain contiguous", async () => {
    const { t, chains } = await setup();
    // A second "process": its own pool on the same database.
    const otherPool = new pg.Pool({ connectionString: t.databaseUrl, max: 2 });
    try {
      const { Sql } = await import("@paycore/db/sql");
      const sealers = [
        new ChainSealer({ chains, batchSize: 3, log }),
        new ChainSealer({ chains: new ChainRepository(new Sql(otherPool)), batchSize: 3, log }),
      ];
      const rowsTotal = 60;
      const writers = Array.from({ length: 4 }, async (_, writer) => {
        for (let index = 0; index < rowsTotal / 4; index += 1) {
          await t.app.sql.query(`INSERT INTO operator_audit_log (action, target_type) VALUES ($1, 'test')`, [
            `test.${writer}.${index}`,
          ]);
        }
      });
      const sealing = sealers.map(async (sealer) => {
        for (let pass = 0; pass < 40; pass += 1) {
          await sealer.runOnce();
          await sleep(5);
        }
      });
      await Promise.all([...writers, ...sealing]);
      await sealUntil(
        sealers[0] as ChainSealer,
        async () => (await sealedIds(t, "operator_audit")).length === rowsTotal,
      );
      const [{ seqs, distinct, maxSeq } = { seqs: 0n, distinct: 0n, maxSeq: 0n }] = await t.app.sql.query<{
        seqs: bigint;
        distinct: bigint;
        maxSeq: bigint;
      }>(
        `SELECT count(*) AS seqs, count(DISTINCT row_id) AS distinct, max(seq) AS "maxSeq"
           FROM chain_seals WHERE stream = 'operator_audit'`,
      );
      expect({ seqs, distinct, maxSeq }).toEqual({
        seqs: BigInt(rowsTotal),
        distinct: BigInt(rowsTotal),
        maxSeq: BigInt(rowsTotal),
      });
      expect(await chains.verify("operator_audit")).toMatchObject({
        ok: true,
        sealedCount: BigInt(rowsTotal),
      });
    } finally {
      await otherPool.end();
    }
  });

  it("refuses to rewrite a seal or move a head anywhere but to its newest seal", async () => {
    const { t, sealer } = await setup();
    await t.app.sql.query(`INSERT INTO operator_audit_log (action, target_type) VALUES ('test.a', 'test')`);
    await sealUntil(sealer, async () => (await sealedIds(t, "operator_audit")).length === 1);
    await expect(
      t.app.sql.query(`UPDATE chain_seals SET hash = repeat('a', 64) WHERE stream = 'operator_audit'`),
    ).rejects.toThrow(/append-only/);
    await expect(t.app.sql.query(`DELETE FROM chain_seals`)).rejects.toThrow(/append-only/);
    await expect(
      t.app.sql.query(
        `INSERT INTO chain_seals (stream, seq, row_id, row_txid, prev_hash, hash)
         VALUES ('operator_audit', 2, 'x', 1, repeat('b', 64), repeat('c', 64))`,
      ),
    ).rejects.toThrow(/does not link/);
    // The check runs once per statement: a row of a batch that does not link to the row before it, in the same
    // statement, fails the whole batch.
    const [head] = await t.app.sql.query<{ hash: string }>(
      `SELECT hash FROM chain_seals WHERE stream = 'operator_audit' AND seq = 1`,
    );
    await expect(
      t.app.sql.query(
        `INSERT INTO chain_seals (stream, seq, row_id, row_txid, prev_hash, hash)
         VALUES ('operator_audit', 2, 'x', 1, $1, repeat('b', 64)),
                ('operator_audit', 3, 'y', 1, repeat('c', 64), repeat('d', 64))`,
        [head?.hash],
      ),
    ).rejects.toThrow(/seal 3 of operator_audit does not link/);
    expect(await sealedIds(t, "operator_audit")).toHaveLength(1);
    await expect(
      t.app.sql.query(
        `UPDATE chain_heads SET seq = 0, hash = repeat('0', 64) WHERE stream = 'operator_audit'`,
      ),
    ).rejects.toThrow(/may only advance/);
    await expect(t.app.sql.query(`DELETE FROM chain_heads`)).rejects.toThrow(/rejected/);
  });

  /** Runs `statements` with the tables' append-only triggers off, as a superuser could. */
  const tamper = async (t: TestApp, tables: readonly string[], statements: readonly string[]) => {
    const client = await connect(t);
    await client.query("BEGIN");
    for (const table of tables) await client.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
    for (const statement of statements) await client.query(statement);
    for (const table of tables) await client.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
    await client.query("COMMIT");
  };

  it.each([
    {
      name: "an amount edited in a sealed ledger line",
      tables: ["ledger_lines"],
      statements: (id: string) => [
        `UPDATE ledger_lines SET amount_minor = amount_minor + 1
          WHERE id = (SELECT min(id) FROM ledger_lines WHERE journal_entry_id = '${id}')`,
      ],
      kind: "CONTENT_CHANGED",
    },
    {
      name: "a sealed journal entry deleted with its lines",
      tables: ["ledger_lines", "journal_entries"],
      statements: (id: string) => [
        `DELETE FROM ledger_lines WHERE journal_entry_id = '${id}'`,
        `DELETE FROM journal_entries WHERE id = '${id}'`,
      ],
      kind: "ROW_MISSING",
    },
    {
      name: "a sealed entry's payment reference changed",
      tables: ["journal_entries"],
      statements: (id: string) => [
        `UPDATE journal_entries SET payment_id = (SELECT min(p.id) FROM payments p WHERE p.id <> journal_entries.payment_id) WHERE id = '${id}'`,
      ],
      kind: "CONTENT_CHANGED",
    },
  ])(
    "names the entry as the first broken row of the journal: $name",
    async ({ tables, statements, kind }) => {
      const { t, chains, sealer } = await setup();
      await paymentScenario(t);
      await sealUntil(sealer, async () => (await sealedIds(t, "journal")).length === 4);
      const sealed = await sealedIds(t, "journal");
      const victim = sealed[1] as string; // not the first: the break must be found mid-chain
      await tamper(t, tables, statements(victim));
      // A later edit does not hide the first one.
      await tamper(
        t,
        ["ledger_lines"],
        [
          `UPDATE ledger_lines SET amount_minor = amount_minor + 7
        WHERE id = (SELECT min(id) FROM ledger_lines WHERE journal_entry_id = '${sealed[3]}')`,
        ],
      );

      const [report] = await verifyChains(chains, ["journal"]);
      expect(report).toMatchObject({
        stream: "journal",
        ok: false,
        sealedCount: "1",
        firstBreak: { kind, seq: "2", rowId: victim },
      });
      expect(formatChainReport(report as NonNullable<typeof report>)).toContain(`row ${victim}`);
    },
  );

  it("names a sealed entry that gained lines (kept balanced) as changed", async () => {
    const { t, chains, sealer } = await setup();
    await paymentScenario(t);
    await sealUntil(sealer, async () => (await sealedIds(t, "journal")).length === 4);
    const victim = (await sealedIds(t, "journal"))[2] as string;
    // Insert is allowed by the triggers (append-only), and a mirrored pair keeps the entry balanced. Lines added to
    // an entry of an earlier transaction must balance within their statement, so the pair is one INSERT, and carry
    // their entry's created_at (the month partition they share).
    await tamper(
      t,
      [],
      [
        `INSERT INTO ledger_lines (journal_entry_id, account_id, direction, amount_minor, currency, created_at)
       SELECT journal_entry_id, account_id, direction, 5, currency, created_at FROM ledger_lines
        WHERE id IN ((SELECT min(id) FROM ledger_lines WHERE journal_entry_id = '${victim}' AND direction = 'DEBIT'),
                     (SELECT min(id) FROM ledger_lines WHERE journal_entry_id = '${victim}' AND direction = 'CREDIT'))`,
      ],
    );
    expect(await chains.verify("journal")).toMatchObject({
      ok: false,
      firstBreak: { kind: "CONTENT_CHANGED", seq: 3n, rowId: victim },
    });
  });

  it.each([
    {
      name: "an edited audit row",
      statements: (id: string) => [
        `UPDATE operator_audit_log SET after = '{"feeRateBps": 1}'::jsonb WHERE id = ${id}`,
      ],
      kind: "CONTENT_CHANGED",
      seq: 2n,
    },
    {
      name: "a deleted audit row",
      statements: (id: string) => [`DELETE FROM operator_audit_log WHERE id = ${id}`],
      kind: "ROW_MISSING",
      seq: 2n,
    },
    {
      name: "an audit row inserted behind the head",
      statements: () => [
        `INSERT INTO operator_audit_log (action, target_type, txid) VALUES ('forged', 'test', 1)`,
      ],
      kind: "UNSEALED_ROW",
      seq: null,
    },
  ])("names the first broken row of the audit log: $name", async ({ statements, kind, seq }) => {
    const { t, chains, sealer } = await setup();
    for (const action of ["merchant.create", "merchant.update_settings", "api_key.revoke"]) {
      await t.app.sql.query(
        `INSERT INTO operator_audit_log (action, target_type, target_id, before, after)
         VALUES ($1, 'merchant', 'mer_1', '{"feeRateBps": 290}'::jsonb, '{"feeRateBps": 250, "big": 12345678901234567890}'::jsonb)`,
        [action],
      );
    }
    await sealUntil(sealer, async () => (await sealedIds(t, "operator_audit")).length === 3);
    const victim = (await sealedIds(t, "operator_audit"))[1] as string;
    await tamper(t, ["operator_audit_log"], statements(victim));

    const [report] = await verifyChains(chains, ["operator_audit"]);
    expect(report?.ok).toBe(false);
    expect(report?.firstBreak?.kind).toBe(kind);
    if (seq !== null) {
      expect(report?.firstBreak).toMatchObject({ seq: seq.toString(), rowId: victim });
    } else {
      const [forged] = await t.app.sql.query<{ id: string }>(
        `SELECT id::text AS id FROM operator_audit_log WHERE action = 'forged'`,
      );
      expect(report?.firstBreak).toMatchObject({ seq: null, rowId: forged?.id });
    }
  });
});
