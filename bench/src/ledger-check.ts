// `npm run bench:ledger-check [-- --entries 10000 --new 500 --rounds 3]`: what one ledger check pass costs,
// full (every entry re-read, the whole journal chain re-hashed: the check before it became incremental) against
// incremental (only the entries sealed since the last clean run), at a given journal size. A fresh database on the
// server gets `--entries` sealed capture entries (three lines each, one payment each: fixtures written with
// generate_series, sealed by the real sealer), then per round: `--new` more entries, sealed, one incremental pass,
// and one full pass. Each pass runs on its own connections; its cost is read when they close: the database's
// buffers (pg_stat_database blks_hit + blks_read), rows read (tup_returned + tup_fetched), the backends' CPU time
// from /proc/<pid>/stat (the server must run on this machine) and this process's CPU time (the hashing). Wall
// time is printed too but says little on a shared machine.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createDatabaseClient } from "@paycore/db/client";
import { createDatabase, dropDatabase, findRepoRoot, withDatabase } from "@paycore/db/database-url";
import { ChainRepository } from "@paycore/db/repositories/chain.repository";
import { DisputeRepository } from "@paycore/db/repositories/dispute.repository";
import { LedgerAuditRepository } from "@paycore/db/repositories/ledger-audit.repository";
import { LedgerCheckRunRepository } from "@paycore/db/repositories/ledger-check-run.repository";
import { createPool, Sql } from "@paycore/db/sql";
import { runLedgerCheck } from "@paycore/platform/ledger-check";
import pg from "pg";

const ADMIN_URL = (() => {
  const index = process.argv.indexOf("--admin-url");
  return index >= 0 ? (process.argv[index + 1] ?? "") : "postgresql://postgres@127.0.0.1:5432/postgres";
})();
const ENTRIES_MAX = 2_000_000;
const NEW_MAX = 100_000;
const ROUNDS_MAX = 20;
/** Fixture entries per INSERT … SELECT generate_series transaction. */
const FIXTURE_CHUNK = 10_000;
/** How long sealing may wait for other transactions on the server to end. */
const SEAL_WAIT_MS = 10 * 60_000;

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

function option(name: string, fallback: number, min: number, max: number): number {
  const index = process.argv.indexOf(name);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} takes an integer in ${min}..${max}`);
  return value;
}

async function backendCpuSeconds(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

async function migrate(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const root = join(findRepoRoot(), "prisma", "migrations");
    const folders = (await readdir(root, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    for (const folder of folders)
      await client.query(await readFile(join(root, folder, "migration.sql"), "utf8"));
    await client.query(`
      INSERT INTO merchants (id, name) VALUES ('mer_bench', 'Bench');
      INSERT INTO ledger_accounts (id, merchant_id, mode, code, type, currency) VALUES
        ('la_bench_receivable', 'mer_bench', 'TEST', 'psp_receivable', 'ASSET', 'USD'),
        ('la_bench_pending', 'mer_bench', 'TEST', 'merchant_pending', 'LIABILITY', 'USD'),
        ('la_bench_fees', 'mer_bench', 'TEST', 'fee_revenue', 'REVENUE', 'USD');`);
  } finally {
    await client.end();
  }
}

/**
 * Captured payments `from..to`, each with its capture entry and three lines, one transaction per chunk. The
 * payments were last updated `ageHours` ago: the fixture ledger's are days old, as a production ledger's are
 * (an incremental run re-checks the payments updated since the run before it).
 */
async function addEntries(url: string, from: number, to: number, ageHours: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let start = from; start <= to; start += FIXTURE_CHUNK) {
      const range = [start, Math.min(to, start + FIXTURE_CHUNK - 1)];
      await client.query("BEGIN");
      await client.query(
        `INSERT INTO payments (id, merchant_id, mode, status, amount_minor, currency, amount_captured_minor,
                               capture_method, psp_name, created_at, updated_at)
         SELECT 'pay_bench_' || g, 'mer_bench', 'TEST', 'CAPTURED', 1000, 'USD', 1000, 'AUTOMATIC', 'sandbox',
                now() - make_interval(hours => $3), now() - make_interval(hours => $3)
           FROM generate_series($1::int, $2::int) g`,
        [...range, ageHours],
      );
      await client.query(
        `INSERT INTO journal_entries (id, merchant_id, mode, kind, payment_id, currency)
         SELECT 'je_bench_' || g, 'mer_bench', 'TEST', 'payment.captured', 'pay_bench_' || g, 'USD'
           FROM generate_series($1::int, $2::int) g`,
        range,
      );
      await client.query(
        `INSERT INTO ledger_lines (journal_entry_id, account_id, direction, amount_minor, currency)
         SELECT 'je_bench_' || g, l.account_id, l.direction::"EntryDirection", l.amount_minor, 'USD'
           FROM generate_series($1::int, $2::int) g,
                (VALUES ('la_bench_receivable', 'DEBIT', 1000), ('la_bench_pending', 'CREDIT', 968),
                        ('la_bench_fees', 'CREDIT', 32)) l(account_id, direction, amount_minor)`,
        range,
      );
      await client.query("COMMIT");
    }
  } finally {
    await client.end();
  }
}

/** Seals every entry with the real sealer (1,000 per transaction). */
async function sealAll(url: string, expected: number): Promise<void> {
  const pool = createPool({ url, max: 1 });
  const chains = new ChainRepository(new Sql(pool));
  const deadline = Date.now() + SEAL_WAIT_MS;
  try {
    while ((await chains.status("journal")).sealedCount < BigInt(expected)) {
      const result = await chains.sealBatch("journal", 1000);
      if (result.sealed === 0) {
        if (Date.now() > deadline) throw new Error("sealing waited too long for other transactions");
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    await pool.end();
  }
}

interface DatabaseCounters {
  buffers: number;
  rows: number;
  /** Buffers per table (a partitioned table's partitions summed under its name), heap and indexes. */
  tables: Map<string, number>;
}

async function counters(admin: pg.Client, url: string, name: string): Promise<DatabaseCounters> {
  await admin.query("SELECT pg_stat_clear_snapshot()");
  const { rows } = await admin.query<{ buffers: string; rows: string }>(
    `SELECT (blks_hit + blks_read)::text AS buffers, (tup_returned + tup_fetched)::text AS rows
       FROM pg_stat_database WHERE datname = $1`,
    [name],
  );
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const perTable = await client.query<{ name: string; buffers: string }>(
      `SELECT regexp_replace(relname, '_(p\\d+|default)$', '') AS name,
              sum(COALESCE(heap_blks_hit, 0) + COALESCE(heap_blks_read, 0) + COALESCE(idx_blks_hit, 0)
                  + COALESCE(idx_blks_read, 0))::text AS buffers
         FROM pg_statio_user_tables GROUP BY 1`,
    );
    return {
      buffers: Number(rows[0]?.buffers ?? 0),
      rows: Number(rows[0]?.rows ?? 0),
      tables: new Map(perTable.rows.map((row) => [row.name, Number(row.buffers)])),
    };
  } finally {
    await client.end();
  }
}

interface PassCost {
  scope: string;
  sealsChecked: bigint;
  ok: boolean;
  buffers: number;
  rowsRead: number;
  serverCpuSeconds: number;
  clientCpuSeconds: number;
  wallSeconds: number;
  topTables: string;
}

/** One pass on connections of its own; the costs are read once they have closed (a backend flushes at exit). */
async function pass(admin: pg.Client, name: string, url: string, full: boolean): Promise<PassCost> {
  const before = await counters(admin, url, name);
  const pool = createPool({ url, max: 2 });
  const sql = new Sql(pool);
  const db = createDatabaseClient({ pool });
  const pids = new Set<number>();
  pool.on("connect", (client) => {
    const pid = (client as unknown as { processID?: number }).processID;
    if (pid) pids.add(pid);
  });
  const cpuBefore = process.cpuUsage();
  const wallStart = process.hrtime.bigint();
  const run = await runLedgerCheck(
    {
      audit: new LedgerAuditRepository(db),
      disputes: new DisputeRepository(db),
      chains: new ChainRepository(sql),
      runs: new LedgerCheckRunRepository(sql),
    },
    "cli",
    "bench",
    { full },
  );
  const wallSeconds = Number(process.hrtime.bigint() - wallStart) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  let serverCpuSeconds = 0;
  for (const pid of pids) serverCpuSeconds += await backendCpuSeconds(pid);
  await db.$disconnect();
  await pool.end();
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const after = await counters(admin, url, name);
  const topTables = [...after.tables]
    .map(([table, buffers]) => [table, buffers - (before.tables.get(table) ?? 0)] as const)
    .filter(([, buffers]) => buffers > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([table, buffers]) => `${table} ${buffers}`)
    .join(", ");
  return {
    scope: run.scope,
    sealsChecked: run.chainSealsChecked,
    ok: run.ok,
    buffers: after.buffers - before.buffers,
    rowsRead: after.rows - before.rows,
    serverCpuSeconds,
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds,
    topTables,
  };
}

function format(cost: PassCost): string {
  return [
    `${cost.scope.padEnd(11)} ok=${cost.ok}`,
    `seals re-hashed ${String(cost.sealsChecked).padStart(7)}`,
    `buffers ${String(cost.buffers).padStart(9)}`,
    `rows read ${String(cost.rowsRead).padStart(9)}`,
    `server CPU ${cost.serverCpuSeconds.toFixed(2)} s`,
    `client CPU ${cost.clientCpuSeconds.toFixed(2)} s`,
    `wall ${cost.wallSeconds.toFixed(2)} s`,
    `\n              buffers by table: ${cost.topTables}`,
  ].join("  ");
}

async function main(): Promise<void> {
  const entries = option("--entries", 10_000, 1, ENTRIES_MAX);
  const added = option("--new", 500, 1, NEW_MAX);
  const rounds = option("--rounds", 3, 1, ROUNDS_MAX);
  const name = `paycore_bench_ledger_check_${randomBytes(4).toString("hex")}`;
  const url = withDatabase(ADMIN_URL, name);
  await createDatabase(ADMIN_URL, name);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await migrate(url);
    await addEntries(url, 1, entries, 48);
    await sealAll(url, entries);
    const vacuum = new pg.Client({ connectionString: url });
    await vacuum.connect();
    await vacuum.query("VACUUM ANALYZE");
    await vacuum.end();
    console.log(
      `ledger check bench: ${entries} sealed entries (3 lines each), +${added} per round, ${rounds} rounds; load ${loadavg()
        .map((n) => n.toFixed(1))
        .join(" ")}`,
    );
    console.log(format(await pass(admin, name, url, true)));
    let total = entries;
    for (let round = 1; round <= rounds; round += 1) {
      await addEntries(url, total + 1, total + added, 0);
      total += added;
      await sealAll(url, total);
      console.log(`round ${round}: ${total} entries`);
      console.log(format(await pass(admin, name, url, false)));
      console.log(format(await pass(admin, name, url, true)));
    }
    console.log(
      `load ${loadavg()
        .map((n) => n.toFixed(1))
        .join(" ")}`,
    );
  } finally {
    await admin.end();
    await dropDatabase(ADMIN_URL, name);
  }
}

await main();
