// Proves the database itself enforces the payment and ledger rules, whatever code (or person) writes to it.
import { randomBytes } from "node:crypto";
import {
  PAYMENT_STATUSES,
  PAYMENT_TRANSITIONS,
  type PaymentStatus,
} from "@paycore/core/payments/payment-state-machine";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CHECK_VIOLATION,
  FOREIGN_KEY_VIOLATION,
  INSUFFICIENT_PRIVILEGE,
  UNIQUE_VIOLATION,
  uid,
  useGuardDatabase,
} from "./testing/guard-database";

const guarded = useGuardDatabase();
const { failure } = guarded;
let client: pg.Client;

const merchantId = `mer_${randomBytes(6).toString("hex")}`;
const paymentMethodId = `pm_${randomBytes(6).toString("hex")}`;
/** Ledger account ids by currency: one ASSET and one LIABILITY account each. */
const accounts = {
  USD: { asset: "la_usd_asset", liability: "la_usd_liability" },
  EUR: { asset: "la_eur_asset" },
};

/** Runs statements in one transaction and returns the error of the first failing one, COMMIT included. */
async function transactionFailure(statements: Array<[string, unknown[]?]>): Promise<pg.DatabaseError> {
  await client.query("BEGIN");
  try {
    for (const [sql, params] of statements) await client.query(sql, params ?? []);
    await client.query("COMMIT");
  } catch (error) {
    // A failed COMMIT already ended the transaction; a failed statement left it aborted.
    await client.query("ROLLBACK");
    expect(error).toBeInstanceOf(pg.DatabaseError);
    return error as pg.DatabaseError;
  }
  throw new Error("expected the transaction to fail");
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const result = await client.query<{ count: string }>(sql, params);
  return Number(result.rows[0]?.count);
}

interface PaymentRow {
  status?: PaymentStatus;
  amount?: number;
  currency?: string;
  capturable?: number;
  captured?: number;
  refunded?: number;
  refundPending?: number;
}

function insertPaymentSql(id: string, row: PaymentRow): [string, unknown[]] {
  return [
    `INSERT INTO payments (id, merchant_id, mode, status, amount_minor, currency, amount_capturable_minor,
       amount_captured_minor, amount_refunded_minor, amount_refund_pending_minor, capture_method, payment_method_id)
     VALUES ($1, $2, 'TEST', $3::"PaymentStatus", $4, $5, $6, $7, $8, $9, 'MANUAL', $10)`,
    [
      id,
      merchantId,
      row.status ?? "PENDING",
      row.amount ?? 1000,
      row.currency ?? "USD",
      row.capturable ?? 0,
      row.captured ?? 0,
      row.refunded ?? 0,
      row.refundPending ?? 0,
      paymentMethodId,
    ],
  ];
}

/** Inserts a payment directly (the update trigger does not look at inserts) and returns its id. */
async function insertPayment(row: PaymentRow = {}): Promise<string> {
  const id = uid("pay");
  const [sql, params] = insertPaymentSql(id, row);
  await client.query(sql, params);
  return id;
}

/** Amounts that satisfy the check constraints for a payment resting in `status`. */
function amountsFor(status: PaymentStatus): PaymentRow {
  switch (status) {
    case "AUTHORIZED":
    case "REQUIRES_REVIEW":
      return { capturable: 1000 };
    case "CAPTURED":
      return { captured: 1000 };
    case "PARTIALLY_REFUNDED":
      return { captured: 1000, refunded: 400 };
    case "REFUNDED":
      return { captured: 1000, refunded: 1000 };
    default:
      return {};
  }
}

async function setStatus(id: string, status: PaymentStatus): Promise<void> {
  await client.query(
    `UPDATE payments SET status = $2::"PaymentStatus", version = version + 1 WHERE id = $1`,
    [id, status],
  );
}

function journalEntrySql(id: string, currency = "USD"): [string, unknown[]] {
  return [
    `INSERT INTO journal_entries (id, merchant_id, mode, kind, currency) VALUES ($1, $2, 'TEST', 'test.entry', $3)`,
    [id, merchantId, currency],
  ];
}

function lineSql(
  entryId: string,
  accountId: string,
  direction: "DEBIT" | "CREDIT",
  amount: number,
  currency = "USD",
): [string, unknown[]] {
  return [
    `INSERT INTO ledger_lines (journal_entry_id, account_id, direction, amount_minor, currency)
     VALUES ($1, $2, $3::"EntryDirection", $4, $5)`,
    [entryId, accountId, direction, amount, currency],
  ];
}

/** Commits a balanced two-line entry and returns its id. */
async function insertBalancedEntry(amount = 100): Promise<string> {
  const id = uid("je");
  await client.query("BEGIN");
  for (const [sql, params] of [
    journalEntrySql(id),
    lineSql(id, accounts.USD.asset, "DEBIT", amount),
    lineSql(id, accounts.USD.liability, "CREDIT", amount),
  ]) {
    await client.query(sql, params);
  }
  await client.query("COMMIT");
  return id;
}

beforeAll(async () => {
  client = guarded.client;
  await client.query("INSERT INTO merchants (id, name) VALUES ($1, 'Guards test merchant')", [merchantId]);
  await client.query(
    `INSERT INTO payment_methods (id, merchant_id, mode, brand, last4, exp_month, exp_year, fingerprint,
       pan_ciphertext, pan_nonce, pan_auth_tag, key_version)
     VALUES ($1, $2, 'TEST', 'visa', '4242', 12, 2035, $3, '\\x00'::bytea, '\\x00'::bytea, '\\x00'::bytea, 1)`,
    [paymentMethodId, merchantId, "0".repeat(64)],
  );
  await client.query(
    `INSERT INTO ledger_accounts (id, merchant_id, mode, code, type, currency) VALUES
       ($1, $4, 'TEST', 'psp_receivable', 'ASSET', 'USD'),
       ($2, $4, 'TEST', 'merchant_balance', 'LIABILITY', 'USD'),
       ($3, $4, 'TEST', 'psp_receivable', 'ASSET', 'EUR')`,
    [accounts.USD.asset, accounts.USD.liability, accounts.EUR.asset, merchantId],
  );
});

describe("append-only tables", () => {
  let entryId: string;
  let lineId: string;
  let eventId: string;

  beforeAll(async () => {
    entryId = await insertBalancedEntry();
    const line = await client.query<{ id: string }>(
      "SELECT id::text FROM ledger_lines WHERE journal_entry_id = $1 LIMIT 1",
      [entryId],
    );
    lineId = line.rows[0]!.id;
    const paymentId = await insertPayment();
    const event = await client.query<{ id: string }>(
      `INSERT INTO payment_events (payment_id, merchant_id, type, source) VALUES ($1, $2, 'payment.created', 'API')
       RETURNING id::text`,
      [paymentId, merchantId],
    );
    eventId = event.rows[0]!.id;
  });

  const mutations = [
    ["ledger_lines", "UPDATE", () => [`UPDATE ledger_lines SET amount_minor = 1 WHERE id = $1`, [lineId]]],
    ["ledger_lines", "DELETE", () => [`DELETE FROM ledger_lines WHERE id = $1`, [lineId]]],
    [
      "journal_entries",
      "UPDATE",
      () => [`UPDATE journal_entries SET kind = 'rewritten' WHERE id = $1`, [entryId]],
    ],
    // The row trigger fires before the foreign key from ledger_lines is checked.
    ["journal_entries", "DELETE", () => [`DELETE FROM journal_entries WHERE id = $1`, [entryId]]],
    [
      "payment_events",
      "UPDATE",
      () => [`UPDATE payment_events SET type = 'rewritten' WHERE id = $1`, [eventId]],
    ],
    ["payment_events", "DELETE", () => [`DELETE FROM payment_events WHERE id = $1`, [eventId]]],
  ] as const satisfies ReadonlyArray<readonly [string, string, () => [string, unknown[]]]>;

  it.each(mutations)("rejects %s %s", async (table, operation, statement) => {
    const [sql, params] = statement();
    const error = await failure(sql, params);
    expect(error.code).toBe(INSUFFICIENT_PRIVILEGE);
    expect(error.message).toBe(`${table} is append-only: ${operation} rejected`);
    expect(await count(`SELECT count(*) FROM ledger_lines WHERE journal_entry_id = $1`, [entryId])).toBe(2);
    expect(
      await count(`SELECT count(*) FROM journal_entries WHERE id = $1 AND kind = 'test.entry'`, [entryId]),
    ).toBe(1);
    expect(
      await count(`SELECT count(*) FROM payment_events WHERE id = $1 AND type = 'payment.created'`, [
        eventId,
      ]),
    ).toBe(1);
  });

  it.each(["ledger_lines", "journal_entries", "payment_events"])("rejects TRUNCATE %s", async (table) => {
    const before = await count(`SELECT count(*) FROM ${table}`);
    // journal_entries is referenced by ledger_lines (and the FX conversions, payouts' releases...), and Postgres
    // refuses to truncate a referenced table before any trigger runs; dropping every foreign key to it inside
    // the (rolled back) transaction lets the truncate reach the trigger under test rather than that check.
    const setup: Array<[string]> =
      table === "journal_entries"
        ? [
            [
              `DO $$ DECLARE r record; BEGIN
                 FOR r IN SELECT conrelid::regclass AS tbl, conname FROM pg_constraint
                           WHERE confrelid = 'journal_entries'::regclass AND contype = 'f' LOOP
                   EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.conname);
                 END LOOP;
               END $$`,
            ],
          ]
        : [];
    const error = await transactionFailure([...setup, [`TRUNCATE ${table}`]]);
    expect(error.code).toBe(INSUFFICIENT_PRIVILEGE);
    expect(error.message).toBe(`${table} is append-only: TRUNCATE rejected`);
    expect(await count(`SELECT count(*) FROM ${table}`)).toBe(before);
  });
});

describe("balanced journal entries", () => {
  it("rejects an entry whose lines do not balance at COMMIT, and keeps nothing of it", async () => {
    const id = uid("je");
    const linesBefore = await count("SELECT count(*) FROM ledger_lines");
    await client.query("BEGIN");
    for (const [sql, params] of [
      journalEntrySql(id),
      lineSql(id, accounts.USD.asset, "DEBIT", 100),
      lineSql(id, accounts.USD.liability, "CREDIT", 99),
    ]) {
      await client.query(sql, params);
    }
    // The check is deferred: every statement inside the transaction succeeds.
    const error = await client.query("COMMIT").then(
      () => null,
      (e: unknown) => e as pg.DatabaseError,
    );
    expect(error?.code).toBe(CHECK_VIOLATION);
    expect(error?.message).toMatch(/does not balance \(2 lines, debits - credits = 1\)/);
    expect(await count("SELECT count(*) FROM journal_entries WHERE id = $1", [id])).toBe(0);
    expect(await count("SELECT count(*) FROM ledger_lines WHERE journal_entry_id = $1", [id])).toBe(0);
    expect(await count("SELECT count(*) FROM ledger_lines")).toBe(linesBefore);
  });

  it("commits a balanced entry", async () => {
    const id = await insertBalancedEntry(250);
    const rows = await client.query<{ direction: string; amount: string }>(
      "SELECT direction::text, amount_minor::text AS amount FROM ledger_lines WHERE journal_entry_id = $1 ORDER BY id",
      [id],
    );
    expect(rows.rows).toEqual([
      { direction: "DEBIT", amount: "250" },
      { direction: "CREDIT", amount: "250" },
    ]);
  });

  it("checks a line added to an entry of an earlier transaction at the end of its statement", async () => {
    const id = await insertBalancedEntry(100);
    // The line carries its entry's created_at (the month partition they share).
    const sql = `INSERT INTO ledger_lines (journal_entry_id, account_id, direction, amount_minor, currency, created_at)
                 SELECT $1, $2, 'DEBIT', 5, 'USD', created_at FROM journal_entry_ids WHERE id = $1`;
    const params = [id, accounts.USD.asset];
    const error = await client.query(sql, params).then(
      () => null,
      (e: unknown) => e as pg.DatabaseError,
    );
    expect(error?.code).toBe(CHECK_VIOLATION);
    expect(error?.message).toMatch(/does not balance \(3 lines, debits - credits = 5\)/);
    expect(await count("SELECT count(*) FROM ledger_lines WHERE journal_entry_id = $1", [id])).toBe(2);
  });

  it("refuses a line dated otherwise than its entry (it would sit in another month's partition)", async () => {
    const id = await insertBalancedEntry(100);
    const [sql, params] = lineSql(id, accounts.USD.asset, "DEBIT", 5);
    const error = await client.query(sql, params).then(
      () => null,
      (e: unknown) => e as pg.DatabaseError,
    );
    expect(error?.code).toBe(CHECK_VIOLATION);
    expect(error?.message).toMatch(/a line carries its entry's created_at/);
    expect(await count("SELECT count(*) FROM ledger_lines WHERE journal_entry_id = $1", [id])).toBe(2);
  });

  it.each([
    ["a single line", (id: string) => [lineSql(id, accounts.USD.asset, "DEBIT", 100)], /\(1 lines, /],
    ["no line at all", () => [], /\(0 lines, /],
  ] as const)("rejects an entry with %s at COMMIT", async (_name, lines, message) => {
    const id = uid("je");
    const error = await transactionFailure([journalEntrySql(id), ...lines(id)]);
    expect(error.code).toBe(CHECK_VIOLATION);
    expect(error.message).toMatch(message);
    expect(await count("SELECT count(*) FROM journal_entries WHERE id = $1", [id])).toBe(0);
  });

  it.each([
    // A EUR line on a EUR account in a USD entry: (entry, currency) matches no entry.
    ["its entry", "USD", () => accounts.EUR.asset, "ledger_lines_journal_entry_id_currency_fkey"],
    // A EUR line in a EUR entry on a USD account: (account, currency) matches no account.
    ["its account", "EUR", () => accounts.USD.asset, "ledger_lines_account_id_currency_fkey"],
  ] as const)(
    "rejects a line in a currency other than %s (composite foreign key)",
    async (_name, entryCurrency, account, constraint) => {
      const id = uid("je");
      const error = await transactionFailure([
        journalEntrySql(id, entryCurrency),
        lineSql(id, account(), "DEBIT", 100, "EUR"),
      ]);
      expect(error.code).toBe(FOREIGN_KEY_VIOLATION);
      expect(error.constraint).toBe(constraint);
      expect(await count("SELECT count(*) FROM journal_entries WHERE id = $1", [id])).toBe(0);
    },
  );
});

describe("payments", () => {
  it.each([
    ["keeps the version", "version = version"],
    ["skips a version", "version = version + 2"],
    ["moves the version back", "version = version - 1"],
    ["sets an arbitrary version", "version = 7"],
  ])("rejects an update that %s", async (_name, assignment) => {
    const id = await insertPayment();
    const error = await failure(`UPDATE payments SET description = 'changed', ${assignment} WHERE id = $1`, [
      id,
    ]);
    expect(error.code).toBe(CHECK_VIOLATION);
    expect(error.message).toMatch(/updated without advancing its version/);
    const row = await client.query("SELECT version, description FROM payments WHERE id = $1", [id]);
    expect(row.rows[0]).toEqual({ version: 1, description: null });
  });

  it("accepts an update that advances the version by exactly one", async () => {
    const id = await insertPayment();
    await client.query("UPDATE payments SET description = 'changed', version = version + 1 WHERE id = $1", [
      id,
    ]);
    await client.query("UPDATE payments SET description = 'again', version = version + 1 WHERE id = $1", [
      id,
    ]);
    const row = await client.query("SELECT version, description FROM payments WHERE id = $1", [id]);
    expect(row.rows[0]).toEqual({ version: 3, description: "again" });
  });

  it.each<[PaymentStatus, PaymentStatus]>([
    ["CAPTURED", "AUTHORIZED"],
    // REFUNDED -> CAPTURED and -> PARTIALLY_REFUNDED are legal since a bank-transfer refund can be returned.
    ["REFUNDED", "AUTHORIZED"],
    ["DECLINED", "CAPTURED"],
    ["PENDING", "REFUNDED"],
    ["CANCELLED", "AUTHORIZED"],
    ["AUTHORIZED", "PENDING"],
    ["REFUNDED", "PENDING"],
  ])("rejects the illegal status edge %s -> %s", async (from, to) => {
    const id = await insertPayment({ status: from, ...amountsFor(from) });
    const error = await failure(
      `UPDATE payments SET status = $2::"PaymentStatus", version = version + 1 WHERE id = $1`,
      [id, to],
    );
    expect(error.code).toBe(CHECK_VIOLATION);
    expect(error.message).toMatch(`illegal payment transition ${from} -> ${to}`);
    const row = await client.query("SELECT status::text, version FROM payments WHERE id = $1", [id]);
    expect(row.rows[0]).toEqual({ status: from, version: 1 });
  });

  it.each<[PaymentStatus, PaymentStatus]>([
    ["PENDING", "AUTHORIZED"],
    ["PENDING", "CAPTURED"],
    ["AUTHORIZED", "CAPTURED"],
    ["CAPTURED", "REFUNDED"],
    ["PARTIALLY_REFUNDED", "REFUNDED"],
  ])("accepts the legal status edge %s -> %s", async (from, to) => {
    const id = await insertPayment({ status: from, ...amountsFor(from) });
    await setStatus(id, to);
    const row = await client.query("SELECT status::text, version FROM payments WHERE id = $1", [id]);
    expect(row.rows[0]).toEqual({ status: to, version: 2 });
  });

  it("accepts exactly the status changes the core state machine allows, for every pair of statuses", async () => {
    const allowed = corePairs();
    const outcomes: string[] = [];
    for (const from of PAYMENT_STATUSES) {
      for (const to of PAYMENT_STATUSES) {
        if (from === to) continue;
        const id = await insertPayment({ status: from, ...amountsFor(from) });
        const accepted = await setStatus(id, to).then(
          () => true,
          (error: unknown) => {
            expect((error as pg.DatabaseError).code).toBe(CHECK_VIOLATION);
            return false;
          },
        );
        if (accepted !== allowed.has(`${from}->${to}`)) outcomes.push(`${from}->${to}: accepted=${accepted}`);
      }
    }
    expect(outcomes).toEqual([]);
  });

  // Postgres checks a row's constraints in name order and reports the first that fails; where a row
  // breaks a rule that a wider one also covers (captured > amount implies capturable + captured > amount),
  // either name proves the row was refused for the right reason.
  it.each([
    ["a zero amount", { amount: 0 }, ["payments_amount_positive"]],
    ["a negative amount", { amount: -5 }, ["payments_amount_positive"]],
    [
      "captured above the amount",
      { status: "CAPTURED", captured: 1001 },
      ["payments_captured_range", "payments_capturable_plus_captured"],
    ],
    [
      "refunded plus refund pending above captured",
      { status: "PARTIALLY_REFUNDED", captured: 1000, refunded: 600, refundPending: 401 },
      ["payments_refunds_within_captured"],
    ],
    [
      "a negative refunded amount",
      { status: "CAPTURED", captured: 1000, refunded: -1 },
      ["payments_refunds_within_captured"],
    ],
    [
      "capturable above the amount",
      { status: "AUTHORIZED", capturable: 1001 },
      ["payments_capturable_range", "payments_capturable_plus_captured"],
    ],
    [
      "capturable plus captured above the amount",
      { status: "CAPTURED", capturable: 600, captured: 600 },
      ["payments_capturable_plus_captured"],
    ],
    ["a lowercase currency", { currency: "usd" }, ["payments_currency_format"]],
  ] as const satisfies ReadonlyArray<readonly [string, PaymentRow, readonly string[]]>)(
    "rejects a payment with %s",
    async (_name, row, constraints) => {
      const before = await count("SELECT count(*) FROM payments");
      const [sql, params] = insertPaymentSql(uid("pay"), row);
      const error = await failure(sql, params);
      expect(error.code).toBe(CHECK_VIOLATION);
      expect(constraints).toContain(error.constraint);
      expect(await count("SELECT count(*) FROM payments")).toBe(before);
    },
  );

  it("applies the check constraints to updates too", async () => {
    const id = await insertPayment({ status: "CAPTURED", captured: 1000 });
    const error = await failure(
      "UPDATE payments SET amount_refunded_minor = 1001, version = version + 1 WHERE id = $1",
      [id],
    );
    expect(error.code).toBe(CHECK_VIOLATION);
    expect(error.constraint).toBe("payments_refunds_within_captured");
  });

  it.each([
    ["amount_minor", "amount_minor = 2000"],
    ["currency", "currency = 'EUR'"],
    ["merchant_id", "merchant_id = merchant_id || 'x'"],
    ["mode", `mode = 'LIVE'`],
  ])("keeps %s immutable", async (column, assignment) => {
    const id = await insertPayment();
    const error = await failure(`UPDATE payments SET ${assignment}, version = version + 1 WHERE id = $1`, [
      id,
    ]);
    expect(error.code).toBe(CHECK_VIOLATION);
    expect(error.message).toMatch(/identity, amount and currency are immutable/);
    const row = await client.query(`SELECT ${column}::text AS value, version FROM payments WHERE id = $1`, [
      id,
    ]);
    expect(row.rows[0]).toEqual({
      value: { amount_minor: "1000", currency: "USD", merchant_id: merchantId, mode: "TEST" }[column],
      version: 1,
    });
  });
});

/** (from, to) pairs reachable by one event of the core state machine; two events to the same status give one pair. */
function corePairs(): Set<string> {
  const pairs = new Set<string>();
  for (const from of PAYMENT_STATUSES) {
    for (const to of Object.values(PAYMENT_TRANSITIONS[from])) pairs.add(`${from}->${to}`);
  }
  return pairs;
}

describe("payment_status_transitions", () => {
  // Full set equality, self-loops included. The core has one self-loop (PARTIALLY_REFUNDED ->
  // PARTIALLY_REFUNDED, a further partial refund) and so does the SQL table. The trigger only consults
  // the table when the status changes, so the self-loop row is inert there, but requiring the two tables
  // to be identical is the stricter check: an edge added on one side only (loop or not) fails here. The
  // exhaustive test above additionally proves that the trigger accepts exactly the core's from != to pairs.
  it("holds exactly the (from, to) pairs of PAYMENT_TRANSITIONS", async () => {
    const rows = await client.query<{ from: string; to: string }>(
      `SELECT from_status::text AS "from", to_status::text AS "to" FROM payment_status_transitions`,
    );
    const sqlPairs = rows.rows.map((row) => `${row.from}->${row.to}`);
    expect(new Set(sqlPairs).size).toBe(sqlPairs.length);
    expect([...sqlPairs].sort()).toEqual([...corePairs()].sort());
  });

  it("covers every status of the core and nothing else", async () => {
    const rows = await client.query<{ value: string }>(
      `SELECT unnest(enum_range(NULL::"PaymentStatus"))::text AS value`,
    );
    expect(rows.rows.map((row) => row.value)).toEqual([...PAYMENT_STATUSES]);
  });
});

describe("idempotency records", () => {
  function insertRecord(
    key: string,
    mode: "TEST" | "LIVE",
    operation = "createPayment",
    keyKind = "SECRET",
  ): Promise<unknown> {
    return client.query(
      `INSERT INTO idempotency_records (id, merchant_id, mode, key_kind, key, operation, request_hash, status,
                                       locked_until, expires_at)
       VALUES ($1, $2, $3::"Mode", $7::"IdempotencyKeyKind", $4, $5, $6, 'IN_PROGRESS', now(),
               now() + interval '1 day')`,
      [uid("idem"), merchantId, mode, key, operation, "a".repeat(64), keyKind],
    );
  }

  it("writes no second record with the same merchant, mode, key kind and key, whatever its day's partition", async () => {
    const key = uid("key");
    await insertRecord(key, "TEST");
    // Even for another operation: the key, not the operation, is what is unique. The records are partitioned by
    // day, so the key is claimed in idempotency_keys (its primary key) by the records' insert trigger, which
    // skips a record whose key is taken (the ON CONFLICT DO NOTHING every claim in the code relied on).
    const second = (await insertRecord(key, "TEST", "capturePayment")) as pg.QueryResult;
    expect(second.rowCount).toBe(0);
    const tomorrow = (await client.query(
      `INSERT INTO idempotency_records (id, merchant_id, mode, key_kind, key, operation, request_hash, status,
                                       locked_until, expires_at, created_at)
       VALUES ($1, $2, 'TEST', 'SECRET', $3, 'createPayment', $4, 'IN_PROGRESS', now(), now() + interval '2 days',
               now() + interval '1 day')`,
      [uid("idem"), merchantId, key, "a".repeat(64)],
    )) as pg.QueryResult;
    expect(tomorrow.rowCount).toBe(0);
    expect(await count("SELECT count(*) FROM idempotency_records WHERE key = $1", [key])).toBe(1);
    const error = await client
      .query(
        `INSERT INTO idempotency_keys (merchant_id, mode, key_kind, key, record_id, record_created_at, expires_at)
         VALUES ($1, 'TEST', 'SECRET', $2, $3, now(), now())`,
        [merchantId, key, uid("idem")],
      )
      .then(
        () => null,
        (e: unknown) => e as pg.DatabaseError,
      );
    expect(error?.code).toBe(UNIQUE_VIOLATION);
    expect(error?.constraint).toBe("idempotency_keys_pkey");
  });

  it("accepts the same key in the other mode, for another merchant, and for each other key kind", async () => {
    const key = uid("key");
    await insertRecord(key, "TEST");
    await insertRecord(key, "LIVE");
    await client.query(
      `INSERT INTO idempotency_records (id, merchant_id, mode, key_kind, key, operation, request_hash, status,
                                       locked_until, expires_at)
       VALUES ($1, 'mer_other', 'TEST', 'SECRET', $2, 'createPayment', $3, 'IN_PROGRESS', now(),
               now() + interval '1 day')`,
      [uid("idem"), key, "a".repeat(64)],
    );
    for (const kind of ["PUBLISHABLE", "OPERATOR", "SYSTEM"])
      await insertRecord(key, "TEST", "tokenizeCard", kind);
    expect(await count("SELECT count(*) FROM idempotency_records WHERE key = $1", [key])).toBe(6);
  });

  it("rejects an empty key", async () => {
    const error = await insertRecord("", "TEST").then(
      () => null,
      (e: unknown) => e as pg.DatabaseError,
    );
    expect(error?.code).toBe(CHECK_VIOLATION);
    expect(error?.constraint).toBe("idempotency_records_key_not_empty");
  });
});
