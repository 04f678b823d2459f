// `npm run bench:recon [-- --lines 10000,100000,1000000]`: imports and matches a Stripe-style settlement report of
// N lines against N captured payments, end to end through the reconciliation command (streamed CSV, staging,
// chunked set-based matching, settlement postings), and prints lines per second, the process's peak RSS, and how
// the time grows with N. The payments, their captures and journal entries are bulk-inserted fixture data
// (generate_series, in batches), not made through the API: what is measured is the import alone. The report is
// written to a temporary file line by line, never held whole. Each size gets its own fresh database.

import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { computeFee } from "@paycore/core/ledger/fees";
import { DEFAULT_PSP_FEE_SCHEDULES } from "@paycore/core/reconciliation/matching";
import { createPool, Sql } from "@paycore/db/sql";
import { createTestDatabase, prepareTemplateDatabase } from "@paycore/db/testing/test-database";
import { createReconciliationCommands } from "@paycore/platform/reconciliation/reconciliation-commands.factory";
import { reportRowsOfFile, sha256OfFile } from "@paycore/platform/reconciliation/settlement-report-file";

/** Fixture rows per INSERT … SELECT generate_series statement. */
const FIXTURE_BATCH = 100_000;
const LINES_MAX = 5_000_000;
const HEADER =
  "balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,source_id,payment_intent_id\n";

const PROFILE = process.argv.includes("--profile");

/** Clock ticks per second of /proc/<pid>/stat's CPU times. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds (user + system) used so far by each server process of this database, read from /proc: the
 * server runs on this machine in the bench's setups (127.0.0.1). Empty when /proc cannot be read.
 */
async function backendCpu(sql: Sql): Promise<Map<number, number>> {
  const rows = await sql.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()",
  );
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      // Fields after the command's closing parenthesis; utime and stime are the 14th and 15th of the line.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS);
    } catch {
      // Not on this machine, or the backend has gone.
    }
  }
  return cpu;
}

function cpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

function sizes(): number[] {
  const index = process.argv.indexOf("--lines");
  const text = index >= 0 ? (process.argv[index + 1] ?? "") : "1000000";
  const values = text.split(",").map((part) => Number(part.trim()));
  if (values.some((n) => !Number.isInteger(n) || n < 1 || n > LINES_MAX))
    throw new Error(`--lines takes comma-separated counts from 1 to ${LINES_MAX}`);
  return values;
}

const amountOf = (n: number) => 1_000n + BigInt(n % 5_000);
const decimal = (minor: bigint) => `${minor / 100n}.${(minor % 100n).toString().padStart(2, "0")}`;
/** Eight digits at most: never a card-number-length digit run. */
const id = (prefix: string, n: number) => `${prefix}bench${n.toString().padStart(8, "0")}`;

/** One merchant, its USD ledger accounts, and `lines` captured Stripe payments with their capture entries. */
async function insertFixtures(sql: Sql, lines: number): Promise<void> {
  const merchantId = "mer_benchrecon";
  await sql.execute("INSERT INTO merchants (id, name) VALUES ($1, 'bench recon')", [merchantId]);
  await sql.execute(
    `INSERT INTO payment_methods (id, merchant_id, mode, brand, last4, exp_month, exp_year, fingerprint,
       pan_ciphertext, pan_nonce, pan_auth_tag, key_version)
     VALUES ('pm_benchrecon', $1, 'TEST', 'visa', '4242', 12, 2035, $2, '\\x00'::bytea, '\\x00'::bytea,
       '\\x00'::bytea, 1)`,
    [merchantId, "0".repeat(64)],
  );
  await sql.execute(
    `INSERT INTO ledger_accounts (id, merchant_id, mode, code, type, currency) VALUES
       ('la_benchrecv', $1, 'TEST', 'psp_receivable', 'ASSET', 'USD'),
       ('la_benchbal', $1, 'TEST', 'merchant_balance', 'LIABILITY', 'USD')`,
    [merchantId],
  );
  // The ids and amounts are functions of n, written in SQL as in amountOf and id above.
  const idOf = (prefix: string) => `'${prefix}bench' || lpad(g::text, 8, '0')`;
  for (let from = 0; from < lines; from += FIXTURE_BATCH) {
    const to = Math.min(lines, from + FIXTURE_BATCH) - 1;
    await sql.transaction(async (tx) => {
      const range = [from, to, merchantId];
      const g = "generate_series($1::bigint, $2::bigint) g";
      await tx.execute(
        `INSERT INTO payments (id, merchant_id, mode, status, amount_minor, currency, amount_captured_minor,
           capture_method, payment_method_id, psp_name, psp_reference)
         SELECT ${idOf("pay_")}, $3, 'TEST', 'CAPTURED',
                1000 + g % 5000, 'USD', 1000 + g % 5000, 'AUTOMATIC', 'pm_benchrecon', 'stripe',
                ${idOf("pi_")}
           FROM ${g}`,
        range,
      );
      await tx.execute(
        `INSERT INTO journal_entries (id, merchant_id, mode, kind, payment_id, currency)
         SELECT ${idOf("je_")}, $3, 'TEST', 'payment.captured',
                ${idOf("pay_")}, 'USD'
           FROM ${g}`,
        range,
      );
      await tx.execute(
        `INSERT INTO ledger_lines (journal_entry_id, account_id, direction, amount_minor, currency)
         SELECT ${idOf("je_")}, a.account, a.direction::"EntryDirection",
                1000 + g % 5000, 'USD'
           FROM ${g}, (VALUES ('la_benchrecv', 'DEBIT'), ('la_benchbal', 'CREDIT')) AS a(account, direction)
          WHERE $3::text IS NOT NULL`,
        range,
      );
    });
  }
}

/** The PSP's report of those payments, every line matching, written to `path` with back-pressure. */
async function writeReport(path: string, lines: number): Promise<void> {
  const out = createWriteStream(path);
  out.write(HEADER);
  for (let n = 0; n < lines; n++) {
    const gross = amountOf(n);
    const fee = computeFee(gross, DEFAULT_PSP_FEE_SCHEDULES.stripe);
    const row = `${id("txn_", n)},2026-05-01 10:00:00,2026-05-03 00:00:00,usd,${decimal(gross)},${decimal(fee)},${decimal(gross - fee)},charge,${id("ch_", n)},${id("pi_", n)}\n`;
    if (!out.write(row)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

/** CPU seconds per 10,000 lines, Node + Postgres: far less sensitive to the machine's load than wall time. */
const per10k = (row: { lines: number; nodeCpuSeconds: number; postgresCpuSeconds: number }) =>
  `node ${((row.nodeCpuSeconds * 10_000) / row.lines).toFixed(2)} s + postgres ${((row.postgresCpuSeconds * 10_000) / row.lines).toFixed(2)} s`;

async function main(): Promise<void> {
  const template = await prepareTemplateDatabase();
  const dir = await mkdtemp(join(tmpdir(), "bench-recon-"));
  const results: Array<{
    lines: number;
    seconds: number;
    linesPerSecond: number;
    peakRssMb: number;
    nodeCpuSeconds: number;
    postgresCpuSeconds: number;
  }> = [];
  try {
    for (const lines of sizes()) {
      const database = await createTestDatabase(template.adminUrl, template.templateName);
      // --profile: the server also times each PL/pgSQL function (triggers included) and logs the plans of the
      // import's slow statements, nested ones too (auto_explain, in the server's log).
      const url = PROFILE
        ? `${database.url}${database.url.includes("?") ? "&" : "?"}options=${encodeURIComponent(
            "-c track_functions=all -c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=50 -c auto_explain.log_analyze=on -c auto_explain.log_nested_statements=on -c auto_explain.log_triggers=on",
          )}`
        : database.url;
      const pool = createPool({ url, max: 4 });
      const sql = new Sql(pool);
      try {
        await insertFixtures(sql, lines);
        // The planner's statistics for the bulk-inserted rows, as autovacuum keeps them in production. The shared
        // test server runs with autovacuum off: without this, the statistics the template was cloned with (empty
        // tables) made the planner read every psp_receivable ledger line for each chunk of 2,000 lines, a cost that
        // grew with the number of payments (the first 1,000,000-line run was stopped after an hour).
        await sql.execute("ANALYZE payments, journal_entries, ledger_lines, ledger_accounts");
        const path = join(dir, `stripe-${lines}.csv`);
        await writeReport(path, lines);
        const sha = await sha256OfFile(path);
        const recon = createReconciliationCommands(sql);
        const statements = PROFILE ? await import("./recon-statements") : null;
        statements?.profileStatements(true);
        const postgresBefore = await backendCpu(sql);
        const nodeBefore = process.cpuUsage();
        const started = performance.now();
        // The file's last row read: the import matches chunks while it reads the file, so what comes after is the
        // last chunks' matching and writing, the missing items and the COMMIT (before 20261214, all the matching).
        let parsed: {
          seconds: number;
          node: NodeJS.CpuUsage;
          postgres: Promise<Map<number, number>>;
        } | null = null;
        async function* rowsThenMark() {
          yield* reportRowsOfFile(path);
          parsed = {
            seconds: (performance.now() - started) / 1000,
            node: process.cpuUsage(nodeBefore),
            postgres: backendCpu(sql),
          };
        }
        const run = () =>
          recon.importReport(
            { operatorId: null, name: "bench:recon" },
            { psp: "stripe", fileName: `stripe-${lines}.csv`, fileSha256: sha, rows: rowsThenMark() },
          );
        const profilePath = join(tmpdir(), `recon-${lines}.cpuprofile`);
        const { import: applied } =
          statements === null ? await run() : await statements.profileCpu(profilePath, run);
        if (statements !== null) console.error(`CPU profile of the import: ${profilePath}`);
        const seconds = (performance.now() - started) / 1000;
        const nodeCpu = process.cpuUsage(nodeBefore);
        const nodeCpuSeconds = (nodeCpu.user + nodeCpu.system) / 1e6;
        const postgresCpuSeconds = cpuSince(postgresBefore, await backendCpu(sql));
        statements?.profileStatements(false);
        const phase = parsed as {
          seconds: number;
          node: NodeJS.CpuUsage;
          postgres: Promise<Map<number, number>>;
        } | null;
        if (phase !== null) {
          const parseNode = (phase.node.user + phase.node.system) / 1e6;
          const parsePostgres = cpuSince(postgresBefore, await phase.postgres);
          const ms = (cpuSeconds: number, n: number) => ((cpuSeconds * 1000) / n).toFixed(4);
          console.error(
            `  until the file's last row was read: ${phase.seconds.toFixed(2)} s, CPU ms per line node ${ms(parseNode, lines)} + postgres ${ms(parsePostgres, lines)}; after it: ${(seconds - phase.seconds).toFixed(2)} s, node ${ms(nodeCpuSeconds - parseNode, lines)} + postgres ${ms(postgresCpuSeconds - parsePostgres, lines)}`,
          );
        }
        if (applied.categoryCounts.MATCHED !== lines)
          throw new Error(`expected ${lines} MATCHED lines, got ${JSON.stringify(applied.categoryCounts)}`);
        const row = {
          lines,
          seconds,
          linesPerSecond: Math.round(lines / seconds),
          peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
          nodeCpuSeconds,
          postgresCpuSeconds,
        };
        results.push(row);
        // On two cores: lines/s if Node and Postgres worked fully at once (1000 / the larger CPU ms per line), and if
        // they took turns (1000 / the sum).
        const nodeMs = (nodeCpuSeconds * 1000) / lines;
        const postgresMs = (postgresCpuSeconds * 1000) / lines;
        console.error(
          `  CPU ms per line: node ${nodeMs.toFixed(4)} + postgres ${postgresMs.toFixed(4)}; lines/s with full overlap ${Math.round(1000 / Math.max(nodeMs, postgresMs))}, serial ${Math.round(1000 / (nodeMs + postgresMs))}`,
        );
        // Each size as soon as it is measured: a long run stopped early keeps what it measured.
        console.error(
          `measured ${lines} lines: ${seconds.toFixed(2)} s, ${row.linesPerSecond} lines/s, CPU node ${nodeCpuSeconds.toFixed(2)} s + postgres ${postgresCpuSeconds.toFixed(2)} s (per 10k lines: ${per10k(row)}), peak RSS ${row.peakRssMb} MB (load ${loadavg()
            .map((value) => value.toFixed(1))
            .join(" ")})`,
        );
        if (PROFILE) {
          // Function statistics reach the view when the import's backend reports them (idle, within a second).
          await new Promise((resolve) => setTimeout(resolve, 1_500));
          const functions = await sql.query<{
            funcname: string;
            calls: bigint;
            self_time: number;
            total_time: number;
          }>(
            "SELECT funcname, calls, self_time, total_time FROM pg_stat_user_functions ORDER BY total_time DESC LIMIT 10",
          );
          for (const f of functions)
            console.error(
              `  function ${f.funcname}: ${f.calls} calls, ${f.total_time.toFixed(0)} ms (self ${f.self_time.toFixed(0)} ms)`,
            );
        }
        if (statements !== null) {
          const top = [...statements.statementTimes].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
          for (const [text, { calls, ms }] of top)
            console.error(`  ${ms.toFixed(0).padStart(7)} ms ${String(calls).padStart(6)}x  ${text}`);
        }
      } finally {
        await pool.end();
        await database.drop();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await template.stop();
  }
  // Other work on the machine slows every figure: say how busy it was (two cores: a load over 2 is contention).
  console.log(
    `load average at the end (1/5/15 min): ${loadavg()
      .map((value) => value.toFixed(2))
      .join(" / ")} on ${availableParallelism()} cores`,
  );
  console.log(
    "lines      seconds   lines/s   peak RSS (MB, process)   CPU per 10k lines                  time vs previous size",
  );
  results.forEach((row, index) => {
    const previous = results[index - 1];
    const growth = previous
      ? `${(row.seconds / previous.seconds).toFixed(2)}x time for ${(row.lines / previous.lines).toFixed(1)}x lines`
      : "";
    console.log(
      `${String(row.lines).padEnd(10)} ${row.seconds.toFixed(2).padStart(8)} ${String(row.linesPerSecond).padStart(9)} ${String(row.peakRssMb).padStart(10)}               ${per10k(row).padEnd(34)} ${growth}`,
    );
  });
}

await main();
