// Goal: the time-partition migrations upgrade a database that already holds rows, not only a fresh one. The
// migrations before them run on an empty database, rows go into every table they partition, then the partition
// migrations run: each old table becomes its parent's first partition with its rows in place, still guarded
// (append-only, one key per merchant and kind, one event id per PSP), and new rows land in the new partitions.
import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, dropDatabase, findRepoRoot, withDatabase } from "./database-url";
import { prepareTemplateDatabase } from "./testing/test-database";

const FIRST_PARTITION_MIGRATION = "20261209160000_time_partitions_idempotency";

let prepared: Awaited<ReturnType<typeof prepareTemplateDatabase>> | undefined;
let name: string | undefined;
let client: pg.Client;

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
            'COMPLETED', now(), now() + interval '1 day', now() - interval '1 hour');`);
  // The partition migrations (20261209160000, …160100, 20261210070100 for the webhook tables) and those
  // between them, in order.
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
