// The database's own limit: the rows one automatic-capture payment writes, copied from a real payment
// the API just made (so the copy follows the schema and the product as they change), written straight
// to Postgres with node-postgres in as few round trips as possible. The tables keep every constraint and
// trigger (the deferred balance check, the payment guard, foreign keys): the limit includes what the
// database enforces.
import { performance } from "node:perf_hooks";
import pg from "pg";
import type { LatencySummary } from "./load-protocol";
import type { StepUsage } from "./monitor";

export type PhysicalVariant = "one-transaction" | "api-shaped";

export const VARIANT_DESCRIPTIONS: Record<PhysicalVariant, string> = {
  "one-transaction":
    "all rows in their final state in 1 transaction, 1 round trip (idempotency record inserted, then completed)",
  "api-shaped":
    "the API's 2 transactions (key claimed with the PENDING payment + attempt + event; CAPTURED update + attempt + event + journal + outbox + key), 1 round trip each",
};

interface Row {
  [column: string]: unknown;
}

interface Captured {
  payment: Row;
  /** Rows of other tables that point at the payment (such as its risk assessment), by table. */
  others: Record<string, Row[]>;
  attempts: Row[];
  events: Row[];
  entries: Row[];
  lines: Row[];
  outbox: Row[];
  idempotency: Row[];
}

/** A statement template: literal text and the indexes of identifiers generated afresh per payment. */
type Template = Array<string | number>;

export interface PaymentTemplate {
  /** Rows per table in one payment, as read from the real one. */
  rowCounts: Record<string, number>;
  variants: Record<PhysicalVariant, Template[]>;
  /** Original identifier values; index i is replaced by a fresh value of the same length. */
  identifiers: string[];
}

async function rowsOf(client: pg.Client, table: string, where: string, value: unknown, order = "") {
  const result = await client.query<{ row: string }>(
    `SELECT to_jsonb(t)::text AS row FROM "${table}" t WHERE ${where} ${order}`,
    [value],
  );
  return result.rows.map((r) => JSON.parse(r.row) as Row);
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return `'${text.replaceAll("'", "''")}'`;
}

const NOW_COLUMNS = new Set(["created_at", "updated_at"]);
/** Tables with a payment_id this file handles by name; any other one is copied as found. */
const KNOWN_TABLES = new Set(["payments", "psp_attempts", "payment_events", "journal_entries", "refunds"]);

/** Reads everything the API wrote for `paymentId` and turns it into statement templates. */
export async function capturePaymentTemplate(
  databaseUrl: string,
  paymentId: string,
): Promise<PaymentTemplate> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let captured: Captured;
  let serial: Set<string>;
  try {
    const serialColumns = await client.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND column_default LIKE 'nextval(%'",
    );
    serial = new Set(serialColumns.rows.map((r) => `${r.table_name}.${r.column_name}`));
    const [payment] = await rowsOf(client, "payments", "id = $1", paymentId);
    if (!payment) throw new Error(`payment ${paymentId} not found`);
    const entries = await rowsOf(
      client,
      "journal_entries",
      "payment_id = $1",
      paymentId,
      "ORDER BY created_at",
    );
    // Partitions are left out: their rows are the partitioned table's (payment_events' day partitions were
    // counted, and written, twice until 7 December).
    const referencing = await client.query<{ table_name: string }>(
      `SELECT c.table_name FROM information_schema.columns c
         JOIN pg_class t ON t.relname = c.table_name AND t.relnamespace = 'public'::regnamespace
        WHERE c.table_schema = 'public' AND c.column_name = 'payment_id' AND NOT t.relispartition
        ORDER BY c.table_name`,
    );
    const others: Record<string, Row[]> = {};
    for (const { table_name: table } of referencing.rows) {
      if (KNOWN_TABLES.has(table)) continue;
      const rows = await rowsOf(client, table, "payment_id = $1", paymentId);
      if (rows.length > 0) others[table] = rows;
    }
    captured = {
      payment,
      others,
      attempts: await rowsOf(client, "psp_attempts", "payment_id = $1", paymentId, "ORDER BY created_at"),
      events: await rowsOf(client, "payment_events", "payment_id = $1", paymentId, "ORDER BY id"),
      entries,
      lines: await rowsOf(
        client,
        "ledger_lines",
        "journal_entry_id = ANY($1)",
        entries.map((e) => e.id),
        "ORDER BY id",
      ),
      outbox: await rowsOf(client, "outbox_messages", "aggregate_id = $1", paymentId, "ORDER BY id"),
      idempotency: await rowsOf(client, "idempotency_records", "resource_id = $1", paymentId),
    };
  } finally {
    await client.end();
  }
  const { payment, others, attempts, events, entries, lines, outbox, idempotency } = captured;
  const idem = idempotency[0];
  const attempt = attempts[0];
  if (!idem || !attempt || events.length === 0 || entries.length === 0) {
    throw new Error(`unexpected rows for ${paymentId}: ${JSON.stringify(rowCounts(captured))}`);
  }

  const insert = (table: string, rows: Row[], overrides: Record<string, string> = {}) => {
    if (rows.length === 0) return "";
    const columns = Object.keys(rows[0] as Row).filter((c) => !serial.has(`${table}.${c}`));
    const values = rows.map(
      (row) =>
        `(${columns.map((c) => overrides[c] ?? (NOW_COLUMNS.has(c) ? "now()" : literal(row[c]))).join(", ")})`,
    );
    return `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES ${values.join(", ")};`;
  };
  const otherInserts = () => Object.entries(others).map(([table, rows]) => insert(table, rows));
  // The record's creation time is the captured one, not now(): the completion below finds the record by it
  // (its partition key), and a copy inserted with now() was never completed (its key stayed IN_PROGRESS).
  const claimed = {
    status: "'IN_PROGRESS'",
    resource_id: "NULL",
    response: "NULL",
    created_at: literal(idem.created_at),
  };
  // By id and creation time, as the API updates it: idempotency_records is partitioned by day, and an update by id
  // alone would open (and lock) every day's partition and its indexes, which past the 16 fast-path locks of a
  // backend turns into LWLock:LockManager waits under concurrency (seen here: the limit fell from 241/s at c=4 to
  // 65/s at c=64 with most backends waiting on the lock manager).
  const complete = `UPDATE "idempotency_records" SET "status" = ${literal(idem.status)}, "resource_id" = ${literal(idem.resource_id)}, "response" = ${literal(idem.response)} WHERE "id" = ${literal(idem.id)} AND "created_at" = ${literal(idem.created_at)};`;
  const has = (row: Row, column: string) => column in row;
  const pendingPayment: Record<string, string> = {};
  for (const [column, value] of Object.entries({
    status: "'PENDING'",
    amount_capturable_minor: "0",
    amount_captured_minor: "0",
    psp_reference: "NULL",
    pending_operation: "'AUTHORIZE'",
    version: "1",
  }))
    if (has(payment, column)) pendingPayment[column] = value;
  const settle = `UPDATE "payments" SET "status" = ${literal(payment.status)}, "amount_capturable_minor" = ${literal(payment.amount_capturable_minor)}, "amount_captured_minor" = ${literal(payment.amount_captured_minor)}, "psp_reference" = ${literal(payment.psp_reference)}, "pending_operation" = NULL, "version" = "version" + 1 WHERE "id" = ${literal(payment.id)} AND "version" = 1 AND "status" = 'PENDING';`;
  const settleAttempt = `UPDATE "psp_attempts" SET "status" = ${literal(attempt.status)}, "psp_reference" = ${literal(attempt.psp_reference)}, "updated_at" = now() WHERE "id" = ${literal(attempt.id)};`;
  const ledger = [
    insert("journal_entries", entries),
    insert("ledger_lines", lines),
    insert("outbox_messages", outbox),
  ].join("\n");

  const oneTransaction = [
    "BEGIN;",
    insert("idempotency_records", [idem], claimed),
    insert("payments", [payment]),
    ...otherInserts(),
    insert("psp_attempts", attempts),
    insert("payment_events", events),
    ledger,
    complete,
    "COMMIT;",
  ].join("\n");
  const apiShaped = [
    [
      "BEGIN;",
      insert("idempotency_records", [idem], { ...claimed, resource_id: literal(payment.id) }),
      insert("payments", [payment], pendingPayment),
      ...otherInserts(),
      insert("psp_attempts", attempts, { status: "'PENDING'", psp_reference: "NULL" }),
      insert("payment_events", events.slice(0, 1)),
      "COMMIT;",
    ].join("\n"),
    [
      "BEGIN;",
      settle,
      settleAttempt,
      insert("payment_events", events.slice(1)),
      ledger,
      complete,
      "COMMIT;",
    ].join("\n"),
  ];

  // Every value that must be unique (or is specific to this payment) is generated afresh per copy. The card's
  // fingerprint too: tens of thousands of copies of one merchant's one card would otherwise be what ANALYZE
  // sees of payments, and the API's prepared card lookup then gets a generic plan that scans the table
  // (docs/benchmarks.md, "What would close the remaining gaps").
  const identifiers = [
    ...new Set(
      [
        payment.id,
        payment.card_fingerprint,
        payment.psp_reference,
        idem.id,
        idem.key,
        ...attempts.flatMap((a) => [a.id, a.idempotency_key, a.psp_reference]),
        ...entries.map((e) => e.id),
        ...Object.values(others).flatMap((rows) => rows.map((r) => r.id)),
      ].filter((v): v is string => typeof v === "string" && v.length >= 8),
    ),
  ].sort((a, b) => b.length - a.length);
  const templatize = (sql: string): Template => {
    let parts: Template = [sql];
    identifiers.forEach((identifier, index) => {
      parts = parts.flatMap((part) => {
        if (typeof part !== "string") return [part];
        const pieces = part.split(identifier);
        return pieces.flatMap((piece, i) => (i === 0 ? [piece] : [index, piece]));
      });
    });
    return parts;
  };
  return {
    rowCounts: rowCounts(captured),
    identifiers,
    variants: {
      "one-transaction": [templatize(oneTransaction)],
      "api-shaped": apiShaped.map(templatize),
    },
  };
}

function rowCounts(captured: Captured): Record<string, number> {
  return {
    payments: 1,
    ...Object.fromEntries(Object.entries(captured.others).map(([table, rows]) => [table, rows.length])),
    psp_attempts: captured.attempts.length,
    payment_events: captured.events.length,
    journal_entries: captured.entries.length,
    ledger_lines: captured.lines.length,
    outbox_messages: captured.outbox.length,
    idempotency_records: captured.idempotency.length,
  };
}

/** The relations one transaction of a variant holds locks on, counted before it ends (then rolled back). */
export interface LockCount {
  variant: PhysicalVariant;
  /** Per transaction of the variant, in order. */
  transactions: Array<{
    /** The schema's relations locked (tables, partitions, indexes, sequences), each once whatever its modes. */
    relations: number;
    /** Of those, how many a backend's 16 fast-path slots held (in some mode); the rest went through the shared lock manager. */
    fastPath: number;
    /** The relations by kind: r table, p partitioned table, i index, I partitioned index, S sequence. */
    byKind: Record<string, number>;
    names: string[];
  }>;
}

/** Relation locks of this backend on the schema's relations (a relation locked in two modes counts once). */
const LOCKS_HELD = `SELECT c.relname AS name, c.relkind::text AS kind, bool_or(l.fastpath) AS "fastPath"
  FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND c.relnamespace = current_schema()::regnamespace
 GROUP BY c.relname, c.relkind
 ORDER BY c.relname`;

/**
 * Runs each transaction of the variant once with fresh identifiers and reads pg_locks just before its COMMIT:
 * how many relations a payment's transaction locks (issue 23: past 16, every further lock goes
 * through the shared lock manager, LWLock:LockManager under concurrency).
 */
export async function countLockedRelations(
  databaseUrl: string,
  template: PaymentTemplate,
  variant: PhysicalVariant,
  runTag: string,
): Promise<LockCount> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const values = template.identifiers.map((identifier) => {
      const suffix = `${runTag}LOCKS${variant === "api-shaped" ? "A" : "O"}`.toUpperCase().padStart(14, "0");
      return identifier.length > suffix.length
        ? identifier.slice(0, identifier.length - suffix.length) + suffix
        : suffix;
    });
    const transactions: LockCount["transactions"] = [];
    for (const statement of template.variants[variant]) {
      const text = statement.map((part) => (typeof part === "number" ? values[part] : part)).join("");
      const commitAt = text.lastIndexOf("COMMIT;");
      if (commitAt < 0) throw new Error("a physical-limit transaction without COMMIT");
      try {
        // The later transactions of a variant need the earlier ones' rows, so each is committed after it is
        // read: the count leaves one payment behind, which the caller counts with the limit's.
        await client.query(text.slice(0, commitAt));
        const locks = await client.query<{ name: string; kind: string; fastPath: boolean }>(LOCKS_HELD);
        const byKind: Record<string, number> = {};
        for (const lock of locks.rows) byKind[lock.kind] = (byKind[lock.kind] ?? 0) + 1;
        transactions.push({
          relations: locks.rows.length,
          fastPath: locks.rows.filter((lock) => lock.fastPath).length,
          byKind,
          names: locks.rows.map((lock) => lock.name),
        });
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      }
    }
    return { variant, transactions };
  } finally {
    await client.end();
  }
}

export interface PhysicalResult {
  variant: PhysicalVariant;
  /** Merchants the copies were spread over, in turn (1: every copy for one merchant). */
  merchants: number;
  concurrency: number;
  payments: number;
  errors: Record<string, number>;
  errorCount: number;
  elapsedMs: number;
  throughput: number;
  latencyMs: LatencySummary;
}

const LATENCY_CAPACITY = 1_000_000;
/** Shared by every run in this process, so copies never collide across levels and variants. */
let copies = 0;

/** Writes copies of the payment from `concurrency` connections for `durationMs`. */
export async function runPhysical(options: {
  databaseUrl: string;
  /** One per merchant: copy n copies templates[n mod length]. */
  templates: readonly PaymentTemplate[];
  variant: PhysicalVariant;
  concurrency: number;
  durationMs: number;
  runTag: string;
  /** Started once every connection is open, stopped before any closes (their CPU is counted). */
  watch: () => Promise<{ stop(): Promise<StepUsage> }>;
}): Promise<PhysicalResult & { usage: StepUsage }> {
  const { templates, concurrency } = options;
  if (templates.length === 0) throw new Error("no payment template to copy");
  const clients = await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const client = new pg.Client({ connectionString: options.databaseUrl });
      client.on("error", () => {});
      await client.connect();
      return client;
    }),
  );
  const fresh = (original: string, n: number) => {
    const suffix = `${options.runTag}${n.toString(36)}`.toUpperCase().padStart(14, "0");
    return original.length > suffix.length
      ? original.slice(0, original.length - suffix.length) + suffix
      : suffix;
  };
  const latencies = new Float64Array(LATENCY_CAPACITY);
  let recorded = 0;
  let payments = 0;
  const errors: Record<string, number> = {};
  const watcher = await options.watch();
  let usage: StepUsage | undefined;
  const start = performance.now();
  const deadline = start + options.durationMs;
  try {
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < deadline) {
          const n = ++copies;
          const template = templates[n % templates.length] as PaymentTemplate;
          const statements = template.variants[options.variant];
          const values = template.identifiers.map((identifier) => fresh(identifier, n));
          const sent = performance.now();
          try {
            for (const statement of statements) {
              await client.query(
                statement.map((part) => (typeof part === "number" ? values[part] : part)).join(""),
              );
            }
            payments += 1;
            if (recorded < LATENCY_CAPACITY) latencies[recorded++] = performance.now() - sent;
          } catch (error) {
            const code = (error as { code?: string }).code ?? "ERROR";
            errors[code] = (errors[code] ?? 0) + 1;
            await client.query("ROLLBACK").catch(() => {});
          }
        }
      }),
    );
  } finally {
    usage = await watcher.stop();
    await Promise.all(clients.map((client) => client.end().catch(() => {})));
  }
  const elapsedMs = performance.now() - start;
  const sorted = latencies.slice(0, recorded).sort();
  const at = (q: number) =>
    sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))] ?? 0;
  return {
    usage,
    variant: options.variant,
    merchants: templates.length,
    concurrency,
    payments,
    errors,
    errorCount: Object.values(errors).reduce((a, b) => a + b, 0),
    elapsedMs,
    throughput: payments / (elapsedMs / 1000),
    latencyMs: {
      p50: at(0.5),
      p95: at(0.95),
      p99: at(0.99),
      max: sorted[sorted.length - 1] ?? 0,
      mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : 0,
    },
  };
}
