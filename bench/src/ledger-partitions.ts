// `npm run bench:ledger-partitions [-- --captures 2000 --rounds 3]`: what the ledger's month partitions
// (migration 20261213020100) cost Postgres per captured payment. Two fresh databases on the same server, one
// migrated up to the migration before it ("before"), one fully ("after"); each gets the same merchant, accounts
// and payments, then `--captures` capture postings, each in its own transaction on one connection, written as
// the API writes them (payment-sql.ts: one statement inserting the entry and its three lines, a named prepared
// statement, the deferred balance check at COMMIT; the lines' statement triggers record the pending release).
// Then as many reads of a payment's entries by payment id (payment reads, ledger checks). The figure is the
// backend's CPU seconds read from /proc/<pid>/stat (the server must run on this machine): wall time on a shared
// machine says little. Rounds alternate which database goes first.

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
const ROUNDS_MAX = 20;
const PAYMENT_IDS = 1_000;

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
        FROM generate_series(1, ${PAYMENT_IDS}) g;
      ANALYZE;`);
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

interface Measure {
  captureCpuMs: number;
  readCpuMs: number;
}

async function measure(database: string, captures: number, round: number): Promise<Measure> {
  const client = new pg.Client({ connectionString: withDatabase(ADMIN_URL, database) });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const pid = rows[0]?.pid;
    if (pid === undefined) throw new Error("no backend pid");
    // Warm-up: the prepared statements reach their generic plans (after 5 executions) before measuring.
    const prefix = `je_b${round}_${randomBytes(3).toString("hex")}_`;
    const capture = async (i: number) => {
      await client.query("BEGIN");
      await client.query({
        name: "capture",
        text: CAPTURE,
        values: [`${prefix}${i}`, `pay_bench_${(i % PAYMENT_IDS) + 1}`, LINES],
      });
      await client.query("COMMIT");
    };
    for (let i = 0; i < 20; i++) await capture(-1 - i);
    const cpuStart = await backendCpuSeconds(pid);
    for (let i = 0; i < captures; i++) await capture(i);
    const cpuCaptured = await backendCpuSeconds(pid);
    for (let i = 0; i < captures; i++)
      await client.query({ name: "read", text: READ, values: [`pay_bench_${(i % PAYMENT_IDS) + 1}`] });
    const cpuRead = await backendCpuSeconds(pid);
    return {
      captureCpuMs: ((cpuCaptured - cpuStart) * 1000) / captures,
      readCpuMs: ((cpuRead - cpuCaptured) * 1000) / captures,
    };
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const captures = option("--captures", 2000, CAPTURES_MAX);
  const rounds = option("--rounds", 3, ROUNDS_MAX);
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
      `${captures} captures per database and round, ${rounds} rounds; journal_entries partitions after: ${partitions}`,
    );
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ["before", "after"] : ["after", "before"];
      const results: Record<string, Measure> = {};
      for (const label of order)
        results[label] = await measure(label === "before" ? before : after, captures, round);
      const load = loadavg()
        .map((value) => value.toFixed(2))
        .join(" ");
      const b = results.before as Measure;
      const a = results.after as Measure;
      console.log(
        `round ${round + 1} (load ${load}): capture posting ${b.captureCpuMs.toFixed(3)} -> ${a.captureCpuMs.toFixed(3)} ms CPU` +
          ` (${(((a.captureCpuMs - b.captureCpuMs) / b.captureCpuMs) * 100).toFixed(0)} %),` +
          ` entries by payment ${b.readCpuMs.toFixed(3)} -> ${a.readCpuMs.toFixed(3)} ms CPU`,
      );
    }
  } finally {
    await dropDatabase(ADMIN_URL, before);
    await dropDatabase(ADMIN_URL, after);
  }
}

await main();
