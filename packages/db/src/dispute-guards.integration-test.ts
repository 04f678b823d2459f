// Proves the database enforces the dispute state machine (the same edges as the core's table), a stage that never
// moves back, an immutable identity and amount, and an append-only audit trail, whatever code writes to it.
import { randomBytes } from "node:crypto";
import {
  DISPUTE_STATUSES,
  DISPUTE_TRANSITIONS,
  type DisputeStatus,
} from "@paycore/core/disputes/dispute-state-machine";
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { CHECK_VIOLATION, INSUFFICIENT_PRIVILEGE, uid, useGuardDatabase } from "./testing/guard-database";

const guarded = useGuardDatabase();
const { failure } = guarded;
let client: pg.Client;

const merchantId = `mer_${randomBytes(6).toString("hex")}`;
const paymentMethodId = `pm_${randomBytes(6).toString("hex")}`;
const paymentId = `pay_${randomBytes(6).toString("hex")}`;

async function insertDispute(status: DisputeStatus, stage = "chargeback"): Promise<string> {
  const id = uid("dp");
  await client.query(
    `INSERT INTO disputes (id, payment_id, merchant_id, mode, amount_minor, currency, status, stage, reason,
       psp_name, psp_reference, psp_stage)
     VALUES ($1, $2, $3, 'TEST', 500, 'USD', $4::"DisputeStatus", $5, 'general', 'stripe', $6, 'test')`,
    [id, paymentId, merchantId, status, stage, id],
  );
  return id;
}

beforeAll(async () => {
  client = guarded.client;
  await client.query("INSERT INTO merchants (id, name) VALUES ($1, 'Dispute guards merchant')", [merchantId]);
  await client.query(
    `INSERT INTO payment_methods (id, merchant_id, mode, brand, last4, exp_month, exp_year, fingerprint,
       pan_ciphertext, pan_nonce, pan_auth_tag, key_version)
     VALUES ($1, $2, 'TEST', 'visa', '4242', 12, 2035, $3, '\\x00'::bytea, '\\x00'::bytea, '\\x00'::bytea, 1)`,
    [paymentMethodId, merchantId, "0".repeat(64)],
  );
  await client.query(
    `INSERT INTO payments (id, merchant_id, mode, status, amount_minor, currency, amount_captured_minor,
       capture_method, payment_method_id)
     VALUES ($1, $2, 'TEST', 'CAPTURED', 1000, 'USD', 1000, 'AUTOMATIC', $3)`,
    [paymentId, merchantId, paymentMethodId],
  );
});

describe("dispute_status_transitions", () => {
  it("holds exactly the core's edges, and the enum exactly the core's statuses", async () => {
    const rows = await client.query<{ pair: string }>(
      `SELECT from_status::text || '>' || to_status::text AS pair FROM dispute_status_transitions`,
    );
    const core = DISPUTE_STATUSES.flatMap((from) => DISPUTE_TRANSITIONS[from].map((to) => `${from}>${to}`));
    expect(rows.rows.map((row) => row.pair).sort()).toEqual(core.sort());
    const statuses = await client.query<{ value: string }>(
      `SELECT unnest(enum_range(NULL::"DisputeStatus"))::text AS value`,
    );
    expect(statuses.rows.map((row) => row.value)).toEqual([...DISPUTE_STATUSES]);
  });

  const pairs = DISPUTE_STATUSES.flatMap((from) =>
    DISPUTE_STATUSES.filter((to) => to !== from).map((to) => [from, to] as const),
  );
  it.each(pairs)("the trigger allows %s -> %s exactly when the core does", async (from, to) => {
    const id = await insertDispute(from);
    const update = `UPDATE disputes SET status = $2::"DisputeStatus", version = version + 1 WHERE id = $1`;
    if ((DISPUTE_TRANSITIONS[from] as readonly string[]).includes(to)) {
      await client.query(update, [id, to]);
    } else {
      expect((await failure(update, [id, to])).code).toBe(CHECK_VIOLATION);
    }
  });
});

describe("dispute rows", () => {
  it("refuse an update that does not advance the version", async () => {
    const id = await insertDispute("NEEDS_RESPONSE");
    const error = await failure(`UPDATE disputes SET status = 'UNDER_REVIEW' WHERE id = $1`, [id]);
    expect(error.code).toBe(CHECK_VIOLATION);
  });

  it("refuse a stage that moves back", async () => {
    const id = await insertDispute("LOST", "second_chargeback");
    const error = await failure(
      `UPDATE disputes SET stage = 'chargeback', version = version + 1 WHERE id = $1`,
      [id],
    );
    expect(error.message).toMatch(/stage moved back/);
  });

  it("refuse a changed amount, and deletion", async () => {
    const id = await insertDispute("NEEDS_RESPONSE");
    expect(
      (await failure(`UPDATE disputes SET amount_minor = 1, version = version + 1 WHERE id = $1`, [id])).code,
    ).toBe(CHECK_VIOLATION);
    expect((await failure(`DELETE FROM disputes WHERE id = $1`, [id])).code).toBe(INSUFFICIENT_PRIVILEGE);
  });

  it("keep the audit trail append-only", async () => {
    const id = await insertDispute("NEEDS_RESPONSE");
    await client.query(
      `INSERT INTO dispute_events (dispute_id, merchant_id, type, new_status, source) VALUES ($1, $2, 'x', 'NEEDS_RESPONSE', 'WEBHOOK')`,
      [id, merchantId],
    );
    expect((await failure(`DELETE FROM dispute_events WHERE dispute_id = $1`, [id])).code).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
  });

  it("keep a payment's disputed amount within its captured amount", async () => {
    const error = await failure(
      `UPDATE payments SET amount_disputed_minor = 1001, version = version + 1 WHERE id = $1`,
      [paymentId],
    );
    expect(error.code).toBe(CHECK_VIOLATION);
  });
});
