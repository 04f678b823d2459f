// Goal: the time-partition migrations upgrade a database that already holds rows, not only a fresh one. The
// migrations before them run on an empty database, rows go into every table they partition, then the partition
// migrations run: each old table becomes its parent's first partition with its rows in place, still guarded
// (append-only, one key per merchant and kind, one event id per PSP), and new rows land in the new partitions.
// The ledger too (20261213020100): entries and lines made before keep their balances, and the hash chain sealed
// over old and new entries verifies.
// And reconciliation items (20261214020100): the old items claim their unique rules, so a new item in a later
// month that would break one is refused.
import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, dropDatabase, findRepoRoot, withDatabase } from "./database-url";
import { ChainRepository } from "./repositories/chain.repository";
import { createPool, Sql } from "./sql";
import { prepareTemplateDatabase } from "./testing/test-database";

const FIRST_PARTITION_MIGRATION = "20261209160000_time_partitions_idempotency";
/** How long the sealing test waits for the server's older transactions to end (a shared machine's are slow). */
const SEAL_WAIT_MS = 30_000;

let prepared: Awaited<ReturnType<typeof prepareTemplateDatabase>> | undefined;
let name: string | undefined;
let client: pg.Client;
/** Each account's balance (debits - credits) before the partition migrations ran. */
let balancesBefore: Record<string, string>;

const BALANCES = `
SELECT account_id, sum(CASE direction WHEN 'DEBIT' THEN amount_minor ELSE -amount_minor END)::text AS net
  FROM ledger_lines GROUP BY account_id ORDER BY account_id`;
const balances = async (): Promise<Record<string, string>> =>
  Object.fromEntries(
    (await client.query<{ account_id: string; net: string }>(BALANCES)).rows.map((r) => [
      r.account_id,
      r.net,
    ]),
  );

async function runMigration(folder: string): Promise<void> {
  await client.query(
    await readFile(join(findRepoRoot(), "prisma", "migrations", folder, "migration.sql"), "utf8"),
  );
}

beforeAll(async () => {
  prepared = await prepareTemplateDatabase();
  name = `paycore_test_${randomBytes(5).toString("hex")}`;
  await createDatabase(prepared.adminUrl, name);
  client = new pg.Client({ connectionString: withDatabase(prepared.adminUrl, name) });
  await client.connect();
  const folders = (await readdir(join(findRepoRoot(), "prisma", "migrations"), { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  for (const folder of folders.filter((folder) => folder < FIRST_PARTITION_MIGRATION))
    await runMigration(folder);

  await client.query(`
    INSERT INTO merchants (id, name) VALUES ('mer_upgrade', 'Upgrade');
    INSERT INTO payments (id, merchant_id, mode, amount_minor, currency, capture_method)
    VALUES ('pay_upgrade', 'mer_upgrade', 'TEST', 1000, 'EUR', 'AUTOMATIC');
    INSERT INTO payment_events (payment_id, merchant_id, type, source)
    VALUES ('pay_upgrade', 'mer_upgrade', 'payment.created', 'API');
    INSERT INTO webhook_endpoints (id, merchant_id, mode, url, enabled_events)
    VALUES ('we_upgrade', 'mer_upgrade', 'TEST', 'https://merchant.example/hooks', '{*}');
    INSERT INTO outbox_messages (merchant_id, mode, topic, aggregate_id, payload)
    VALUES ('mer_upgrade', 'TEST', 'payment.created', 'pay_upgrade', '{}');
    INSERT INTO webhook_delivery_attempts (delivery_id, attempted_at, latency_ms)
    SELECT id, now(), 5 FROM webhook_deliveries;
    INSERT INTO psp_webhook_events (psp_name, event_id, event_type, payload)
    VALUES ('sandbox', 'evt_upgrade', 'charge.succeeded', '{}');
    INSERT INTO idempotency_records (id, merchant_id, mode, key_kind, key, operation, request_hash, status,
                                     locked_until, expires_at, created_at)
    VALUES ('idem_upgrade', 'mer_upgrade', 'TEST', 'SECRET', 'key-upgrade', 'createPayment', repeat('a', 64),
            'COMPLETED', now(), now() + interval '1 day', now() - interval '1 hour');
    INSERT INTO ledger_accounts (id, merchant_id, mode, code, type, currency) VALUES
      ('la_upgrade_receivable', 'mer_upgrade', 'TEST', 'psp_receivable', 'ASSET', 'EUR'),
      ('la_upgrade_available', 'mer_upgrade', 'TEST', 'merchant_available', 'LIABILITY', 'EUR'),
      ('la_upgrade_pending', 'mer_upgrade', 'TEST', 'merchant_pending', 'LIABILITY', 'EUR');`);
  // Two entries a month apart, one with a line stamped a few milliseconds after its entry (as a writer stamping
  // each statement itself could do before the lines had to carry their entry's time).
  for (const [id, createdAt, lineShiftMs, sourceKey] of [
    ["je_upgrade_1", "2026-10-15T10:00:00.000Z", 0, null],
    ["je_upgrade_2", "2026-11-15T10:00:00.000Z", 7, "upgrade:event:1"],
  ] as const) {
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO journal_entries (id, merchant_id, mode, kind, payment_id, currency, created_at, source_event_key)
       VALUES ($1, 'mer_upgrade', 'TEST', 'payment.captured', 'pay_upgrade', 'EUR', $2, $3)`,
      [id, createdAt, sourceKey],
    );
    await client.query(
      `INSERT INTO ledger_lines (journal_entry_id, account_id, direction, amount_minor, currency, created_at)
       VALUES ($1, 'la_upgrade_receivable', 'DEBIT', 1000, 'EUR', $2),
              ($1, 'la_upgrade_available', 'CREDIT', 1000, 'EUR', $2::timestamptz + make_interval(secs => $3 / 1000.0))`,
      [id, createdAt, lineShiftMs],
    );
    await client.query("COMMIT");
  }
  // Reconciliation items of two months: a settled line, an open MISSING_EXTERNAL item, an open shadow item.
  await client.query(`
    INSERT INTO recon_imports (id, psp, file_name, file_sha256, status, imported_by, created_at)
    VALUES ('rimp_upgrade', 'adyen', 'upgrade.csv', repeat('b', 64), 'APPLIED', 'test', '2026-10-20T08:00:00Z');
    INSERT INTO recon_items (id, import_id, psp, category, status, rule, line_key, currency, gross_minor, fee_minor,
                             net_minor, expected_id, created_at) VALUES
      ('ri_upgrade_line', 'rimp_upgrade', 'adyen', 'MATCHED', 'CLOSED', 'settled.matched', 'upgrade-line-1', 'EUR',
       1000, 20, 980, 'je_upgrade_1', '2026-10-20T08:00:00Z'),
      ('ri_upgrade_missing', 'rimp_upgrade', 'adyen', 'MISSING_EXTERNAL', 'OPEN', 'operator', NULL, 'EUR',
       NULL, NULL, NULL, 'je_upgrade_2', '2026-11-20T08:00:00Z'),
      ('ri_upgrade_shadow', NULL, 'adyen', 'STATUS_MISMATCH', 'OPEN', 'shadow.psp_says_failed', NULL, 'EUR',
       NULL, NULL, NULL, 'att_upgrade', '2026-11-21T08:00:00Z');`);
  balancesBefore = await balances();
  // The partition migrations (20261209160000, …160100, 20261210070100 for the webhook tables,
  // 20261213020100 for the ledger) and those between them, in order.
  for (const folder of folders.filter((folder) => folder >= FIRST_PARTITION_MIGRATION))
    await runMigration(folder);
});

afterAll(async () => {
  await client?.end();
  if (prepared && name) await dropDatabase(prepared.adminUrl, name);
  await prepared?.stop();
});

const one = async <T>(statement: string): Promise<T> => (await client.query(statement)).rows[0] as T;

describe("time partitions on a database with rows", () => {
  it.each([
    ["idempotency_records", "id = 'idem_upgrade'"],
    ["payment_events", "payment_id = 'pay_upgrade'"],
    ["outbox_messages", "aggregate_id = 'pay_upgrade'"],
    ["webhook_delivery_attempts", "latency_ms = 5"],
    ["webhook_events", "object_id = 'pay_upgrade'"],
    ["webhook_deliveries", "endpoint_id = 'we_upgrade'"],
    ["psp_webhook_events", "event_id = 'evt_upgrade'"],
    ["journal_entries", "id = 'je_upgrade_1'"],
    ["ledger_lines", "journal_entry_id = 'je_upgrade_2' AND direction = 'CREDIT'"],
    ["recon_items", "id = 'ri_upgrade_missing'"],
  ])("keeps %s's rows in the old table, now its first partition", async (table, where) => {
    const row = await one<{ partition: string }>(
      `SELECT tableoid::regclass::text AS partition FROM ${table} WHERE ${where}`,
    );
    expect(row?.partition).toBe(`${table}_legacy`);
    const listed = await one<{ upper: Date | null; lower: Date | null }>(
      `SELECT upper_bound AS upper, lower_bound AS lower FROM time_partitions WHERE partition = '${table}_legacy'`,
    );
    expect(listed).toMatchObject({ lower: null, upper: expect.any(Date) });
  });

  it("keeps the rules on the old rows: one key, one PSP event id, append-only audit", async () => {
    const again = await client.query(
      `INSERT INTO idempotency_records (id, merchant_id, mode, key_kind, key, operation, request_hash, status,
                                        locked_until, expires_at)
       VALUES ('idem_upgrade_2', 'mer_upgrade', 'TEST', 'SECRET', 'key-upgrade', 'createPayment', repeat('a', 64),
               'IN_PROGRESS', now(), now() + interval '1 day')`,
    );
    expect(again.rowCount).toBe(0);
    const event = await client.query(
      `INSERT INTO psp_webhook_events (psp_name, event_id, event_type, payload)
       VALUES ('sandbox', 'evt_upgrade', 'charge.succeeded', '{}')`,
    );
    expect(event.rowCount).toBe(0);
    await expect(client.query("UPDATE payment_events SET type = 'rewritten'")).rejects.toThrow(
      "payment_events is append-only: UPDATE rejected",
    );
    await expect(client.query("TRUNCATE payment_events_legacy")).rejects.toThrow(
      "payment_events is append-only: TRUNCATE rejected",
    );
  });

  it("claims the old webhook events' and deliveries' ids, so references to them still hold and cascade", async () => {
    const claims = await one<{ events: string; deliveries: string }>(
      `SELECT (SELECT count(*)::text FROM webhook_event_ids) AS events,
              (SELECT count(*)::text FROM webhook_delivery_ids) AS deliveries`,
    );
    expect(claims).toEqual({ events: "1", deliveries: "1" });
    await client.query("BEGIN");
    try {
      await client.query("DELETE FROM webhook_events WHERE object_id = 'pay_upgrade'");
      const left = await one<{ n: string }>(
        `SELECT ((SELECT count(*) FROM webhook_deliveries) + (SELECT count(*) FROM webhook_delivery_attempts)
                 + (SELECT count(*) FROM webhook_delivery_ids))::text AS n`,
      );
      expect(left.n).toBe("0");
    } finally {
      await client.query("ROLLBACK");
    }
  });

  it("sends new rows to the new partitions, with one webhook event per outbox row", async () => {
    const row = await one<{ partition: string }>(
      `INSERT INTO outbox_messages (merchant_id, mode, topic, aggregate_id, payload, created_at)
       VALUES ('mer_upgrade', 'TEST', 'payment.created', 'pay_upgrade', '{}', now() + interval '3 days')
       RETURNING tableoid::regclass::text AS partition`,
    );
    expect(row.partition).toMatch(/^outbox_messages_p\d{8}$/);
    const events = await one<{ n: string }>("SELECT count(*)::text AS n FROM webhook_events");
    expect(events.n).toBe("2");
  });
});

describe("the ledger in month partitions on a database with entries", () => {
  /** A balanced entry of `amount` with its lines, in one transaction; `lineCreatedAt` overrides the lines' time. */
  async function post(
    id: string,
    options: { createdAt?: string; lineCreatedAt?: string; sourceKey?: string } = {},
  ) {
    await client.query("BEGIN");
    try {
      await client.query(
        `INSERT INTO journal_entries (id, merchant_id, mode, kind, currency, created_at, source_event_key)
         VALUES ($1, 'mer_upgrade', 'TEST', 'balance.adjusted', 'EUR', COALESCE($2::timestamptz, now()), $3)`,
        [id, options.createdAt ?? null, options.sourceKey ?? null],
      );
      await client.query(
        `INSERT INTO ledger_lines (journal_entry_id, account_id, direction, amount_minor, currency, created_at)
         SELECT $1, a, d::"EntryDirection", 250, 'EUR', COALESCE($2::timestamptz, $3::timestamptz, now())
           FROM (VALUES ('la_upgrade_receivable', 'DEBIT'), ('la_upgrade_pending', 'CREDIT')) v(a, d)`,
        [id, options.lineCreatedAt ?? null, options.createdAt ?? null],
      );
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    }
  }

  it("keeps every account's balance and claims the old entries' ids", async () => {
    expect(await balances()).toEqual(balancesBefore);
    const claims = await one<{ n: string }>("SELECT count(*)::text AS n FROM journal_entry_ids");
    expect(claims.n).toBe("2");
  });

  it("puts a new entry and its lines in one month's partition, and tracks its pending credit", async () => {
    // The old table covers everything up to the end of the migration's month; next month has its own partition.
    const now = new Date();
    const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 3));
    await post("je_upgrade_new", { createdAt: nextMonth.toISOString() });
    const placed = await client.query<{ partition: string }>(
      `SELECT tableoid::regclass::text AS partition FROM journal_entries WHERE id = 'je_upgrade_new'
       UNION ALL SELECT tableoid::regclass::text FROM ledger_lines WHERE journal_entry_id = 'je_upgrade_new'`,
    );
    const month = nextMonth.toISOString().slice(0, 7).replace("-", "");
    expect(placed.rows.map((r) => r.partition)).toEqual([
      `journal_entries_p${month}`,
      `ledger_lines_p${month}`,
      `ledger_lines_p${month}`,
    ]);
    const pending = await one<{ amount: string }>(
      "SELECT amount_minor::text AS amount FROM pending_releases WHERE journal_entry_id = 'je_upgrade_new'",
    );
    expect(pending.amount).toBe("250");
  });

  it("refuses a line dated otherwise than its entry, an unbalanced entry, and a taken id or source key", async () => {
    const nextMonth = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 1, 2));
    await expect(post("je_upgrade_misdated", { lineCreatedAt: nextMonth.toISOString() })).rejects.toThrow(
      "a line carries its entry's created_at",
    );
    // The legacy entry's id again, in another month's partition: its claim is taken.
    await expect(post("je_upgrade_1")).rejects.toMatchObject({ code: "23505" });
    await expect(post("je_upgrade_key", { sourceKey: "upgrade:event:1" })).rejects.toMatchObject({
      code: "23505",
    });
    await client.query("BEGIN");
    try {
      await client.query(
        `INSERT INTO journal_entries (id, merchant_id, mode, kind, currency)
         VALUES ('je_upgrade_unbalanced', 'mer_upgrade', 'TEST', 'balance.adjusted', 'EUR')`,
      );
      await client.query(
        `INSERT INTO ledger_lines (journal_entry_id, account_id, direction, amount_minor, currency)
         VALUES ('je_upgrade_unbalanced', 'la_upgrade_receivable', 'DEBIT', 5, 'EUR'),
                ('je_upgrade_unbalanced', 'la_upgrade_available', 'CREDIT', 4, 'EUR')`,
      );
      await expect(client.query("COMMIT")).rejects.toThrow("does not balance");
    } finally {
      await client.query("ROLLBACK");
    }
    // A line of an old entry added later must balance at once (the statement trigger reads the claim's txid).
    await expect(
      client.query(
        `INSERT INTO ledger_lines (journal_entry_id, account_id, direction, amount_minor, currency, created_at)
         VALUES ('je_upgrade_1', 'la_upgrade_receivable', 'DEBIT', 1, 'EUR', '2026-10-15T10:00:00.000Z')`,
      ),
    ).rejects.toThrow("does not balance");
    const entries = await one<{ n: string }>("SELECT count(*)::text AS n FROM journal_entries");
    expect(entries.n).toBe("3");
  });

  it("keeps the ledger append-only in every partition, and never drops one", async () => {
    await expect(client.query("UPDATE ledger_lines SET amount_minor = 2")).rejects.toThrow(
      "ledger_lines is append-only: UPDATE rejected",
    );
    await expect(client.query("DELETE FROM journal_entries")).rejects.toThrow(
      "journal_entries is append-only: DELETE rejected",
    );
    for (const table of ["journal_entries_legacy", "ledger_lines_legacy", "ledger_lines_default"])
      await expect(client.query(`TRUNCATE ${table}`)).rejects.toThrow("is append-only: TRUNCATE rejected");
    // A line inserted into a partition directly would skip the parent's statement checks: refused, in the old
    // partition, the default one and those the worker creates.
    const [{ partition: created } = { partition: "" }] = (
      await client.query<{ partition: string }>(
        `SELECT partition FROM time_partitions WHERE parent = 'ledger_lines' AND lower_bound IS NOT NULL LIMIT 1`,
      )
    ).rows;
    for (const table of ["ledger_lines_legacy", "ledger_lines_default", created])
      await expect(
        client.query(
          `INSERT INTO ${table} (journal_entry_id, account_id, direction, amount_minor, currency, created_at)
           VALUES ('je_upgrade_1', 'la_upgrade_receivable', 'DEBIT', 1, 'EUR', '2026-10-15T10:00:00.000Z')`,
        ),
      ).rejects.toThrow("insert into ledger_lines, not its partition");
    await expect(
      client.query(
        `SELECT time_partition_drop_if_expired('journal_entries_legacy', now() + interval '100 years', '1 day')`,
      ),
    ).rejects.toThrow("kept for ever");
  });

  it("creates months ahead past the adopted old table, which already covers the current month", async () => {
    const created = await one<{ n: number }>(
      `SELECT time_partitions_ensure('ledger_lines', 'month', now() - interval '1 month', now() + interval '4 months') AS n`,
    );
    expect(created.n).toBeGreaterThan(0);
  });

  it("seals old and new entries into a hash chain that verifies", async () => {
    const pool = createPool({ url: withDatabase(prepared?.adminUrl ?? "", name ?? ""), max: 1 });
    try {
      const chains = new ChainRepository(new Sql(pool));
      // A row is sealable once every transaction older than it has ended, on the whole server (other test
      // databases' included): pass again until all three are sealed, for at most SEAL_WAIT_MS.
      const deadline = Date.now() + SEAL_WAIT_MS;
      let sealed = 0;
      while (sealed < 3 && Date.now() < deadline) {
        sealed += (await chains.sealBatch("journal", 100)).sealed;
        if (sealed < 3) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const verification = await chains.verify("journal");
      expect(verification).toMatchObject({ ok: true, sealedCount: 3n });
    } finally {
      await pool.end();
    }
  });
});

describe("reconciliation items in month partitions on a database with items", () => {
  const nextMonth = () => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 1, 4));
  const insertItem = (values: string) =>
    client.query(
      `INSERT INTO recon_items (id, psp, category, status, rule, line_key, currency, gross_minor, fee_minor,
                                net_minor, expected_id, created_at)
       VALUES ${values} RETURNING tableoid::regclass::text AS partition`,
      [nextMonth().toISOString()],
    );

  it("claims what the old items held", async () => {
    const claims = await client.query<{ kind: string; key: string; item_id: string }>(
      "SELECT kind, key, item_id FROM recon_item_claims ORDER BY kind, key",
    );
    expect(claims.rows).toEqual([
      { kind: "line", key: "upgrade-line-1", item_id: "ri_upgrade_line" },
      { kind: "missing", key: "je_upgrade_2", item_id: "ri_upgrade_missing" },
      { kind: "settled", key: "je_upgrade_1", item_id: "ri_upgrade_line" },
      { kind: "shadow", key: "att_upgrade", item_id: "ri_upgrade_shadow" },
    ]);
  });

  it.each([
    [
      "the same line",
      "('ri_new_1', 'adyen', 'MISSING_INTERNAL', 'OPEN', 'operator', 'upgrade-line-1', 'EUR', 1000, 20, 980, NULL, $1)",
    ],
    [
      "a second settling line",
      "('ri_new_2', 'adyen', 'MATCHED', 'CLOSED', 'settled.matched', 'upgrade-line-2', 'EUR', 1000, 20, 980, 'je_upgrade_1', $1)",
    ],
    [
      "a second open missing item",
      "('ri_new_3', 'adyen', 'MISSING_EXTERNAL', 'OPEN', 'operator', NULL, 'EUR', NULL, NULL, NULL, 'je_upgrade_2', $1)",
    ],
    [
      "a second open shadow item",
      "('ri_new_4', 'adyen', 'STATUS_MISMATCH', 'OPEN', 'shadow.psp_says_failed', NULL, 'EUR', NULL, NULL, NULL, 'att_upgrade', $1)",
    ],
  ])("refuses %s in next month's partition", async (_rule, values) => {
    await expect(insertItem(values)).rejects.toMatchObject({
      code: "23505",
      constraint: "recon_item_claims_pkey",
    });
  });

  it("puts a new item in next month's partition and guards the old one as before", async () => {
    const placed = await insertItem(
      "('ri_new_5', 'adyen', 'MISSING_INTERNAL', 'OPEN', 'operator', 'upgrade-line-3', 'EUR', 1000, 20, 980, NULL, $1)",
    );
    const month = nextMonth().toISOString().slice(0, 7).replace("-", "");
    expect(placed.rows[0]).toEqual({ partition: `recon_items_p${month}` });
    await expect(
      client.query("UPDATE recon_items SET status = 'RESOLVED' WHERE id = 'ri_upgrade_line'"),
    ).rejects.toThrow("illegal reconciliation item transition CLOSED -> RESOLVED");
    await expect(client.query("TRUNCATE recon_items_legacy")).rejects.toThrow("TRUNCATE rejected");
    await expect(
      client.query(
        "UPDATE recon_items_legacy SET resolution_note = 'direct' WHERE id = 'ri_upgrade_missing'",
      ),
    ).rejects.toThrow("update on recon_items, not its partition recon_items_legacy");
    // Closing the old missing item frees its claim.
    await client.query("UPDATE recon_items SET status = 'CLOSED' WHERE id = 'ri_upgrade_missing'");
    const missing = await one<{ n: string }>(
      "SELECT count(*)::text AS n FROM recon_item_claims WHERE kind = 'missing'",
    );
    expect(missing.n).toBe("0");
  });
});
