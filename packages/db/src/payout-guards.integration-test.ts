// Proves the database enforces the payout state machine (the same edges as the core's table), a version that
// counts status changes (one per change, none otherwise), an immutable identity, amount and destination, no deletion, an append-only audit trail, and one posting per source-event key,
// whatever code writes to it.
import { randomBytes } from "node:crypto";
import {
  BANK_ACCOUNT_STATUSES,
  type BankAccountStatus,
  bankAccountTransitionEdges,
} from "@paycore/core/payouts/bank-account-state-machine";
import {
  PAYOUT_STATUSES,
  type PayoutStatus,
  payoutTransitionEdges,
} from "@paycore/core/payouts/payout-state-machine";
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CHECK_VIOLATION,
  INSUFFICIENT_PRIVILEGE,
  UNIQUE_VIOLATION,
  uid,
  useGuardDatabase,
} from "./testing/guard-database";

const guarded = useGuardDatabase();
const { failure } = guarded;
let client: pg.Client;

const merchantId = `mer_${randomBytes(6).toString("hex")}`;
const bankAccountId = `ba_${randomBytes(6).toString("hex")}`;

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
  client = guarded.client;
  await client.query("INSERT INTO merchants (id, name) VALUES ($1, 'Payout guards merchant')", [merchantId]);
  await client.query(
    `INSERT INTO bank_accounts (id, merchant_id, mode, rail, country, currency, holder_name, bank_name, last4,
       number_ciphertext, number_nonce, number_auth_tag, number_key_version, status)
     VALUES ($1, $2, 'TEST', 'SEPA', 'DE', 'EUR', 'Holder', 'Bank', '3000', '\\x00'::bytea, '\\x00'::bytea,
             '\\x00'::bytea, 1, 'VERIFIED')`,
    [bankAccountId, merchantId],
  );
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

  it("advance the version by exactly one per status change and never otherwise (merchants see it)", async () => {
    const id = await insertPayout("PENDING");
    // The bank call's bookkeeping leaves the version alone; advancing it there is refused.
    await client.query(
      "UPDATE payouts SET bank_call = 'UNKNOWN', bank_call_count = bank_call_count + 1 WHERE id = $1",
      [id],
    );
    expect(
      (
        await failure(
          "UPDATE payouts SET bank_call_count = bank_call_count + 1, version = version + 1 WHERE id = $1",
          [id],
        )
      ).message,
    ).toMatch(/version moved without a status change/);
    expect((await failure("UPDATE payouts SET bank_call_count = 0 WHERE id = $1", [id])).message).toMatch(
      /bank call count cannot go back/,
    );
    expect((await failure("UPDATE payouts SET failure_code = 'x' WHERE id = $1", [id])).message).toMatch(
      /failure code changed without a status change/,
    );
    // A status change moves one edge and one version: two steps or a skipped version are refused.
    expect(
      (await failure(`UPDATE payouts SET status = 'PAID', version = version + 2 WHERE id = $1`, [id])).code,
    ).toBe(CHECK_VIOLATION);
    expect(
      (await failure(`UPDATE payouts SET status = 'IN_TRANSIT', version = version + 2 WHERE id = $1`, [id]))
        .message,
    ).toMatch(/without advancing its version by one/);
    await client.query(`UPDATE payouts SET status = 'IN_TRANSIT', version = version + 1 WHERE id = $1`, [id]);
    await client.query(`UPDATE payouts SET status = 'PAID', version = version + 1 WHERE id = $1`, [id]);
    const row = await client.query<{ version: number; bank_call_count: number }>(
      "SELECT version, bank_call_count FROM payouts WHERE id = $1",
      [id],
    );
    expect(row.rows[0]).toEqual({ version: 3, bank_call_count: 1 });
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

// Payouts, finished (issue 18): the bank account verification table, and reserve holds.
describe("bank account verification", () => {
  async function insertAccount(status: BankAccountStatus): Promise<string> {
    const id = uid("ba");
    await client.query(
      `INSERT INTO bank_accounts (id, merchant_id, mode, rail, country, currency, holder_name, bank_name, last4,
         number_ciphertext, number_nonce, number_auth_tag, number_key_version, status, verification_method,
         micro_deposits_ciphertext, micro_deposits_nonce, micro_deposits_auth_tag, micro_deposits_key_version)
       VALUES ($1, $2, 'TEST', 'SEPA', 'DE', 'EUR', 'Holder', 'Bank', '3000', '\\x00'::bytea, '\\x00'::bytea,
               '\\x00'::bytea, 1, $3, 'MICRO_DEPOSITS', '\\x01'::bytea, '\\x01'::bytea, '\\x01'::bytea, 1)`,
      [id, merchantId, status],
    );
    return id;
  }

  it("holds exactly the core's edges", async () => {
    const rows = await client.query<{ pair: string }>(
      "SELECT from_status || '>' || to_status AS pair FROM bank_account_status_transitions",
    );
    const core = bankAccountTransitionEdges().map(([from, to]) => `${from}>${to}`);
    expect(rows.rows.map((row) => row.pair).sort()).toEqual(core.sort());
  });

  const edges = new Set(bankAccountTransitionEdges().map(([from, to]) => `${from}>${to}`));
  const pairs = BANK_ACCOUNT_STATUSES.flatMap((from) =>
    BANK_ACCOUNT_STATUSES.filter((to) => to !== from).map((to) => [from, to] as const),
  );
  it.each(pairs)("the trigger allows %s -> %s exactly when the core does", async (from, to) => {
    const id = await insertAccount(from);
    const update = "UPDATE bank_accounts SET status = $2, version = version + 1 WHERE id = $1";
    if (edges.has(`${from}>${to}`)) await client.query(update, [id, to]);
    else expect((await failure(update, [id, to])).code).toBe(CHECK_VIOLATION);
  });

  it("refuses an unversioned update, fewer attempts, a new number or new deposits, and deletion", async () => {
    const id = await insertAccount("PENDING_VERIFICATION");
    for (const statement of [
      "UPDATE bank_accounts SET status = 'VERIFIED' WHERE id = $1",
      "UPDATE bank_accounts SET verification_attempts = 4, version = version + 1 WHERE id = $1",
      "UPDATE bank_accounts SET number_ciphertext = '\\x02'::bytea, version = version + 1 WHERE id = $1",
      "UPDATE bank_accounts SET micro_deposits_ciphertext = '\\x02'::bytea, version = version + 1 WHERE id = $1",
    ])
      expect((await failure(statement, [id])).code, statement).toBe(CHECK_VIOLATION);
    await client.query(
      "UPDATE bank_accounts SET verification_attempts = 2, version = version + 1 WHERE id = $1",
      [id],
    );
    expect(
      (
        await failure(
          "UPDATE bank_accounts SET verification_attempts = 1, version = version + 1 WHERE id = $1",
          [id],
        )
      ).code,
    ).toBe(CHECK_VIOLATION);
    expect((await failure("DELETE FROM bank_accounts WHERE id = $1", [id])).code).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
    await client.query(
      `INSERT INTO bank_account_events (bank_account_id, merchant_id, type, new_status)
       VALUES ($1, $2, 'bank_account.created', 'PENDING_VERIFICATION')`,
      [id, merchantId],
    );
    expect((await failure("DELETE FROM bank_account_events WHERE bank_account_id = $1", [id])).code).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
  });
});

describe("reserve holds", () => {
  it("cannot be changed once released, nor deleted", async () => {
    const hold = uid("je");
    const release = uid("je");
    // The entries have no lines: one transaction, rolled back (a savepoint around each refused statement).
    const refused = async (statement: string, params: unknown[]) => {
      await client.query("SAVEPOINT refused");
      const error = await failure(statement, params);
      await client.query("ROLLBACK TO SAVEPOINT refused");
      return error.code;
    };
    await client.query("BEGIN");
    try {
      await client.query(
        `INSERT INTO journal_entries (id, merchant_id, mode, kind, currency) VALUES ($1, $2, 'TEST', 'x', 'EUR'),
           ($3, $2, 'TEST', 'x', 'EUR')`,
        [hold, merchantId, release],
      );
      await client.query(
        `INSERT INTO reserve_holds (journal_entry_id, merchant_id, mode, currency, amount_minor, release_on)
         VALUES ($1, $2, 'TEST', 'EUR', 100, now())`,
        [hold, merchantId],
      );
      expect(
        await refused("UPDATE reserve_holds SET amount_minor = 1 WHERE journal_entry_id = $1", [hold]),
      ).toBe(CHECK_VIOLATION);
      await client.query(
        "UPDATE reserve_holds SET released_entry_id = $2, released_at = now() WHERE journal_entry_id = $1",
        [hold, release],
      );
      expect(
        await refused("UPDATE reserve_holds SET released_entry_id = NULL WHERE journal_entry_id = $1", [
          hold,
        ]),
      ).toBe(CHECK_VIOLATION);
      expect(await refused("DELETE FROM reserve_holds WHERE journal_entry_id = $1", [hold])).toBe(
        INSUFFICIENT_PRIVILEGE,
      );
    } finally {
      await client.query("ROLLBACK");
    }
  });
});
