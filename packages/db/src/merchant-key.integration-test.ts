// Goal: the schema stays shardable by merchant (docs/scaling.md, "Step 4: shard by merchant with Citus"). Read from
// the migrated database's catalog, it fails when a table lacks the distribution column `merchant_id` (NOT NULL), or
// when a foreign key between two merchant-keyed tables does not carry merchant_id on both sides (a cross-merchant
// key, which a distributed table cannot have), unless the table is a reviewed platform table (a Citus reference
// table) or a listed gap. The gaps are the schema's known debt before `create_distributed_table`: each names what
// it needs; the test also fails when a listed gap no longer exists, so the lists only shrink.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, prepareTemplateDatabase } from "./testing/test-database";

/** Platform tables: not a merchant's data. They become Citus reference tables (copied to every node). */
const PLATFORM_TABLES: Record<string, string> = {
  _prisma_migrations: "Prisma's migration history",
  merchants: "the distribution root: its id is every other table's merchant_id (a reference table)",
  approval_requests: "operators' four-eyes requests, across merchants",
  approval_transitions: "the approval state machine, reference data",
  chain_heads: "tamper evidence over platform-wide streams (one chain per node once sharded)",
  chain_seals: "tamper evidence over platform-wide streams (one chain per node once sharded)",
  checkout_session_status_transitions: "a state machine, reference data",
  console_sign_in_throttles: "operators' sign-in throttling",
  dead_letters: "PSP and bank events that could not be applied, often before their merchant is known",
  dispute_status_transitions: "a state machine, reference data",
  fx_rate_imports: "exchange rates, reference data",
  fx_rates: "exchange rates, reference data",
  invoice_status_transitions: "a state machine, reference data",
  ledger_check_runs: "the platform's consistency check runs, across merchants",
  operator_api_keys: "operators",
  operator_audit_log: "operators' audit trail, across merchants",
  operator_recovery_codes: "operators",
  operator_sessions: "operators",
  operators: "operators",
  payment_status_transitions: "a state machine, reference data",
  payout_status_transitions: "a state machine, reference data",
  process_instances: "the platform's running processes",
  psp_account_secrets: "PSP accounts belong to the platform",
  psp_accounts: "PSP accounts belong to the platform",
  psp_settlement_delays: "per-PSP settings, reference data",
  psp_webhook_events: "PSP notifications as received, before the merchant is known (applied on its shard)",
  psp_webhook_event_ids: "the PSP event ids' uniqueness, with psp_webhook_events",
  recon_imports: "settlement reports are the PSP account's, across merchants",
  recon_item_transitions: "a state machine, reference data",
  recon_item_imports: "the settlement reports (recon_imports) that items were written by, one row per report",
  recon_item_claims:
    "the reconciliation items' unique rules across their month partitions: a PSP's line once, across merchants (an unmatched line has none)",
  smtp_sink_messages: "the development mail sink",
  webhook_endpoint_status_transitions: "a state machine, reference data",
  webhook_event_types: "reference data",
  bank_notifications: "the bank's notifications as received, before the payout's merchant is known",
  bank_account_status_transitions: "a state machine, reference data",
  merchant_onboarding_transitions: "a state machine, reference data",
  sanctions_hit_transitions: "a state machine, reference data",
  psp_report_downloads: "settlement reports the PSP accounts announce, across merchants (like recon_imports)",
  sanctions_list_versions: "sanctions lists, reference data",
  sanctions_names: "sanctions lists, reference data",
};

/** Merchant data without merchant_id yet: each gains the column (filled from its parent) before sharding. */
const TABLES_MISSING_MERCHANT_ID: Record<string, string> = {
  ledger_lines: "gains merchant_id from its journal entry; the ledger's composite keys gain it in front",
  invoice_lines: "gains merchant_id from its invoice",
  invoice_payments: "gains merchant_id from its invoice",
  payout_items: "gains merchant_id from its payout",
  webhook_deliveries: "gains merchant_id from its endpoint",
  webhook_delivery_attempts: "gains merchant_id from its delivery",
  webhook_delivery_ids:
    "the deliveries' id claims (time partitions); gains merchant_id with webhook_deliveries",
  webhook_endpoint_secrets: "gains merchant_id from its endpoint",
  api_key_signing_secrets: "gains merchant_id from its API key",
  request_nonces:
    "gains merchant_id from the API key that signed (short-lived rows, purged after 10 minutes)",
};

/** Merchant-keyed tables whose merchant_id may be NULL: platform-wide rows that move to a reference table. */
const NULLABLE_MERCHANT_ID: Record<string, string> = {
  risk_list_entries: "global deny and allow entries (NULL) move to a reference table of their own",
  routing_rules: "platform default rules (NULL) move to a reference table of their own",
  recon_items: "settlement lines not matched to a merchant (NULL) stay with their import until matched",
};

/** Foreign keys between merchant-keyed tables without merchant_id: each gains it (a composite key) before sharding. */
const CROSS_MERCHANT_KEYS: Record<string, string> = {
  "bank_transfer_credits(payment_id) -> bank_transfers(payment_id)": "(merchant_id, payment_id)",
  "bank_transfer_refunds(payment_id) -> bank_transfers(payment_id)": "(merchant_id, payment_id)",
  "bank_transfer_refunds(refund_id) -> refunds(id)": "(merchant_id, refund_id)",
  "bank_transfer_returns(payment_id) -> bank_transfers(payment_id)": "(merchant_id, payment_id)",
  "bank_transfers(payment_id) -> payments(id)": "(merchant_id, payment_id) -> payments (merchant_id, id)",
  "checkout_session_events(checkout_session_id) -> checkout_sessions(id)":
    "(merchant_id, checkout_session_id)",
  "checkout_sessions(invoice_id) -> invoices(id)": "(merchant_id, invoice_id)",
  "checkout_sessions(payment_id) -> payments(id)": "(merchant_id, payment_id)",
  "credit_notes(receipt_id) -> receipts(id)": "(merchant_id, receipt_id)",
  "credit_notes(refund_id) -> refunds(id)": "(merchant_id, refund_id)",
  "dispute_events(dispute_id) -> disputes(id)": "(merchant_id, dispute_id)",
  "dispute_evidence(dispute_id) -> disputes(id)": "(merchant_id, dispute_id)",
  "disputes(payment_id) -> payments(id)": "(merchant_id, payment_id)",
  "fx_conversions(dispute_id) -> disputes(id)": "(merchant_id, dispute_id)",
  "fx_conversions(payment_id) -> payments(id)": "(merchant_id, payment_id)",
  "fx_conversions(refund_id) -> refunds(id)": "(merchant_id, refund_id)",
  "fx_conversions(settlement_entry_id, settlement_currency) -> journal_entry_ids(id, currency)":
    "(merchant_id, settlement_entry_id, settlement_currency)",
  "fx_conversions(source_entry_id, source_currency) -> journal_entry_ids(id, currency)":
    "(merchant_id, source_entry_id, source_currency)",
  "invoice_events(invoice_id) -> invoices(id)": "(merchant_id, invoice_id)",
  "invoices(payment_id) -> payments(id)": "(merchant_id, payment_id)",
  "journal_entries(dispute_id) -> disputes(id)": "(merchant_id, dispute_id)",
  "ledger_adjustments(journal_entry_id) -> journal_entry_ids(id)": "(merchant_id, journal_entry_id)",
  "payment_events(payment_id) -> payments(id)": "(merchant_id, payment_id)",
  "payments(payment_method_id) -> payment_methods(id)": "(merchant_id, payment_method_id)",
  "payout_events(payout_id) -> payouts(id)": "(merchant_id, payout_id)",
  "payouts(bank_account_id) -> bank_accounts(id)": "(merchant_id, bank_account_id)",
  "payouts(retry_of) -> payouts(id)": "(merchant_id, retry_of)",
  "psp_attempts(payment_id) -> payments(id)": "(merchant_id, payment_id)",
  "psp_attempts(refund_id) -> refunds(id)": "(merchant_id, refund_id)",
  "receipts(payment_id) -> payments(id)": "(merchant_id, payment_id)",
  "refunds(payment_id) -> payments(id)": "(merchant_id, payment_id)",
  "risk_assessments(payment_id) -> payments(id)": "(merchant_id, payment_id)",
  "dispute_evidence_forwards(evidence_id) -> dispute_evidence(id)": "(merchant_id, evidence_id)",
  "dispute_evidence_forwards(dispute_id) -> disputes(id)": "(merchant_id, dispute_id)",
  "bank_account_events(bank_account_id) -> bank_accounts(id)": "(merchant_id, bank_account_id)",
  "reserve_holds(journal_entry_id) -> journal_entry_ids(id)": "(merchant_id, journal_entry_id)",
  "reserve_holds(released_entry_id) -> journal_entry_ids(id)": "(merchant_id, released_entry_id)",
  "sanctions_hits(screening_id) -> sanctions_screenings(id)": "(merchant_id, screening_id)",
  // From a platform table to a merchant's: a reference table cannot reference a distributed one.
  "bank_notifications(payout_id) -> payouts(id)": "checked by the payout's command instead of a foreign key",
};

interface TableRow {
  table: string;
  hasMerchantId: boolean;
  merchantIdNullable: boolean;
}

interface ForeignKeyRow {
  table: string;
  columns: string[];
  referenced: string;
  referencedColumns: string[];
}

let prepared: Awaited<ReturnType<typeof prepareTemplateDatabase>> | undefined;
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let client: pg.Client;
let tables: TableRow[];
let foreignKeys: ForeignKeyRow[];

beforeAll(async () => {
  prepared = await prepareTemplateDatabase();
  database = await createTestDatabase(prepared.adminUrl, prepared.templateName);
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  // Tables and partitioned tables, not their partitions (a partition is its parent's storage).
  tables = (
    await client.query<TableRow>(`
      SELECT c.relname AS "table", a.attname IS NOT NULL AS "hasMerchantId",
             COALESCE(NOT a.attnotnull, false) AS "merchantIdNullable"
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'merchant_id' AND NOT a.attisdropped
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       ORDER BY 1`)
  ).rows;
  // Each foreign key once (a partitioned table's is cloned to its partitions: only the parent's counts).
  foreignKeys = (
    await client.query<ForeignKeyRow>(`
      SELECT c.relname AS "table", r.relname AS "referenced",
             array(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
                     JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i) AS columns,
             array(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, i)
                     JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i) AS "referencedColumns"
        FROM pg_constraint k
        JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_class r ON r.oid = k.confrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE k.contype = 'f' AND k.conparentid = 0 AND NOT c.relispartition AND n.nspname = current_schema()`)
  ).rows;
});

afterAll(async () => {
  await client?.end();
  await database?.drop();
  await prepared?.stop();
});

const describeKey = (key: ForeignKeyRow) =>
  `${key.table}(${key.columns.join(", ")}) -> ${key.referenced}(${key.referencedColumns.join(", ")})`;

describe("every table is keyed by merchant", () => {
  it("has merchant_id, or is a reviewed platform table, or a listed gap", () => {
    const unkeyed = tables
      .filter((row) => !row.hasMerchantId)
      .map((row) => row.table)
      .filter((table) => !(table in PLATFORM_TABLES) && !(table in TABLES_MISSING_MERCHANT_ID));
    expect(unkeyed, "add merchant_id, or list the table in PLATFORM_TABLES with its reason").toEqual([]);
  });

  it("has merchant_id NOT NULL on merchant data, but for the listed tables", () => {
    const nullable = tables
      .filter((row) => row.hasMerchantId && row.merchantIdNullable)
      .map((row) => row.table)
      .filter((table) => !(table in NULLABLE_MERCHANT_ID));
    expect(nullable, "a distribution column cannot be NULL").toEqual([]);
  });

  it("has no cross-merchant foreign key: between merchant-keyed tables a key carries merchant_id on both sides", () => {
    const keyed = new Set(tables.filter((row) => row.hasMerchantId).map((row) => row.table));
    const platform = (table: string) => table in PLATFORM_TABLES && table !== "merchants";
    const merchantData = (table: string) => keyed.has(table) || table in TABLES_MISSING_MERCHANT_ID;
    const crossMerchant = foreignKeys.filter((key) => {
      // To the merchants root: fine when the column is merchant_id itself.
      if (key.referenced === "merchants")
        return !(key.columns.length === 1 && key.columns[0] === "merchant_id");
      // To reference data: fine (reference tables are on every node).
      if (platform(key.referenced)) return false;
      // From reference data to a merchant's data: never possible once sharded.
      if (platform(key.table)) return merchantData(key.referenced);
      // A table still missing merchant_id is a listed gap already; its keys are fixed with it.
      if (key.table in TABLES_MISSING_MERCHANT_ID || key.referenced in TABLES_MISSING_MERCHANT_ID)
        return false;
      const at = key.columns.indexOf("merchant_id");
      return at < 0 || key.referencedColumns[at] !== "merchant_id";
    });
    const unlisted = crossMerchant.map(describeKey).filter((key) => !(key in CROSS_MERCHANT_KEYS));
    expect(unlisted, "include merchant_id in the key, or review and list it in CROSS_MERCHANT_KEYS").toEqual(
      [],
    );
  });

  it("lists only gaps and platform tables that still exist (the lists shrink as the schema is fixed)", () => {
    const byName = new Map(tables.map((row) => [row.table, row]));
    const keys = new Set(foreignKeys.map(describeKey));
    const stale = [
      ...Object.keys(PLATFORM_TABLES).filter((table) => byName.get(table) === undefined),
      ...Object.keys(TABLES_MISSING_MERCHANT_ID).filter(
        (table) => byName.get(table)?.hasMerchantId !== false,
      ),
      ...Object.keys(NULLABLE_MERCHANT_ID).filter((table) => byName.get(table)?.merchantIdNullable !== true),
      ...Object.keys(CROSS_MERCHANT_KEYS).filter((key) => !keys.has(key)),
    ];
    expect(stale).toEqual([]);
  });

  it("sees the schema it checks (a catalog query that found nothing would pass everything)", () => {
    expect(tables.length).toBeGreaterThan(50);
    expect(tables.find((row) => row.table === "payments")).toMatchObject({ hasMerchantId: true });
    expect(foreignKeys.map(describeKey)).toContain("payments(merchant_id) -> merchants(id)");
  });
});
