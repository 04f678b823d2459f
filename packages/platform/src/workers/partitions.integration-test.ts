// Goal: the partition worker keeps the time-partitioned tables partitioned ahead (rows land in their day's
// partition), drops a partition only once every row in it is past retention, the one idempotency key per
// merchant, mode and key kind holds across day partitions (before and after a drop), and rows that fall into a
// default partition make the worker unhealthy. Real Postgres, a fresh clone of the migrated template per test.
import type { IdempotencyRecordId, MerchantId } from "@paycore/core/ids/ids";
import type { IdempotencyScope } from "@paycore/core/ports/idempotency-store";
import { PostgresIdempotencyStore } from "@paycore/db/repositories/idempotency.repository";
import { PARTITIONED_TABLES, PartitionRepository } from "@paycore/db/repositories/partition.repository";
import { createPool, Sql } from "@paycore/db/sql";
import type pg from "pg";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestDatabase } from "../testing/test-runtime";
import { partitionMaintenanceJob } from "./partitions";
import { Worker } from "./worker";

const DAY_MS = 24 * 60 * 60_000;
const log = pino({ level: "silent" });

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let pool: pg.Pool;
let sql: Sql;
let partitions: PartitionRepository;

beforeEach(async () => {
  database = await openTestDatabase(undefined);
  pool = createPool({ url: database.url, max: 4 });
  sql = new Sql(pool);
  partitions = new PartitionRepository(sql);
});

afterEach(async () => {
  await pool.end();
  await database.drop();
});

/** A job whose clock reads `now` plus the given offset. */
function jobAt(offsetMs: number, daysAhead = 14) {
  return partitionMaintenanceJob({ partitions, log, daysAhead, now: () => new Date(Date.now() + offsetMs) });
}

/** The partition's name for a creation time: <table>_pYYYYMMDD in UTC. */
function dayPartition(table: string, at: Date): string {
  return `${table}_p${at.toISOString().slice(0, 10).replaceAll("-", "")}`;
}

let serial = 0;
/** Inserts an idempotency record as the code does (the insert trigger claims its key); returns rows inserted. */
async function insertRecord(
  key: string,
  createdAt: Date,
  expiresAt: Date,
): Promise<{ id: string; rows: number }> {
  serial += 1;
  const id = `idem_test${Date.now()}${serial}`;
  const rows = await sql.execute(
    `INSERT INTO idempotency_records (id, merchant_id, mode, key_kind, key, operation, request_hash, status,
                                      locked_until, expires_at, created_at)
     VALUES ($1, 'mer_partitions', 'TEST', 'SECRET', $2, 'createPayment', $3, 'COMPLETED', now(),
             $4::timestamptz, $5::timestamptz)`,
    [id, key, "a".repeat(64), expiresAt, createdAt],
  );
  return { id, rows };
}

async function partitionOf(id: string): Promise<string | undefined> {
  const [row] = await sql.query<{ partition: string }>(
    "SELECT tableoid::regclass::text AS partition FROM idempotency_records WHERE id = $1",
    [id],
  );
  return row?.partition;
}

async function partitionNames(table: string): Promise<string[]> {
  const rows = await partitions.list();
  return rows.filter((row) => row.parent === table).map((row) => row.partition);
}

describe("partition maintenance", () => {
  it("creates the partitions ahead once, and rows land in their day's partition", async () => {
    const offsetMs = 30 * DAY_MS;
    const first = await jobAt(offsetMs).pass();
    expect(first.done).toBeGreaterThan(0);
    const names = await partitionNames("idempotency_records");
    for (let day = -1; day <= 14; day += 1)
      expect(names).toContain(
        dayPartition("idempotency_records", new Date(Date.now() + offsetMs + day * DAY_MS)),
      );
    // Everything it needs exists: a second pass at the same time creates nothing (and the old days, empty, went).
    expect((await jobAt(offsetMs).pass()).done).toBe(0);

    const createdAt = new Date(Date.now() + offsetMs + 10 * DAY_MS);
    const record = await insertRecord("key-routed", createdAt, new Date(createdAt.getTime() + DAY_MS));
    expect(record.rows).toBe(1);
    expect(await partitionOf(record.id)).toBe(dayPartition("idempotency_records", createdAt));
    // Every partitioned table is in the status listing, with its default partition.
    const listed = await partitions.list();
    for (const table of PARTITIONED_TABLES)
      expect(listed.some((row) => row.parent === table.table && row.isDefault)).toBe(true);
  });

  it("keeps one key per merchant, mode and key kind across day partitions, and drops a day only once all of it expired", async () => {
    const now = Date.now();
    const yesterday = new Date(now - DAY_MS);
    const expired = await insertRecord("key-expired", yesterday, new Date(now - 60_000));
    const live = await insertRecord("key-live", yesterday, new Date(now + DAY_MS));
    expect([expired.rows, live.rows]).toEqual([1, 1]);
    const yesterdayPartition = dayPartition("idempotency_records", yesterday);
    expect(await partitionOf(live.id)).toBe(yesterdayPartition);

    // The same key in today's and in the day after tomorrow's partition: refused (nothing written).
    expect((await insertRecord("key-live", new Date(now), new Date(now + DAY_MS))).rows).toBe(0);
    expect(
      (await insertRecord("key-live", new Date(now + 2 * DAY_MS), new Date(now + 3 * DAY_MS))).rows,
    ).toBe(0);
    const store = new PostgresIdempotencyStore(sql);
    const scope: IdempotencyScope = {
      merchantId: "mer_partitions" as MerchantId,
      mode: "TEST",
      keyKind: "SECRET",
      key: "key-live",
    };
    const claimed = await store.insertOrGet({
      id: "idem_partitions_store" as IdempotencyRecordId,
      createdAt: new Date(now),
      scope,
      operation: "createPayment",
      requestHash: "b".repeat(64),
      lockedUntil: new Date(now + 30_000),
      expiresAt: new Date(now + DAY_MS),
    });
    expect(claimed).toMatchObject({ inserted: false, existing: { id: live.id } });

    // Now: yesterday's partition still holds a live record, so it stays.
    await jobAt(0).pass();
    expect(await partitionNames("idempotency_records")).toContain(yesterdayPartition);

    // Two days on, every record of yesterday has expired: the partition goes whole, with its keys.
    await jobAt(2 * DAY_MS).pass();
    expect(await partitionNames("idempotency_records")).not.toContain(yesterdayPartition);
    const [keys] = await sql.query<{ n: bigint }>(
      "SELECT count(*) AS n FROM idempotency_keys WHERE record_id = ANY($1::text[])",
      [[expired.id, live.id]],
    );
    expect(keys?.n).toBe(0n);
    // The key is free again, once, in another day's partition.
    const reused = await insertRecord("key-live", new Date(now + 2 * DAY_MS), new Date(now + 3 * DAY_MS));
    expect(reused.rows).toBe(1);
    expect(
      (await insertRecord("key-live", new Date(now + 3 * DAY_MS), new Date(now + 4 * DAY_MS))).rows,
    ).toBe(0);
    expect(await store.find(scope)).toMatchObject({ id: reused.id });
  });

  it("reports rows in a default partition: logged, in the worker's details, and the worker unhealthy", async () => {
    const farAhead = new Date(Date.now() + 400 * DAY_MS);
    const stray = await insertRecord("key-stray", farAhead, new Date(farAhead.getTime() + DAY_MS));
    expect(await partitionOf(stray.id)).toBe("idempotency_records_default");

    const worker = new Worker(jobAt(0), { log });
    worker.start();
    try {
      for (let poll = 0; poll < 200 && worker.health().lastSuccessAt === null; poll += 1)
        await new Promise((resolve) => setTimeout(resolve, 25));
      const health = worker.health();
      expect(health.lastSuccessAt).not.toBeNull();
      expect(health.healthy).toBe(false);
      expect(health.problem).toBe("rows in the default partition of idempotency_records");
      expect(health.details).toMatchObject({ defaultPartitionRows: { idempotency_records: 1 } });
    } finally {
      await worker.stop();
    }
    // A stray row is not lost and nothing is moved silently: it stays readable where it landed.
    expect((await insertRecord("key-stray", new Date(), new Date(Date.now() + DAY_MS))).rows).toBe(0);
  });

  it("keeps one event id per PSP across month partitions", async () => {
    await jobAt(0).pass();
    const insertEvent = (receivedAt: Date) =>
      sql.execute(
        `INSERT INTO psp_webhook_events (psp_name, event_id, event_type, payload, received_at)
         VALUES ('sandbox', 'evt_partitions_1', 'charge.succeeded', '{}', $1::timestamptz)`,
        [receivedAt],
      );
    expect(await insertEvent(new Date())).toBe(1);
    // Next month's partition (created ahead): the same event id again writes nothing.
    const nextMonth = new Date();
    nextMonth.setUTCDate(1);
    nextMonth.setUTCMonth(nextMonth.getUTCMonth() + 1);
    expect(await insertEvent(nextMonth)).toBe(0);
    const [row] = await sql.query<{ n: bigint }>(
      "SELECT count(*) AS n FROM psp_webhook_events WHERE event_id = 'evt_partitions_1'",
    );
    expect(row?.n).toBe(1n);
  });

  it("drops an outbox day 30 days after it ended once all of it is published, not before", async () => {
    const createdAt = new Date(Date.now() - DAY_MS);
    const day = dayPartition("outbox_messages", createdAt);
    const [message] = await sql.query<{ id: bigint }>(
      `INSERT INTO outbox_messages (merchant_id, mode, topic, aggregate_id, payload, created_at)
       VALUES ('mer_partitions', 'TEST', 'test.partitions', 'x', '{}', $1::timestamptz) RETURNING id`,
      [createdAt],
    );
    // 40 days on but unpublished: kept for the relay.
    await jobAt(40 * DAY_MS).pass();
    expect(await partitionNames("outbox_messages")).toContain(day);
    await sql.execute("UPDATE outbox_messages SET published_at = now() WHERE id = $1", [message?.id]);
    // Published, 29 days on: within retention.
    await jobAt(29 * DAY_MS).pass();
    expect(await partitionNames("outbox_messages")).toContain(day);
    await jobAt(40 * DAY_MS).pass();
    expect(await partitionNames("outbox_messages")).not.toContain(day);
  });

  it("partitions webhook events and deliveries by month: ids unique across months, the purge's cascade, a month dropped once none of it is pending", async () => {
    await sql.execute(`INSERT INTO merchants (id, name) VALUES ('mer_partitions', 'Partitions')`);
    await sql.execute(
      `INSERT INTO payments (id, merchant_id, mode, amount_minor, currency, capture_method)
       VALUES ('pay_partitions', 'mer_partitions', 'TEST', 1000, 'EUR', 'AUTOMATIC')`,
    );
    await sql.execute(
      `INSERT INTO webhook_endpoints (id, merchant_id, mode, url, enabled_events)
       VALUES ('we_partitions', 'mer_partitions', 'TEST', 'https://merchant.example/hooks', '{*}')`,
    );
    // Two outbox messages of a known type: the outbox trigger writes an event and a delivery for each.
    for (const topic of ["payment.created", "payment.captured"])
      await sql.execute(
        `INSERT INTO outbox_messages (merchant_id, mode, topic, aggregate_id, payload)
         VALUES ('mer_partitions', 'TEST', $1, 'pay_partitions', '{}')`,
        [topic],
      );
    await sql.execute(
      `INSERT INTO webhook_delivery_attempts (delivery_id, attempted_at, latency_ms)
       SELECT id, now(), 5 FROM webhook_deliveries`,
    );
    const month = `_p${new Date().toISOString().slice(0, 7).replace("-", "")}`;
    const [placed] = await sql.query<{ event: string; delivery: string }>(
      `SELECT (SELECT min(tableoid::regclass::text) FROM webhook_events) AS event,
              (SELECT min(tableoid::regclass::text) FROM webhook_deliveries) AS delivery`,
    );
    expect(placed).toEqual({ event: `webhook_events${month}`, delivery: `webhook_deliveries${month}` });

    // An event id (or outbox message) taken in one month is refused in another: the claim table holds it.
    await expect(
      sql.execute(
        `INSERT INTO webhook_events (id, merchant_id, mode, type, object_id, outbox_id, payload, created_at)
         SELECT id, merchant_id, mode, type, object_id, outbox_id + 1000, payload, created_at + interval '40 days'
           FROM webhook_events LIMIT 1`,
      ),
    ).rejects.toThrow("webhook_event_ids_pkey");
    // A delivery of an unknown event is refused, as the foreign key to the events did.
    await expect(
      sql.execute(
        `INSERT INTO webhook_deliveries (id, endpoint_id, event_id) VALUES ('whd_partitions', 'we_partitions', 'evt_none')`,
      ),
    ).rejects.toThrow("webhook_deliveries_event_id_fkey");

    const counts = async () => {
      const [row] = await sql.query<Record<string, number>>(
        `SELECT (SELECT count(*)::int FROM webhook_events) AS events, (SELECT count(*)::int FROM webhook_event_ids) AS "eventIds",
                (SELECT count(*)::int FROM webhook_deliveries) AS deliveries,
                (SELECT count(*)::int FROM webhook_delivery_ids) AS "deliveryIds",
                (SELECT count(*)::int FROM webhook_delivery_attempts) AS attempts`,
      );
      return row;
    };
    expect(await counts()).toEqual({ events: 2, eventIds: 2, deliveries: 2, deliveryIds: 2, attempts: 2 });
    // The purge deletes an event: its delivery and the delivery's attempts go with it, claims included.
    await sql.execute(
      `DELETE FROM webhook_events WHERE outbox_id = (SELECT min(outbox_id) FROM webhook_events)`,
    );
    expect(await counts()).toEqual({ events: 1, eventIds: 1, deliveries: 1, deliveryIds: 1, attempts: 1 });

    // 70 days on the month has ended over 31 days ago, but its delivery is still PENDING: the deliveries' month
    // stays; the events' month goes, and its claim's cascade takes the delivery and its attempt with it.
    const later = 70 * DAY_MS;
    await jobAt(later).pass();
    expect(await partitionNames("webhook_deliveries")).toContain(`webhook_deliveries${month}`);
    expect(await partitionNames("webhook_events")).not.toContain(`webhook_events${month}`);
    expect(await counts()).toEqual({ events: 0, eventIds: 0, deliveries: 0, deliveryIds: 0, attempts: 0 });
    // Now empty, the deliveries' month goes at the next pass.
    await jobAt(later).pass();
    expect(await partitionNames("webhook_deliveries")).not.toContain(`webhook_deliveries${month}`);
  });
});
