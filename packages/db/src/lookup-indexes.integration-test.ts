// The lookups that run per request, per PSP notification or per worker pass find their rows through an index,
// whatever the size of the tables: a missing index shows up here as a sequential scan, not in production as a
// webhook that reads all of psp_attempts. Sequential scans are disabled for the session, so the planner takes
// any index that can answer the lookup even on the template's empty tables, and only a lookup without one
// keeps its `Seq Scan` (or scans some index whole, without an index condition).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, prepareTemplateDatabase } from "./testing/test-database";

let prepared: Awaited<ReturnType<typeof prepareTemplateDatabase>> | undefined;
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let client: pg.Client;

beforeAll(async () => {
  prepared = await prepareTemplateDatabase();
  database = await createTestDatabase(prepared.adminUrl, prepared.templateName);
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query("SET enable_seqscan = off");
});

afterAll(async () => {
  await client?.end();
  await database?.drop();
  await prepared?.stop();
});

/**
 * [what is looked up, the statement's shape with literals, the index that must answer it, or the start of the
 * names of those that may (on empty tables the planner picks any of the equally good ones)]
 */
const LOOKUPS: Array<[string, string, string]> = [
  [
    "a settlement import's chunk of lines already recorded (2,000 keys at a time, every chunk)",
    `SELECT key FROM recon_item_claims WHERE kind = 'line' AND scope = 'stripe' AND key = ANY('{txn_1,txn_2}'::text[])`,
    "recon_item_claims_pkey",
  ],
  [
    "whether a capture is settled (per candidate of every import chunk)",
    `SELECT 1 FROM recon_item_claims s WHERE s.kind = 'settled' AND s.scope = '' AND s.key = 'je_1'`,
    "recon_item_claims_pkey",
  ],
  [
    "an account's balance (payouts, balance reads)",
    `SELECT direction, sum(amount_minor) FROM ledger_lines WHERE account_id = 'la_1' GROUP BY direction`,
    "ledger_lines_*_account_id_direction_amount_minor_idx",
  ],
  [
    "an API key by its secret's hash (every API request)",
    `SELECT id FROM api_keys WHERE secret_hash = 'h' AND revoked_at IS NULL`,
    "api_keys_secret_hash_key",
  ],
  [
    "an operator's session by its token's hash (every console request)",
    `SELECT id FROM operator_sessions WHERE token_hash = 'h'`,
    "operator_sessions_token_hash_key",
  ],
  [
    "a console sign-in's throttle keys (every sign-in and second step)",
    `SELECT blocked_until FROM console_sign_in_throttles WHERE key IN ('ip:1.2.3.4', 'account_ip:a@b.c|1.2.3.4')`,
    "console_sign_in_throttles_pkey",
  ],
  [
    "operator accounts being throttled (the admin's overview)",
    `SELECT email FROM console_sign_in_throttles WHERE kind = 'account_ip' AND blocked_until IS NOT NULL
       AND last_failure_at > now() - interval '1 hour' ORDER BY last_failure_at DESC LIMIT 50`,
    "console_sign_in_throttles_throttled_idx",
  ],
  [
    "a recovery code being spent (second step of sign-in)",
    `SELECT id FROM operator_recovery_codes WHERE operator_id = 'op_x' AND code_hash = 'h' AND used_at IS NULL`,
    "operator_recovery_codes_operator_id_code_hash_key",
  ],
  [
    "deny and allow list entries for a value (every createPayment)",
    `SELECT list FROM risk_list_entries WHERE kind = 'EMAIL' AND value = 'a@example.com'
       AND (merchant_id = 'mer_x' OR merchant_id IS NULL)`,
    "risk_list_entries_kind_value_idx",
  ],
  [
    "a card's recent payments (velocity without Redis, travel)",
    `SELECT count(*) FROM payments WHERE card_fingerprint = 'f' AND mode = 'TEST' AND created_at >= now() - interval '1 hour'`,
    "payments_card_fingerprint_created_at_idx",
  ],
  [
    "a merchant's amount history (fraud scoring, cached)",
    `SELECT avg(amount_captured_minor) FROM payments WHERE merchant_id = 'mer_x' AND mode = 'TEST' AND currency = 'USD'
       AND created_at >= now() - interval '30 days' AND amount_captured_minor > 0`,
    "payments_merchant_id_",
  ],
  [
    "a PSP notification seen before (every webhook)",
    `SELECT e.id FROM psp_webhook_event_ids k JOIN psp_webhook_events e ON e.id = k.row_id AND e.received_at = k.received_at
      WHERE k.psp_name = 'sandbox' AND k.event_id = 'evt_1'`,
    "psp_webhook_event_ids_pkey",
  ],
  [
    "a payment's attempts (every change, every notification)",
    `SELECT id FROM psp_attempts WHERE payment_id = 'pay_x'`,
    "psp_attempts_payment_id_idx",
  ],
  [
    "a payment's events (payment reads)",
    `SELECT id FROM payment_events WHERE payment_id = 'pay_x' ORDER BY id`,
    "payment_events_*payment_id_id_idx",
  ],
  [
    "a payment's refunds (refunds, payment reads)",
    `SELECT id FROM refunds WHERE payment_id = 'pay_x'`,
    "refunds_payment_id_idx",
  ],
  [
    "a payment's journal entries (payment reads, ledger checks)",
    `SELECT id FROM journal_entries WHERE payment_id = 'pay_x'`,
    "journal_entries_*payment_id_idx",
  ],
  [
    "whether a card is new at a merchant (every createPayment)",
    `SELECT 1 FROM card_first_uses WHERE merchant_id = 'mer_x' AND mode = 'TEST' AND card_fingerprint = 'f'`,
    "card_first_uses_pkey",
  ],
  [
    "an idempotency key (every write request)",
    `SELECT r.id FROM idempotency_keys k JOIN idempotency_records r ON r.id = k.record_id AND r.created_at = k.record_created_at
      WHERE k.merchant_id = 'mer_x' AND k.mode = 'TEST' AND k.key_kind = 'SECRET' AND k.key = 'k'`,
    "idempotency_keys_pkey",
  ],
  [
    "a request's key by the payment it created (completed by the resolver or after a lost race)",
    `SELECT id FROM idempotency_records WHERE resource_id = 'pay_x' AND status = 'IN_PROGRESS'`,
    "idempotency_records_*resource_id_idx",
  ],
  [
    "a notification's payment by the payment's PSP reference",
    `SELECT id FROM payments WHERE psp_name = 'sandbox' AND psp_reference = 'ch_1' LIMIT 1`,
    "payments_psp_reference_idx",
  ],
  [
    "a notification's payment by an attempt's PSP reference",
    `SELECT payment_id FROM psp_attempts WHERE psp_name = 'sandbox' AND psp_reference = 'ch_1' LIMIT 1`,
    "psp_attempts_psp_reference_idx",
  ],
  [
    "holds past their expiry (hold-expiry worker)",
    `SELECT id FROM payments WHERE status = 'REQUIRES_REVIEW' AND review_expires_at < now() LIMIT 50`,
    "payments_review_expiry_idx",
  ],
  [
    "a merchant's newest payments (payments list)",
    `SELECT id FROM payments WHERE merchant_id = 'mer_x' AND mode = 'TEST' ORDER BY created_at DESC, id DESC LIMIT 20`,
    "payments_merchant_id_mode_created_at_id_idx",
  ],
];

describe("lookups by index", () => {
  it.each(LOOKUPS)("%s", async (_what, statement, index) => {
    const { rows } = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (COSTS OFF) ${statement}`);
    const lines = rows.map((row) => row["QUERY PLAN"]);
    expect(lines.join("\n")).not.toContain("Seq Scan");
    // The index scanned with a condition, not whole (which the disabled sequential scan would make cheap).
    // A partitioned table's lookup scans each partition's copy of the index: `*` stands for the partition's name.
    const name = new RegExp(` ${index.replaceAll("*", "[a-z0-9_]*")}`);
    const scan = lines.findIndex(
      (line) => / (Index|Index Only|Bitmap Index) Scan /.test(` ${line}`) && name.test(line),
    );
    expect(scan, lines.join("\n")).toBeGreaterThanOrEqual(0);
    expect(lines[scan + 1], lines.join("\n")).toContain("Index Cond");
  });
});
