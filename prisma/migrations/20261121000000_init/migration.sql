-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Mode" AS ENUM ('TEST', 'LIVE');

-- CreateEnum
CREATE TYPE "ApiKeyKind" AS ENUM ('SECRET', 'PUBLISHABLE');

-- CreateEnum
CREATE TYPE "PaymentStatus" AS ENUM ('PENDING', 'REQUIRES_REVIEW', 'AUTHORIZED', 'CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'DECLINED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "CaptureMethod" AS ENUM ('AUTOMATIC', 'MANUAL');

-- CreateEnum
CREATE TYPE "PspOperation" AS ENUM ('AUTHORIZE', 'CAPTURE', 'VOID', 'REFUND');

-- CreateEnum
CREATE TYPE "PspAttemptStatus" AS ENUM ('PENDING', 'SUCCEEDED', 'FAILED', 'UNKNOWN');

-- CreateEnum
CREATE TYPE "RefundStatus" AS ENUM ('PENDING', 'SUCCEEDED', 'FAILED');

-- CreateEnum
CREATE TYPE "EventSource" AS ENUM ('API', 'WEBHOOK', 'SYSTEM');

-- CreateEnum
CREATE TYPE "EntryDirection" AS ENUM ('DEBIT', 'CREDIT');

-- CreateEnum
CREATE TYPE "LedgerAccountType" AS ENUM ('ASSET', 'LIABILITY', 'REVENUE');

-- CreateEnum
CREATE TYPE "IdempotencyStatus" AS ENUM ('IN_PROGRESS', 'COMPLETED');

-- CreateTable
CREATE TABLE "merchants" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "fee_rate_bps" INTEGER NOT NULL DEFAULT 290,
    "fee_fixed_minor" BIGINT NOT NULL DEFAULT 30,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "merchants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "kind" "ApiKeyKind" NOT NULL,
    "mode" "Mode" NOT NULL,
    "secret_hash" CHAR(64) NOT NULL,
    "display_hint" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payment_methods" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "mode" "Mode" NOT NULL,
    "brand" TEXT NOT NULL,
    "last4" CHAR(4) NOT NULL,
    "exp_month" SMALLINT NOT NULL,
    "exp_year" SMALLINT NOT NULL,
    "fingerprint" CHAR(64) NOT NULL,
    "pan_ciphertext" BYTEA NOT NULL,
    "pan_nonce" BYTEA NOT NULL,
    "pan_auth_tag" BYTEA NOT NULL,
    "key_version" SMALLINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_methods_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payments" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "mode" "Mode" NOT NULL,
    "status" "PaymentStatus" NOT NULL DEFAULT 'PENDING',
    "amount_minor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "amount_capturable_minor" BIGINT NOT NULL DEFAULT 0,
    "amount_captured_minor" BIGINT NOT NULL DEFAULT 0,
    "amount_refunded_minor" BIGINT NOT NULL DEFAULT 0,
    "amount_refund_pending_minor" BIGINT NOT NULL DEFAULT 0,
    "capture_method" "CaptureMethod" NOT NULL,
    "payment_method_id" TEXT NOT NULL,
    "description" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "psp_name" TEXT,
    "psp_reference" TEXT,
    "failure_code" TEXT,
    "failure_message" TEXT,
    "pending_operation" "PspOperation",
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "psp_attempts" (
    "id" TEXT NOT NULL,
    "payment_id" TEXT NOT NULL,
    "refund_id" TEXT,
    "merchant_id" TEXT NOT NULL,
    "operation" "PspOperation" NOT NULL,
    "psp_name" TEXT NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" "PspAttemptStatus" NOT NULL DEFAULT 'PENDING',
    "psp_reference" TEXT,
    "error_code" TEXT,
    "error_message" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "psp_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "refunds" (
    "id" TEXT NOT NULL,
    "payment_id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "mode" "Mode" NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" "RefundStatus" NOT NULL DEFAULT 'PENDING',
    "reason" TEXT,
    "psp_reference" TEXT,
    "failure_code" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "refunds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_accounts" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "mode" "Mode" NOT NULL,
    "code" TEXT NOT NULL,
    "type" "LedgerAccountType" NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "journal_entries" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "mode" "Mode" NOT NULL,
    "kind" TEXT NOT NULL,
    "payment_id" TEXT,
    "refund_id" TEXT,
    "currency" CHAR(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "journal_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_lines" (
    "id" BIGSERIAL NOT NULL,
    "journal_entry_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "direction" "EntryDirection" NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_lines_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payment_events" (
    "id" BIGSERIAL NOT NULL,
    "payment_id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "old_status" "PaymentStatus",
    "new_status" "PaymentStatus",
    "source" "EventSource" NOT NULL,
    "actor" TEXT,
    "data" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_records" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "mode" "Mode" NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "operation" TEXT NOT NULL,
    "request_hash" CHAR(64) NOT NULL,
    "status" "IdempotencyStatus" NOT NULL,
    "resource_id" TEXT,
    "response" JSONB,
    "locked_until" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_messages" (
    "id" BIGSERIAL NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "mode" "Mode" NOT NULL,
    "topic" TEXT NOT NULL,
    "aggregate_id" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_messages_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_secret_hash_key" ON "api_keys"("secret_hash");

-- CreateIndex
CREATE INDEX "api_keys_merchant_id_idx" ON "api_keys"("merchant_id");

-- CreateIndex
CREATE INDEX "payment_methods_merchant_id_mode_fingerprint_idx" ON "payment_methods"("merchant_id", "mode", "fingerprint");

-- CreateIndex
CREATE INDEX "payments_merchant_id_mode_created_at_id_idx" ON "payments"("merchant_id", "mode", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "payments_merchant_id_mode_status_created_at_idx" ON "payments"("merchant_id", "mode", "status", "created_at" DESC);

-- CreateIndex
CREATE INDEX "payments_psp_name_psp_reference_idx" ON "payments"("psp_name", "psp_reference");

-- CreateIndex
CREATE UNIQUE INDEX "psp_attempts_idempotency_key_key" ON "psp_attempts"("idempotency_key");

-- CreateIndex
CREATE INDEX "psp_attempts_payment_id_idx" ON "psp_attempts"("payment_id");

-- CreateIndex
CREATE INDEX "refunds_payment_id_idx" ON "refunds"("payment_id");

-- CreateIndex
CREATE INDEX "refunds_merchant_id_mode_created_at_idx" ON "refunds"("merchant_id", "mode", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "ledger_accounts_merchant_id_mode_code_currency_key" ON "ledger_accounts"("merchant_id", "mode", "code", "currency");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_accounts_id_currency_key" ON "ledger_accounts"("id", "currency");

-- CreateIndex
CREATE INDEX "journal_entries_payment_id_idx" ON "journal_entries"("payment_id");

-- CreateIndex
CREATE UNIQUE INDEX "journal_entries_id_currency_key" ON "journal_entries"("id", "currency");

-- CreateIndex
CREATE INDEX "ledger_lines_account_id_idx" ON "ledger_lines"("account_id");

-- CreateIndex
CREATE INDEX "ledger_lines_journal_entry_id_idx" ON "ledger_lines"("journal_entry_id");

-- CreateIndex
CREATE INDEX "payment_events_payment_id_id_idx" ON "payment_events"("payment_id", "id");

-- CreateIndex
CREATE INDEX "idempotency_records_expires_at_idx" ON "idempotency_records"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "idempotency_records_merchant_id_mode_key_key" ON "idempotency_records"("merchant_id", "mode", "key");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payment_methods" ADD CONSTRAINT "payment_methods_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_payment_method_id_fkey" FOREIGN KEY ("payment_method_id") REFERENCES "payment_methods"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "psp_attempts" ADD CONSTRAINT "psp_attempts_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "psp_attempts" ADD CONSTRAINT "psp_attempts_refund_id_fkey" FOREIGN KEY ("refund_id") REFERENCES "refunds"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_accounts" ADD CONSTRAINT "ledger_accounts_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_lines" ADD CONSTRAINT "ledger_lines_journal_entry_id_currency_fkey" FOREIGN KEY ("journal_entry_id", "currency") REFERENCES "journal_entries"("id", "currency") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_lines" ADD CONSTRAINT "ledger_lines_account_id_currency_fkey" FOREIGN KEY ("account_id", "currency") REFERENCES "ledger_accounts"("id", "currency") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payment_events" ADD CONSTRAINT "payment_events_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- ---------------------------------------------------------------------------
-- Hand-written: what the Prisma schema language cannot say.
-- ---------------------------------------------------------------------------

-- Amounts are non-negative integers of minor units with a well-formed currency,
-- and the sub-amounts of a payment can never exceed what they are carved out of.
ALTER TABLE "payments"
  ADD CONSTRAINT "payments_amount_positive" CHECK ("amount_minor" > 0),
  ADD CONSTRAINT "payments_currency_format" CHECK ("currency" ~ '^[A-Z]{3}$'),
  ADD CONSTRAINT "payments_capturable_range" CHECK ("amount_capturable_minor" BETWEEN 0 AND "amount_minor"),
  ADD CONSTRAINT "payments_captured_range" CHECK ("amount_captured_minor" BETWEEN 0 AND "amount_minor"),
  ADD CONSTRAINT "payments_capturable_plus_captured" CHECK ("amount_capturable_minor" + "amount_captured_minor" <= "amount_minor"),
  ADD CONSTRAINT "payments_refunds_within_captured" CHECK (
    "amount_refunded_minor" >= 0 AND "amount_refund_pending_minor" >= 0
    AND "amount_refunded_minor" + "amount_refund_pending_minor" <= "amount_captured_minor"),
  ADD CONSTRAINT "payments_version_positive" CHECK ("version" > 0);

ALTER TABLE "refunds"
  ADD CONSTRAINT "refunds_amount_positive" CHECK ("amount_minor" > 0),
  ADD CONSTRAINT "refunds_currency_format" CHECK ("currency" ~ '^[A-Z]{3}$');

ALTER TABLE "psp_attempts"
  ADD CONSTRAINT "psp_attempts_amount_non_negative" CHECK ("amount_minor" >= 0);

ALTER TABLE "ledger_lines"
  ADD CONSTRAINT "ledger_lines_amount_positive" CHECK ("amount_minor" > 0);

ALTER TABLE "ledger_accounts"
  ADD CONSTRAINT "ledger_accounts_currency_format" CHECK ("currency" ~ '^[A-Z]{3}$');

ALTER TABLE "merchants"
  ADD CONSTRAINT "merchants_fee_rate_range" CHECK ("fee_rate_bps" BETWEEN 0 AND 10000),
  ADD CONSTRAINT "merchants_fee_fixed_non_negative" CHECK ("fee_fixed_minor" >= 0);

ALTER TABLE "idempotency_records"
  ADD CONSTRAINT "idempotency_records_key_not_empty" CHECK (length("key") > 0);

-- The payment state machine, as data the database checks on every update.
-- packages/core/src/payments/payment-state-machine.ts holds the same table, and an
-- integration test asserts the two agree.
CREATE TABLE "payment_status_transitions" (
  "from_status" "PaymentStatus" NOT NULL,
  "to_status"   "PaymentStatus" NOT NULL,
  PRIMARY KEY ("from_status", "to_status")
);
INSERT INTO "payment_status_transitions" ("from_status", "to_status") VALUES
  ('PENDING', 'AUTHORIZED'), ('PENDING', 'CAPTURED'), ('PENDING', 'REQUIRES_REVIEW'),
  ('PENDING', 'DECLINED'), ('PENDING', 'FAILED'),
  ('REQUIRES_REVIEW', 'AUTHORIZED'), ('REQUIRES_REVIEW', 'CANCELLED'),
  ('AUTHORIZED', 'CAPTURED'), ('AUTHORIZED', 'CANCELLED'),
  ('CAPTURED', 'PARTIALLY_REFUNDED'), ('CAPTURED', 'REFUNDED'),
  ('PARTIALLY_REFUNDED', 'PARTIALLY_REFUNDED'), ('PARTIALLY_REFUNDED', 'REFUNDED');

-- Every update of a payment must move its version forward by exactly one (the
-- optimistic lock), and a status change must be an edge of the state machine.
CREATE FUNCTION "payments_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."version" <> OLD."version" + 1 THEN
    RAISE EXCEPTION 'payment % updated without advancing its version (% -> %)', OLD."id", OLD."version", NEW."version"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."status" <> OLD."status" AND NOT EXISTS (
    SELECT 1 FROM "payment_status_transitions" t
    WHERE t."from_status" = OLD."status" AND t."to_status" = NEW."status"
  ) THEN
    RAISE EXCEPTION 'illegal payment transition % -> % for %', OLD."status", NEW."status", OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."id" <> OLD."id" OR NEW."merchant_id" <> OLD."merchant_id" OR NEW."mode" <> OLD."mode"
     OR NEW."amount_minor" <> OLD."amount_minor" OR NEW."currency" <> OLD."currency" THEN
    RAISE EXCEPTION 'payment % identity, amount and currency are immutable', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  NEW."updated_at" := now();
  RETURN NEW;
END $$;
CREATE TRIGGER "payments_guard_update" BEFORE UPDATE ON "payments"
  FOR EACH ROW EXECUTE FUNCTION "payments_guard_update"();

-- Append-only tables: the ledger and the audit trail are never rewritten.
CREATE FUNCTION "reject_mutation"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % rejected', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER "ledger_lines_append_only" BEFORE UPDATE OR DELETE ON "ledger_lines"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "ledger_lines_no_truncate" BEFORE TRUNCATE ON "ledger_lines"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "journal_entries_append_only" BEFORE UPDATE OR DELETE ON "journal_entries"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "journal_entries_no_truncate" BEFORE TRUNCATE ON "journal_entries"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "payment_events_append_only" BEFORE UPDATE OR DELETE ON "payment_events"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "payment_events_no_truncate" BEFORE TRUNCATE ON "payment_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();

-- Every journal entry balances, checked by the database when the transaction
-- commits (deferred), so no code path can commit half an entry. Lines share
-- their entry currency through the composite foreign key, so balancing the
-- entry is balancing it per currency.
CREATE FUNCTION "journal_entry_check_balanced"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  entry_id text;
  line_count integer;
  net numeric;
BEGIN
  IF TG_TABLE_NAME = 'journal_entries' THEN
    entry_id := NEW."id";
  ELSE
    entry_id := NEW."journal_entry_id";
  END IF;
  SELECT count(*), COALESCE(sum(CASE "direction" WHEN 'DEBIT' THEN "amount_minor" ELSE -"amount_minor" END), 0)
    INTO line_count, net
    FROM "ledger_lines" WHERE "journal_entry_id" = entry_id;
  IF line_count < 2 OR net <> 0 THEN
    RAISE EXCEPTION 'journal entry % does not balance (% lines, debits - credits = %)', entry_id, line_count, net
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER "journal_entries_balanced" AFTER INSERT ON "journal_entries"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "journal_entry_check_balanced"();
CREATE CONSTRAINT TRIGGER "ledger_lines_balanced" AFTER INSERT ON "ledger_lines"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "journal_entry_check_balanced"();

-- Access paths that only need a slice of the table.
CREATE INDEX "payments_open_status_idx" ON "payments" ("status", "created_at") WHERE "status" IN ('PENDING', 'AUTHORIZED', 'REQUIRES_REVIEW');
CREATE INDEX "psp_attempts_unsettled_idx" ON "psp_attempts" ("created_at") WHERE "status" IN ('PENDING', 'UNKNOWN');
CREATE INDEX "outbox_messages_unpublished_idx" ON "outbox_messages" ("id") WHERE "published_at" IS NULL;
CREATE INDEX "ledger_lines_account_currency_idx" ON "ledger_lines" ("account_id", "direction") INCLUDE ("amount_minor");
