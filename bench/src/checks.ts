// What must hold at the end of every run, whatever the figures: the ledger balances, no payment was
// charged twice, and the database holds exactly what the API said it did.
import { createDatabaseClient } from "@paycore/db/client";
import { LedgerAuditRepository } from "@paycore/db/repositories/ledger-audit.repository";
import pg from "pg";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Expected {
  /** Merchants the API served (not the physical-limit merchant). */
  apiMerchantIds: string[];
  physicalMerchantIds: string[];
  /** Payments the API answered CAPTURED to (load steps plus set-up). */
  apiPayments: number;
  /** Copies the physical-limit writer committed, plus the API payment it copied. */
  physicalPayments: number;
  refunds: number;
}

export async function runChecks(databaseUrl: string, expected: Expected): Promise<Check[]> {
  const checks: Check[] = [];
  // A database filled in two minutes has no statistics yet: without them the audit's per-payment
  // lateral join plans a sequential scan of ledger_lines per payment and takes minutes.
  const analyze = new pg.Client({ connectionString: databaseUrl });
  await analyze.connect();
  try {
    await analyze.query("ANALYZE");
  } finally {
    await analyze.end();
  }
  const db = createDatabaseClient({ url: databaseUrl, poolMax: 2 });
  try {
    const audit = new LedgerAuditRepository(db);
    const totals = await audit.totalsByCurrency();
    checks.push({
      name: "ledger balanced (Σ debits = Σ credits per currency)",
      ok: totals.length > 0 && totals.every((t) => t.debitsMinor === t.creditsMinor),
      detail: totals
        .map((t) => `${t.currency}: debits ${t.debitsMinor} = credits ${t.creditsMinor}`)
        .join("; "),
    });
    const unbalanced = await audit.unbalancedEntries(10);
    checks.push({
      name: "no unbalanced journal entry",
      ok: unbalanced.length === 0,
      detail: unbalanced.length === 0 ? "none" : unbalanced.join(", "),
    });
    const disagreeing = await audit.paymentsDisagreeingWithLedger(10);
    checks.push({
      name: "captured and refunded amounts agree with the ledger",
      ok: disagreeing.length === 0,
      detail: disagreeing.length === 0 ? "every payment" : disagreeing.join(", "),
    });
  } finally {
    await db.$disconnect();
  }

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const one = async (sql: string, params: unknown[] = []) =>
      Number(Object.values((await client.query(sql, params)).rows[0] ?? {})[0] ?? 0);
    const doubleCharged = await one(
      `SELECT count(*) FROM payments p
        WHERE p.status IN ('CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED')
          AND (SELECT count(*) FROM psp_attempts a
                WHERE a.payment_id = p.id AND a.operation = 'AUTHORIZE' AND a.status = 'SUCCEEDED') <> 1`,
    );
    const multipleAuthorizations = await one(
      `SELECT count(*) FROM (SELECT payment_id FROM psp_attempts WHERE operation = 'AUTHORIZE'
        GROUP BY payment_id HAVING count(*) > 1) x`,
    );
    const duplicateReferences = await one(
      `SELECT count(*) FROM (SELECT psp_reference FROM payments WHERE psp_reference IS NOT NULL
        GROUP BY psp_reference HAVING count(*) > 1) x`,
    );
    checks.push({
      name: "no double charge (one successful authorization per captured payment)",
      ok: doubleCharged === 0 && multipleAuthorizations === 0 && duplicateReferences === 0,
      detail: `payments without exactly one: ${doubleCharged}; with several AUTHORIZE attempts: ${multipleAuthorizations}; PSP references used twice: ${duplicateReferences}`,
    });
    const apiPayments = await one("SELECT count(*) FROM payments WHERE merchant_id = ANY($1)", [
      expected.apiMerchantIds,
    ]);
    const statuses = await client.query<{ status: string; n: string }>(
      "SELECT status, count(*) AS n FROM payments WHERE merchant_id = ANY($1) GROUP BY status ORDER BY status",
      [expected.apiMerchantIds],
    );
    checks.push({
      name: "API payments in the database = successful createPayment responses",
      ok: apiPayments === expected.apiPayments,
      detail: `${apiPayments} in the database (${statuses.rows.map((r) => `${r.status} ${r.n}`).join(", ")}), ${expected.apiPayments} answered CAPTURED`,
    });
    const physicalPayments = await one("SELECT count(*) FROM payments WHERE merchant_id = ANY($1)", [
      expected.physicalMerchantIds,
    ]);
    checks.push({
      name: "physical-limit payments in the database = commits counted",
      ok: physicalPayments === expected.physicalPayments,
      detail: `${physicalPayments} in the database, ${expected.physicalPayments} committed`,
    });
    const refunds = await one(
      "SELECT count(*) FROM refunds WHERE status = 'SUCCEEDED' AND merchant_id = ANY($1)",
      [expected.apiMerchantIds],
    );
    checks.push({
      name: "refunds in the database = successful refundPayment responses",
      ok: refunds === expected.refunds,
      detail: `${refunds} in the database, ${expected.refunds} answered SUCCEEDED`,
    });
    const unfinished = await one(
      "SELECT count(*) FROM payments WHERE status = 'PENDING' OR pending_operation IS NOT NULL",
    );
    const inProgress = await one("SELECT count(*) FROM idempotency_records WHERE status = 'IN_PROGRESS'");
    checks.push({
      name: "nothing left in flight (no PENDING payment, no IN_PROGRESS key)",
      ok: unfinished === 0 && inProgress === 0,
      detail: `payments pending: ${unfinished}; idempotency keys in progress: ${inProgress}`,
    });
  } finally {
    await client.end();
  }
  return checks;
}

export interface Storage {
  /** Bytes on disk (heap, indexes, TOAST) per payment row, by table, after the run. */
  bytesPerPayment: Record<string, number>;
  totalBytesPerPayment: number;
  payments: number;
}

/** Tables a payment writes to: disk per payment, for capacity planning (docs/scaling.md). */
const PAYMENT_TABLES = [
  "payments",
  "psp_attempts",
  "payment_events",
  "journal_entries",
  "ledger_lines",
  "outbox_messages",
  "idempotency_records",
  "risk_assessments",
];

export async function storagePerPayment(databaseUrl: string): Promise<Storage> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const payments = Number((await client.query("SELECT count(*) AS n FROM payments")).rows[0]?.n ?? 0);
    const sizes = await client.query<{ name: string; bytes: string }>(
      "SELECT c.relname AS name, pg_total_relation_size(c.oid)::text AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname = ANY($1)",
      [PAYMENT_TABLES],
    );
    const bytesPerPayment: Record<string, number> = {};
    for (const row of sizes.rows)
      bytesPerPayment[row.name] = Math.round(Number(row.bytes) / Math.max(1, payments));
    return {
      bytesPerPayment,
      totalBytesPerPayment: Object.values(bytesPerPayment).reduce((a, b) => a + b, 0),
      payments,
    };
  } finally {
    await client.end();
  }
}
