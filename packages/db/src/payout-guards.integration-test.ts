// Proves the database enforces the payout state machine (the same edges as the core's table), an immutable
// identity, amount and destination, no deletion, an append-only audit trail, and one posting per source-event key,
// whatever code writes to it.
import { randomBytes } from "node:crypto";
import {
  PAYOUT_STATUSES,
  type PayoutStatus,
  payoutTransitionEdges,
} from "@paycore/core/payouts/payout-state-machine";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, prepareTemplateDatabase } from "./testing/test-database";

const CHECK_VIOLATION = "23514";
const INSUFFICIENT_PRIVILEGE = "42501";
const UNIQUE_VIOLATION = "23505";

let prepared: Awaited<ReturnType<typeof prepareTemplateDatabase>> | undefined;
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let client: pg.Client;

const merchantId = `mer_${randomBytes(6).toString("hex")}`;
const bankAccountId = `ba_${randomBytes(6).toString("hex")}`;

function uid(prefix: string): string {
  return `${prefix}_${randomBytes(8).toString("hex")}`;
}

async function failure(sql: string, params: unknown[] = []): Promise<pg.DatabaseError> {
  try {
    await client.query(sql, params);
  } catch (error) {
    expect(error).toBeInstanceOf(pg.DatabaseError);
    return error as pg.DatabaseError;
  }
  throw new Error(`expected the statement to fail: ${sql}`);
}

async function insertPayout(status: PayoutStatus): Promise<string> {
  const id = uid("po");
  await client.query(
    `INSERT INTO payouts (id, merchant_id, mode, currency, amount_minor, bank_account_id, status, method)
     VALUES ($1, $2, 'TEST', 'EUR', 500, $3, $4::"PayoutStatus", 'MANUAL')`,
    [id, merchantId, bankAccountId, status],
  );
  return id;
}

beforeAll(async () => {
  prepared = await prepareTemplateDatabase();
  database = await createTestDatabase(prepared.adminUrl, prepared.templateName);
  client = new pg.Client({ connectionString: database.url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  await client.query("INSERT INTO merchants (id, name) VALUES ($1, 'Payout guards merchant')", [merchantId]);
  await client.query(
    `INSERT INTO bank_accounts (id, merchant_id, mode, rail, country, currency, holder_name, bank_name, last4,
       number_ciphertext, number_nonce, number_auth_tag, number_key_version, status)
     VALUES ($1, $2, 'TEST', 'SEPA', 'DE', 'EUR', 'Holder', 'Bank', '3000', '\\x00'::bytea, '\\x00'::bytea,
             '\\x00'::bytea, 1, 'VERIFIED')`,
    [bankAccountId, merchantId],
  );
});

afterAll(async () => {
  await client?.end();
  await database?.drop();
  await prepared?.stop();
});

describe("payout_status_transitions", () => {
  it("holds exactly the core's edges, and the enum exactly the core's statuses", async () => {
    const rows = await client.query<{ pair: string }>(
      `SELECT from_status::text || '>' || to_status::text AS pair FROM payout_status_transitions`,
    );
    const core = payoutTransitionEdges().map(([from, to]) => `${from}>${to}`);
    expect(rows.rows.map((row) => row.pair).sort()).toEqual(core.sort());
    const statuses = await client.query<{ value: string }>(
      `SELECT unnest(enum_range(NULL::"PayoutStatus"))::text AS value`,
    );
    expect(statuses.rows.map((row) => row.value)).toEqual([...PAYOUT_STATUSES]);
  });

  const edges = new Set(payoutTransitionEdges().map(([from, to]) => `${from}>${to}`));
  const pairs = PAYOUT_STATUSES.flatMap((from) =>
    PAYOUT_STATUSES.filter((to) => to !== from).map((to) => [from, to] as const),
  );
  it.each(pairs)("the trigger allows %s -> %s exactly when the core does", async (from, to) => {
    const id = await insertPayout(from);
    const update = `UPDATE payouts SET status = $2::"PayoutStatus", version = version + 1 WHERE id = $1`;
    if (edges.has(`${from}>${to}`)) await client.query(update, [id, to]);
    else expect((await failure(update, [id, to])).code).toBe(CHECK_VIOLATION);
  });
});

describe("payout rows", () => {
  it("refuse an update that does not advance the version, a changed amount, and deletion", async () => {
    const id = await insertPayout("PENDING");
    expect((await failure(`UPDATE payouts SET status = 'IN_TRANSIT' WHERE id = $1`, [id])).code).toBe(
      CHECK_VIOLATION,
    );
    expect(
      (await failure(`UPDATE payouts SET amount_minor = 1, version = version + 1 WHERE id = $1`, [id])).code,
    ).toBe(CHECK_VIOLATION);
    expect((await failure(`DELETE FROM payouts WHERE id = $1`, [id])).code).toBe(INSUFFICIENT_PRIVILEGE);
  });

  it("keep the audit trail append-only", async () => {
    const id = await insertPayout("PENDING");
    await client.query(
      `INSERT INTO payout_events (payout_id, merchant_id, type, new_status, source)
       VALUES ($1, $2, 'payout.created', 'PENDING', 'API')`,
      [id, merchantId],
    );
    expect((await failure(`DELETE FROM payout_events WHERE payout_id = $1`, [id])).code).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
  });

  it("post one journal entry per source-event key", async () => {
    const insert = `INSERT INTO journal_entries (id, merchant_id, mode, kind, currency, source_event_key)
                    VALUES ($1, $2, 'TEST', 'test.key', 'EUR', 'bank:evt_same')`;
    await client.query("BEGIN");
    await client.query(insert, [uid("je"), merchantId]);
    expect((await failure(insert, [uid("je"), merchantId])).code).toBe(UNIQUE_VIOLATION);
    await client.query("ROLLBACK");
  });
});
