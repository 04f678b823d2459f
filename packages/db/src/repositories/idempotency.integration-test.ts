// Goal: every write to an idempotency record names its day partition. idempotency_records is partitioned by
// creation time; a write that finds the record by id alone (or by a creation time read in a subquery) opens and
// locks every day partition and its indexes, and past a backend's 16 fast-path slots each further lock goes
// through the shared lock manager (issue 23). Each statement here runs more times than Postgres plans a prepared
// statement for its values before it considers a generic plan, and the relations it locked are counted from a
// second connection before its transaction ends: one partition of idempotency_records each time.

import { randomBytes } from "node:crypto";
import { type IdempotencyRecordId, type MerchantId, newId } from "@paycore/core/ids/ids";
import type { IdempotencyRecordRef, IdempotencyScope } from "@paycore/core/ports/idempotency-store";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, Sql, statement } from "../sql";
import { createTestDatabase, prepareTemplateDatabase } from "../testing/test-database";
import { PostgresIdempotencyStore } from "./idempotency.repository";
import {
  type ChangeParameter,
  completeIdempotencyText,
  LINK_IDEMPOTENCY,
  paymentChangeStatement,
} from "./payment-sql";

let prepared: Awaited<ReturnType<typeof prepareTemplateDatabase>> | undefined;
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let pool: ReturnType<typeof createPool> | undefined;
let sql: Sql;
let store: PostgresIdempotencyStore;
let merchantId: MerchantId;

/** More than the five custom plans Postgres makes of a prepared statement before it weighs a generic one. */
const RUNS = 8;
const HOUR_MS = 60 * 60 * 1000;

beforeAll(async () => {
  prepared = await prepareTemplateDatabase();
  database = await createTestDatabase(prepared.adminUrl, prepared.templateName);
  pool = createPool({ url: database.url, max: 4 });
  sql = new Sql(pool);
  store = new PostgresIdempotencyStore(sql);
  merchantId = newId("merchant") as MerchantId;
  await sql.query("INSERT INTO merchants (id, name) VALUES ($1, 'Idempotency partitions')", [merchantId]);
});
afterAll(async () => {
  await pool?.end();
  await database?.drop();
  await prepared?.stop();
});

function scopeOf(key: string): IdempotencyScope {
  return { merchantId, mode: "TEST", keyKind: "SECRET", key };
}

/** A new IN_PROGRESS record, through the store, created at `createdAt`. */
async function newRecord(createdAt: Date, lockedUntil = new Date(createdAt.getTime() + 30_000)) {
  const record: IdempotencyRecordRef = { id: newId("idempotencyRecord"), createdAt };
  const scope = scopeOf(`key_${randomBytes(8).toString("hex")}`);
  const inserted = await store.insertOrGet({
    ...record,
    scope,
    operation: "createPayment",
    requestHash: "a".repeat(64),
    lockedUntil,
    expiresAt: new Date(createdAt.getTime() + 24 * HOUR_MS),
  });
  expect(inserted).toEqual({ inserted: true });
  return { record, scope, lockedUntil };
}

interface Locked {
  /** Partitions of idempotency_records (tables), by name. */
  partitions: string[];
  /** Every relation of the schema the transaction held a lock on. */
  relations: number;
}

/**
 * Runs `write` RUNS times, each in its own transaction on one connection (so its prepared statements' plan cache
 * carries over), and returns what the last run held locked just before its ROLLBACK, read from another
 * connection. The write must succeed: a statement that raises releases its locks with its transaction.
 */
async function lockedBy(write: (client: pg.PoolClient) => Promise<unknown>): Promise<Locked> {
  const client = await (pool as pg.Pool).connect();
  try {
    const [{ pid } = { pid: 0 }] = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid"))
      .rows;
    let locked: Locked = { partitions: [], relations: 0 };
    for (let run = 0; run < RUNS; run++) {
      await client.query("BEGIN");
      try {
        await write(client);
        const rows = await sql.query<{ name: string; kind: string }>(
          `SELECT DISTINCT c.relname AS name, c.relkind::text AS kind
             FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
            WHERE l.pid = $1 AND l.locktype = 'relation' AND c.relnamespace = current_schema()::regnamespace`,
          [pid],
        );
        locked = {
          partitions: rows
            .filter((row) => row.kind === "r" && row.name.startsWith("idempotency_records"))
            .map((row) => row.name),
          relations: rows.length,
        };
      } finally {
        await client.query("ROLLBACK");
      }
    }
    return locked;
  } finally {
    client.release();
  }
}

/** The store's statements on `client` (so they run inside the transaction `lockedBy` opened). */
function storeOn(client: pg.PoolClient): PostgresIdempotencyStore {
  return new PostgresIdempotencyStore(
    new Sql({ query: (config: pg.QueryConfig) => client.query(config) } as unknown as pg.Pool),
  );
}

/** The day partition a record created at `at` lives in. */
function partitionOf(at: Date): string {
  return `idempotency_records_p${at.toISOString().slice(0, 10).replaceAll("-", "")}`;
}

describe("idempotency records on their day partitions", () => {
  it("reads a record back with its creation time, the partition key every later write names", async () => {
    const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 123);
    const { record, scope } = await newRecord(createdAt);
    const found = await store.find(scope);
    expect(found).toMatchObject({ id: record.id, status: "IN_PROGRESS" });
    expect(found?.createdAt.getTime()).toBe(createdAt.getTime());
    const [row] = await sql.query<{ partition: string }>(
      "SELECT tableoid::regclass::text AS partition FROM idempotency_records WHERE id = $1",
      [record.id],
    );
    expect(row?.partition).toBe(partitionOf(createdAt));
  });

  it("completes, takes over and releases a record by id and creation time, and misses it at another time", async () => {
    const { record, scope, lockedUntil } = await newRecord(new Date());
    const elsewhere = { id: record.id, createdAt: new Date(record.createdAt.getTime() - HOUR_MS) };
    await expect(store.complete(elsewhere, { ok: true })).rejects.toThrow(/not found/);
    expect(await store.takeOver(elsewhere, new Date(), new Date(lockedUntil.getTime() + 1))).toBe(false);
    await store.release(elsewhere, lockedUntil);
    expect((await store.find(scope))?.id).toBe(record.id);

    const later = new Date(lockedUntil.getTime() + 60_000);
    expect(await store.takeOver(record, later, new Date(lockedUntil.getTime() + 1))).toBe(true);
    await store.release(record, later);
    expect(await store.find(scope)).toBeNull();

    const completed = await newRecord(new Date());
    await store.complete(completed.record, { ok: true });
    expect(await store.find(completed.scope)).toMatchObject({ status: "COMPLETED", response: { ok: true } });
  });

  it.each([
    ["complete", (s: PostgresIdempotencyStore, r: IdempotencyRecordRef) => s.complete(r, { ok: true })],
    [
      "take over",
      (s: PostgresIdempotencyStore, r: IdempotencyRecordRef) =>
        s.takeOver(r, new Date(Date.now() + HOUR_MS), new Date(Date.now() + 2 * HOUR_MS)),
    ],
    [
      "release",
      (s: PostgresIdempotencyStore, r: IdempotencyRecordRef) => s.release(r, new Date(Date.now() + 30_000)),
    ],
  ])("the store's %s locks one partition", async (_name, write) => {
    const { record } = await newRecord(new Date());
    const locked = await lockedBy((client) => write(storeOn(client), record));
    expect(locked.partitions).toEqual([partitionOf(record.createdAt)]);
  });

  it("the payment path's link, claim and completion lock one partition", async () => {
    const { record } = await newRecord(new Date());
    const link = await lockedBy((client) =>
      client.query(statement(LINK_IDEMPOTENCY, [record.id, "pay_x", '{"ok":true}', record.createdAt])),
    );
    expect(link.partitions).toEqual([partitionOf(record.createdAt)]);

    const completion = await lockedBy((client) =>
      client.query(completeIdempotencyText(record.id, record.createdAt, '{"ok":true}')),
    );
    expect(completion.partitions).toEqual([partitionOf(record.createdAt)]);

    // A payment change that claims the record and completes it in the same statement, as a capture does.
    const paymentId = newId("payment");
    await sql.query(
      `INSERT INTO payments (id, merchant_id, mode, amount_minor, currency, capture_method)
       VALUES ($1, $2, 'TEST', 1500, 'USD', 'MANUAL')`,
      [paymentId, merchantId],
    );
    const change = paymentChangeStatement({
      patch: ["pspReference"],
      link: true,
      claim: true,
      refundInsert: false,
      attemptInsert: false,
      attemptSettlement: false,
      refundSettlement: false,
      events: false,
      journal: false,
      outbox: false,
      returnRefund: false,
      operatorAudit: false,
      fxConversion: false,
    });
    const claimed = await newRecord(new Date());
    const values: Partial<Record<ChangeParameter, unknown>> = {
      paymentId,
      merchantId,
      mode: "TEST",
      expectedVersion: 1,
      expectedStatus: "PENDING",
      patch: '{"pspReference":"psp_ref_partitions"}',
      linkRecord: claimed.record.id,
      linkCreatedAt: claimed.record.createdAt,
      linkResource: paymentId,
      claimLockedUntil: claimed.lockedUntil,
      response: '{"ok":true}',
    };
    const claim = await lockedBy(async (client) => {
      const { rows } = await client.query(
        statement(
          change.text,
          change.parameters.map((name) => values[name] ?? null),
        ),
      );
      expect(rows[0]).toMatchObject({ id: paymentId, pspReference: "psp_ref_partitions" });
    });
    expect(claim.partitions).toEqual([partitionOf(claimed.record.createdAt)]);
  });

  it("(the measure) by id with the creation time read in a subquery, the same update locks every partition", async () => {
    const { record } = await newRecord(new Date());
    const bySubquery = `UPDATE idempotency_records SET status = 'COMPLETED'
       WHERE id = $1 AND created_at = (SELECT record_created_at FROM idempotency_keys WHERE record_id = $1)`;
    const before = await lockedBy((client) => client.query(statement(bySubquery, [record.id])));
    const [{ count } = { count: 0n }] = await sql.query<{ count: bigint }>(
      `SELECT count(*) AS count FROM pg_inherits WHERE inhparent = 'idempotency_records'::regclass`,
    );
    expect(before.partitions.length).toBe(Number(count));
    const after = await lockedBy((client) =>
      storeOn(client).complete(
        { id: record.id as IdempotencyRecordId, createdAt: record.createdAt },
        { ok: true },
      ),
    );
    expect(after.relations).toBeLessThan(before.relations);
    console.info(
      `relations locked by a completion: ${before.relations} by id with a subquery, ${after.relations} by id and creation time`,
    );
  });
});
