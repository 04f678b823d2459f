// `npm run bench:ledger-partitions [-- --captures 500 --rounds 20]`: what the ledger's month partitions
// (migration 20261213020100) cost Postgres per captured payment. Two fresh databases on the same server, one
// migrated up to the migration before it ("before"), one fully ("after"); each gets the same merchant, accounts
// and payments. Then `--rounds` blocks alternate between the two: `--captures` capture postings, each its own
// transaction, written as the API writes them (payment-sql.ts: one named prepared statement inserting the entry
// and its three lines; the lines' statement triggers record the pending release; the deferred balance check at
// COMMIT), then as many reads of a payment's entries by payment id (payment reads, ledger checks). The figure is
// the backend's CPU time read from /proc/<pid>/stat (the server must run on this machine): on a shared machine
// wall time says little, and short alternating blocks expose both databases to the same neighbours.

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createDatabase, dropDatabase, findRepoRoot, withDatabase } from "@paycore/db/database-url";
import pg from "pg";

/** An admin URL of the server (`--admin-url`); the server must run on this machine for /proc to show its backends. */
const ADMIN_URL = (() => {
  const index = process.argv.indexOf("--admin-url");
  return index >= 0 ? (process.argv[index + 1] ?? "") : "postgresql://postgres@127.0.0.1:5432/postgres";
})();
const PARTITION_MIGRATION = "20261213020100_ledger_month_partitions";
const CAPTURES_MAX = 100_000;
const ROUNDS_MAX = 200;
const PAYMENT_IDS = 1_000;
/** Entries (with three lines each) every database holds before the measure. */
const FIXTURE_ENTRIES = 50_000;

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

function option(name: string, fallback: number, max: number): number {
  const index = process.argv.indexOf(name);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new Error(`${name} takes an integer in 1..${max}`);
  return value;
}

/** CPU seconds (user + system) the backend of `client` has used so far. */
async function backendCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

async function migratedDatabase(label: string, until: string | null): Promise<string> {
  const name = `paycore_bench_ledger_${label}_${randomBytes(4).toString("hex")}`;
  await createDatabase(ADMIN_URL, name);
  const client = new pg.Client({ connectionString: withDatabase(ADMIN_URL, name) });
  await client.connect();
  try {
    const root = join(findRepoRoot(), "prisma", "migrations");
    const folders = (await readdir(root, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort()
      .filter((folder) => until === null || folder < until);
    for (const folder of folders)
      await client.query(await readFile(join(root, folder, "migration.sql"), "utf8"));
    await client.query(`
      INSERT INTO merchants (id, name) VALUES ('mer_bench', 'Bench');
      INSERT INTO ledger_accounts (id, merchant_id, mode, code, type, currency) VALUES
        ('la_bench_receivable', 'mer_bench', 'TEST', 'psp_receivable', 'ASSET', 'USD'),
        ('la_bench_pending', 'mer_bench', 'TEST', 'merchant_pending', 'LIABILITY', 'USD'),
        ('la_bench_fees', 'mer_bench', 'TEST', 'fee_revenue', 'REVENUE', 'USD');
      INSERT INTO payments (id, merchant_id, mode, status, amount_minor, currency, amount_captured_minor,
                            capture_method, psp_name)
      SELECT 'pay_bench_' || g, 'mer_bench', 'TEST', 'CAPTURED', 1000, 'USD', 1000, 'AUTOMATIC', 'sandbox'
        FROM generate_series(1, ${PAYMENT_IDS}) g;`);
    // Earlier entries, so that the statistics and the indexes look like a ledger's, not an empty table's (the
    // generic plans are chosen from them): a capture of each payment, one transaction per 10,000 entries.
    for (let from = 1; from <= FIXTURE_ENTRIES; from += 10_000) {
      const range = [from, Math.min(FIXTURE_ENTRIES, from + 9_999)];
      await client.query("BEGIN");
      await client.query(
        `INSERT INTO journal_entries (id, merchant_id, mode, kind, payment_id, currency)
         SELECT 'je_fixture_' || g, 'mer_bench', 'TEST', 'payment.captured', 'pay_bench_' || (g % ${PAYMENT_IDS} + 1), 'USD'
           FROM generate_series($1::int, $2::int) g`,
        range,
      );
      await client.query(
        `INSERT INTO ledger_lines (journal_entry_id, account_id, direction, amount_minor, currency)
         SELECT 'je_fixture_' || g, l.account_id, l.direction::"EntryDirection", l.amount_minor, 'USD'
           FROM generate_series($1::int, $2::int) g,
                (VALUES ('la_bench_receivable', 'DEBIT', 1000), ('la_bench_pending', 'CREDIT', 968),
                        ('la_bench_fees', 'CREDIT', 32)) l(account_id, direction, amount_minor)`,
        range,
      );
      await client.query("COMMIT");
    }
    await client.query("VACUUM ANALYZE");
  } finally {
    await client.end();
  }
  return name;
}

// The API's capture posting (payment-sql.ts, the journal and lines CTEs), as one named prepared statement.
const CAPTURE = `
WITH journal AS (
  INSERT INTO journal_entries (id, merchant_id, mode, kind, payment_id, refund_id, currency)
  SELECT $1, 'mer_bench', 'TEST', 'payment.captured', $2, NULL, 'USD'
  RETURNING journal_entries.id, journal_entries.currency
), lines AS (
  INSERT INTO ledger_lines (journal_entry_id, account_id, direction, amount_minor, currency)
  SELECT journal.id, l.account_id, l.direction::"EntryDirection", l.amount_minor, journal.currency
    FROM ROWS FROM (jsonb_to_recordset($3::jsonb) AS (account_id text, direction text, amount_minor bigint))
         WITH ORDINALITY AS l(account_id, direction, amount_minor, n)
    CROSS JOIN journal
   ORDER BY l.n
  RETURNING ledger_lines.id
)
SELECT count(*) AS lines FROM lines`;

const LINES = JSON.stringify([
  { account_id: "la_bench_receivable", direction: "DEBIT", amount_minor: 1000 },
  { account_id: "la_bench_pending", direction: "CREDIT", amount_minor: 968 },
  { account_id: "la_bench_fees", direction: "CREDIT", amount_minor: 32 },
]);

const READ = `SELECT id, kind, currency, created_at FROM journal_entries WHERE payment_id = $1`;

interface Connection {
  client: pg.Client;
  pid: number;
  prefix: string;
  next: number;
}

async function connect(database: string): Promise<Connection> {
  const client = new pg.Client({ connectionString: withDatabase(ADMIN_URL, database) });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  const pid = rows[0]?.pid;
  if (pid === undefined) throw new Error("no backend pid");
  return { client, pid, prefix: `je_${randomBytes(4).toString("hex")}_`, next: 0 };
}

/** `count` capture postings, each its own transaction; answers the backend's CPU milliseconds per posting. */
async function captures(connection: Connection, count: number): Promise<number> {
  const start = await backendCpuSeconds(connection.pid);
  for (let i = 0; i < count; i++) {
    const n = connection.next++;
    await connection.client.query("BEGIN");
    await connection.client.query({
      name: "capture",
      text: CAPTURE,
      values: [`${connection.prefix}${n}`, `pay_bench_${(n % PAYMENT_IDS) + 1}`, LINES],
    });
    await connection.client.query("COMMIT");
  }
  return (((await backendCpuSeconds(connection.pid)) - start) * 1000) / count;
}

/** `count` reads of a payment's entries; answers the backend's CPU milliseconds per read. */
async function reads(connection: Connection, count: number): Promise<number> {
  const start = await backendCpuSeconds(connection.pid);
  for (let i = 0; i < count; i++)
    await connection.client.query({
      name: "read",
      text: READ,
      values: [`pay_bench_${(i % PAYMENT_IDS) + 1}`],
    });
  return (((await backendCpuSeconds(connection.pid)) - start) * 1000) / count;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

async function main(): Promise<void> {
  const capturesPerBlock = option("--captures", 500, CAPTURES_MAX);
  const rounds = option("--rounds", 20, ROUNDS_MAX);
  const before = await migratedDatabase("before", PARTITION_MIGRATION);
  const after = await migratedDatabase("after", null);
  try {
    const partitions = await (async () => {
      const client = new pg.Client({ connectionString: withDatabase(ADMIN_URL, after) });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: string }>(
          "SELECT count(*)::text AS n FROM time_partitions WHERE parent = 'journal_entries'",
        );
        return rows[0]?.n ?? "?";
      } finally {
        await client.end();
      }
    })();
    console.log(
      `${capturesPerBlock} captures per database and block, ${rounds} blocks; journal_entries partitions after: ${partitions}`,
    );
    // Short alternating blocks on two open connections: whatever else the machine does hits both alike.
    const connections = { before: await connect(before), after: await connect(after) };
    try {
      // Warm-up: caches, and the prepared statements' generic plans (after 5 executions).
      for (const connection of Object.values(connections)) {
        await captures(connection, 50);
        await reads(connection, 50);
      }
      const ratios: number[] = [];
      const sums = { before: { capture: 0, read: 0 }, after: { capture: 0, read: 0 } };
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? (["before", "after"] as const) : (["after", "before"] as const);
        const block: Record<string, number> = {};
        for (const label of order) {
          block[label] = await captures(connections[label], capturesPerBlock);
          sums[label].capture += block[label] as number;
          sums[label].read += await reads(connections[label], capturesPerBlock);
        }
        ratios.push((block.after as number) / (block.before as number));
      }
      const load = loadavg()
        .map((value) => value.toFixed(2))
        .join(" ");
      const mean = (value: number) => (value / rounds).toFixed(3);
      console.log(
        `capture posting: ${mean(sums.before.capture)} -> ${mean(sums.after.capture)} ms CPU (mean of ${rounds} blocks),` +
          ` median block ratio after/before ${median(ratios).toFixed(2)}` +
          ` (quartiles ${median(
            ratios
              .slice()
              .sort((x, y) => x - y)
              .slice(0, Math.floor(rounds / 2)),
          ).toFixed(2)}` +
          `–${median(
            ratios
              .slice()
              .sort((x, y) => x - y)
              .slice(Math.ceil(rounds / 2)),
          ).toFixed(2)});` +
          ` entries by payment: ${mean(sums.before.read)} -> ${mean(sums.after.read)} ms CPU; load ${load}`,
      );
    } finally {
      await connections.before.client.end();
      await connections.after.client.end();
    }
  } finally {
    await dropDatabase(ADMIN_URL, before);
    await dropDatabase(ADMIN_URL, after);
  }
}

await main();
