// Goal: reconciliation items live in month partitions (migration 20261214020100), and their four unique rules
// still hold across months: one item per PSP line unless a duplicate, one settling line per capture or refund,
// one open MISSING_EXTERNAL item per capture or refund, one open shadow item per attempt and rule. Each test puts
// the first item in last month's partition and tries to break the rule with an item in this month's, by insert
// and by the update that enters the rule's condition, and expects the claim's unique violation. An item's import
// exists at COMMIT, checked once per import (migration 20261215030100).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, prepareTemplateDatabase } from "./testing/test-database";

const UNIQUE_VIOLATION = "23505";
const INSUFFICIENT_PRIVILEGE = "42501";
const CLAIM_CONSTRAINT = "recon_item_claims_pkey";

let prepared: Awaited<ReturnType<typeof prepareTemplateDatabase>> | undefined;
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let client: pg.Client;
/** A moment in last month and one in this month: two partitions of recon_items. */
let lastMonth: Date;
let thisMonth: Date;

const uid = (prefix: string) => `${prefix}_${randomBytes(8).toString("hex")}`;

interface ItemValues {
  category: string;
  status: string;
  rule: string;
  lineKey?: string | null;
  expectedId?: string | null;
  psp?: string;
  createdAt: Date;
}

const INSERT_ITEM = `
INSERT INTO recon_items (id, psp, category, status, rule, line_key, currency, gross_minor, fee_minor, net_minor,
                         expected_id, created_at)
VALUES ($1, $2, $3, $4::"ReconItemStatus", $5, $6, 'EUR', $7, $8, $9, $10, $11)
RETURNING id, tableoid::regclass::text AS partition`;

async function insertItem(
  values: ItemValues,
  on: pg.Client = client,
): Promise<{ id: string; partition: string }> {
  const line = values.lineKey ?? null;
  const result = await on.query<{ id: string; partition: string }>(INSERT_ITEM, [
    uid("ri"),
    values.psp ?? "adyen",
    values.category,
    values.status,
    values.rule,
    line,
    line === null ? null : 1000,
    line === null ? null : 20,
    line === null ? null : 980,
    values.expectedId ?? null,
    values.createdAt,
  ]);
  return result.rows[0] as { id: string; partition: string };
}

/** The pg error a promise fails with (the test fails if it succeeds). */
async function failure(run: Promise<unknown>): Promise<pg.DatabaseError> {
  try {
    await run;
  } catch (error) {
    expect(error).toBeInstanceOf(pg.DatabaseError);
    return error as pg.DatabaseError;
  }
  throw new Error("expected the statement to fail");
}

async function expectClaimTaken(run: Promise<unknown>, kind: string): Promise<void> {
  const error = await failure(run);
  expect(error.code).toBe(UNIQUE_VIOLATION);
  expect(error.constraint).toBe(CLAIM_CONSTRAINT);
  expect(error.detail).toContain(`, ${kind}, `);
}

beforeAll(async () => {
  prepared = await prepareTemplateDatabase();
  database = await createTestDatabase(prepared.adminUrl, prepared.templateName);
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const { rows } = await client.query<{ last_month: Date; this_month: Date }>(
    `SELECT date_trunc('month', now()) - interval '1 month' + interval '1 day' AS last_month, now() AS this_month`,
  );
  lastMonth = rows[0]?.last_month as Date;
  thisMonth = rows[0]?.this_month as Date;
});

afterAll(async () => {
  await client?.end();
  await database?.drop();
  await prepared?.stop();
});

describe("recon_items in month partitions", () => {
  it("puts items of two months in two partitions", async () => {
    const older = await insertItem({
      category: "MISSING_INTERNAL",
      status: "OPEN",
      rule: "operator",
      lineKey: uid("line"),
      createdAt: lastMonth,
    });
    const newer = await insertItem({
      category: "MISSING_INTERNAL",
      status: "OPEN",
      rule: "operator",
      lineKey: uid("line"),
      createdAt: thisMonth,
    });
    expect(older.partition).toMatch(/^recon_items_p\d{6}$/);
    expect(newer.partition).toMatch(/^recon_items_p\d{6}$/);
    expect(older.partition).not.toBe(newer.partition);
  });

  it("records a PSP line once across months, its duplicates apart, and refuses a duplicate turned into a line", async () => {
    const lineKey = uid("line");
    await insertItem({
      category: "MATCHED",
      status: "CLOSED",
      rule: "settled.matched",
      lineKey,
      createdAt: lastMonth,
    });
    await expectClaimTaken(
      insertItem({
        category: "MISSING_INTERNAL",
        status: "OPEN",
        rule: "operator",
        lineKey,
        createdAt: thisMonth,
      }),
      "line",
    );
    // The same key at another PSP is another line.
    await insertItem({
      category: "MISSING_INTERNAL",
      status: "OPEN",
      rule: "operator",
      lineKey,
      psp: "stripe",
      createdAt: thisMonth,
    });
    const duplicate = await insertItem({
      category: "DUPLICATE",
      status: "OPEN",
      rule: "duplicate.line",
      lineKey,
      createdAt: thisMonth,
    });
    await expectClaimTaken(
      client.query("UPDATE recon_items SET category = 'MISSING_INTERNAL' WHERE id = $1", [duplicate.id]),
      "line",
    );
  });

  it("settles a capture by one line across months, also when an update names it", async () => {
    const expectedId = uid("je");
    await insertItem({
      category: "MATCHED",
      status: "CLOSED",
      rule: "settled.matched",
      lineKey: uid("line"),
      expectedId,
      createdAt: lastMonth,
    });
    await expectClaimTaken(
      insertItem({
        category: "AMOUNT_MISMATCH",
        status: "OPEN",
        rule: "operator",
        lineKey: uid("line"),
        expectedId,
        createdAt: thisMonth,
      }),
      "settled",
    );
    // A settled-in-flight line closed onto the capture's entry (closeConfirmed) changes its expected_id.
    const inFlight = await insertItem({
      category: "STATUS_MISMATCH",
      status: "OPEN",
      rule: "settled.confirms_in_flight",
      lineKey: uid("line"),
      expectedId: uid("att"),
      createdAt: thisMonth,
    });
    await expectClaimTaken(
      client.query("UPDATE recon_items SET status = 'CLOSED', expected_id = $2 WHERE id = $1", [
        inFlight.id,
        expectedId,
      ]),
      "settled",
    );
    // Moving to an unsettled capture frees the old claim and takes the new one.
    const other = uid("je");
    await client.query("UPDATE recon_items SET status = 'CLOSED', expected_id = $2 WHERE id = $1", [
      inFlight.id,
      other,
    ]);
    const claims = await client.query<{ key: string }>(
      "SELECT key FROM recon_item_claims WHERE kind = 'settled' AND item_id = $1",
      [inFlight.id],
    );
    expect(claims.rows.map((row) => row.key)).toEqual([other]);
  });

  it("keeps one open MISSING_EXTERNAL item per capture across months, by insert and by reopening", async () => {
    const expectedId = uid("je");
    const open = await insertItem({
      category: "MISSING_EXTERNAL",
      status: "OPEN",
      rule: "operator",
      expectedId,
      createdAt: lastMonth,
    });
    await expectClaimTaken(
      insertItem({
        category: "MISSING_EXTERNAL",
        status: "OPEN",
        rule: "operator",
        expectedId,
        createdAt: thisMonth,
      }),
      "missing",
    );
    const ignored = await insertItem({
      category: "MISSING_EXTERNAL",
      status: "IGNORED",
      rule: "operator",
      expectedId,
      createdAt: thisMonth,
    });
    await expectClaimTaken(
      client.query("UPDATE recon_items SET status = 'OPEN' WHERE id = $1", [ignored.id]),
      "missing",
    );
    // Closing the open one frees the capture: the other may be reopened.
    await client.query("UPDATE recon_items SET status = 'CLOSED' WHERE id = $1", [open.id]);
    await client.query("UPDATE recon_items SET status = 'OPEN' WHERE id = $1", [ignored.id]);
  });

  it("keeps one open shadow item per attempt and rule across months, by insert and by reopening", async () => {
    const attemptId = uid("att");
    const rule = "shadow.psp_says_failed";
    await insertItem({
      category: "STATUS_MISMATCH",
      status: "OPEN",
      rule,
      expectedId: attemptId,
      createdAt: lastMonth,
    });
    await expectClaimTaken(
      insertItem({
        category: "STATUS_MISMATCH",
        status: "OPEN",
        rule,
        expectedId: attemptId,
        createdAt: thisMonth,
      }),
      "shadow",
    );
    // Another rule about the same attempt is another item.
    await insertItem({
      category: "STATUS_MISMATCH",
      status: "OPEN",
      rule: "shadow.psp_says_succeeded",
      expectedId: attemptId,
      createdAt: thisMonth,
    });
    const resolved = await insertItem({
      category: "STATUS_MISMATCH",
      status: "RESOLVED",
      rule,
      expectedId: attemptId,
      createdAt: thisMonth,
    });
    await expectClaimTaken(
      client.query("UPDATE recon_items SET status = 'OPEN' WHERE id = $1", [resolved.id]),
      "shadow",
    );
  });

  it("makes a concurrent claim of the same line wait for the first transaction, then refuses it", async () => {
    const other = new pg.Client({ connectionString: database?.url });
    await other.connect();
    try {
      const lineKey = uid("line");
      await client.query("BEGIN");
      await insertItem({
        category: "MISSING_INTERNAL",
        status: "OPEN",
        rule: "operator",
        lineKey,
        createdAt: lastMonth,
      });
      const second = insertItem(
        { category: "MISSING_INTERNAL", status: "OPEN", rule: "operator", lineKey, createdAt: thisMonth },
        other,
      ).then(
        () => null,
        (error: unknown) => error as pg.DatabaseError,
      );
      // The second insert waits on the first transaction's claim (bounded polling of pg_locks' waiters).
      let waiting = false;
      for (let attempt = 0; attempt < 100 && !waiting; attempt += 1) {
        const { rows } = await client.query<{ n: number }>(
          "SELECT count(*)::integer AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        waiting = (rows[0]?.n ?? 0) > 0;
        if (!waiting) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(waiting).toBe(true);
      await client.query("COMMIT");
      const error = await second;
      expect(error?.code).toBe(UNIQUE_VIOLATION);
      expect(error?.constraint).toBe(CLAIM_CONSTRAINT);
    } finally {
      await other.end();
    }
  });

  it("refuses writes that would skip the claims: a partition named directly, TRUNCATE, DELETE", async () => {
    const { rows } = await client.query<{ partition: string }>(
      "SELECT partition FROM time_partitions WHERE parent = 'recon_items' AND NOT is_default ORDER BY lower_bound DESC LIMIT 1",
    );
    const partition = rows[0]?.partition as string;
    const direct = await failure(
      client.query(
        `INSERT INTO ${partition} (id, psp, category, status, rule, line_key, currency)
         VALUES ('ri_direct', 'adyen', 'MISSING_INTERNAL', 'OPEN', 'operator', 'direct', 'EUR')`,
      ),
    );
    expect(direct.code).toBe(INSUFFICIENT_PRIVILEGE);
    expect((await failure(client.query(`UPDATE ${partition} SET rule = 'operator'`))).code).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
    await failure(client.query(`TRUNCATE ${partition}`));
    await failure(client.query("TRUNCATE recon_items"));
    await failure(client.query("DELETE FROM recon_items"));
  });

  it("refuses to drop a reconciliation partition and to move an item to another month", async () => {
    const { rows } = await client.query<{ partition: string }>(
      "SELECT partition FROM time_partitions WHERE parent = 'recon_items' AND NOT is_default LIMIT 1",
    );
    const drop = await failure(
      client.query(
        "SELECT time_partition_drop_if_expired($1, now() + interval '10 years', interval '1 day')",
        [rows[0]?.partition],
      ),
    );
    expect(drop.code).toBe(INSUFFICIENT_PRIVILEGE);
    const item = await insertItem({
      category: "MISSING_INTERNAL",
      status: "OPEN",
      rule: "operator",
      lineKey: uid("line"),
      createdAt: lastMonth,
    });
    const moved = await failure(
      client.query("UPDATE recon_items SET created_at = $2 WHERE id = $1", [item.id, thisMonth]),
    );
    expect(moved.message).toContain("keeps its id, PSP and creation time");
  });

  it("commits items only with their import, written before or after them in the transaction", async () => {
    const importId = uid("rimp");
    const itemOf = (id: string, inserted: string) =>
      `INSERT INTO recon_items (id, import_id, psp, category, status, rule, line_key, currency)
       VALUES ('${id}', ${inserted}, 'adyen', 'MISSING_INTERNAL', 'OPEN', 'operator', '${uid("line")}', 'EUR')`;
    const insertImport = `INSERT INTO recon_imports (id, psp, file_name, file_sha256, status, imported_by)
       VALUES ('${importId}', 'adyen', 'import.csv', '${"c".repeat(64)}', 'APPLIED', 'test')`;
    const orphan = uid("ri");
    await client.query("BEGIN");
    await client.query(itemOf(orphan, `'${uid("rimp")}'`));
    const refused = await failure(client.query("COMMIT"));
    expect(refused.constraint).toBe("recon_item_imports_import_id_fkey");
    const items = [uid("ri"), uid("ri"), uid("ri")];
    await client.query("BEGIN");
    await client.query(itemOf(items[0] as string, `'${importId}'`));
    await client.query(itemOf(items[1] as string, `'${importId}'`));
    await client.query(insertImport);
    await client.query("COMMIT");
    await client.query(itemOf(items[2] as string, `'${importId}'`));
    const { rows } = await client.query<{ id: string }>(
      "SELECT id FROM recon_items WHERE id = ANY($1::text[]) ORDER BY id",
      [[orphan, ...items]],
    );
    expect(rows.map((row) => row.id)).toEqual([...items].sort());
    const noted = await client.query("SELECT 1 FROM recon_item_imports WHERE import_id = $1", [importId]);
    expect(noted.rowCount).toBe(1);
  });
});
