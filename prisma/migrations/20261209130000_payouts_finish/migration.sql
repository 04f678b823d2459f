-- Payouts, finished (issue 18): schedule anchors, bank account verification by micro-deposits (a state machine
-- guarded like the payout's), reserves (rolling and fixed), and payout and bank account events for merchants'
-- webhooks. packages/core/src/payouts/ holds the same tables of states; the integration tests compare them.

-- ---- schedules: the weekday of a weekly schedule and the day of a monthly one ------------------------------------
-- weekly_anchor: ISO weekday (1 Monday .. 7 Sunday); monthly_anchor: 1..31, a shorter month runs on its last day.
ALTER TABLE "payout_schedules" ADD COLUMN "weekly_anchor" SMALLINT NOT NULL DEFAULT 1;
ALTER TABLE "payout_schedules" ADD COLUMN "monthly_anchor" SMALLINT NOT NULL DEFAULT 1;
ALTER TABLE "payout_schedules" ADD CONSTRAINT "payout_schedules_weekly_anchor_range"
  CHECK ("weekly_anchor" BETWEEN 1 AND 7);
ALTER TABLE "payout_schedules" ADD CONSTRAINT "payout_schedules_monthly_anchor_range"
  CHECK ("monthly_anchor" BETWEEN 1 AND 31);

-- ---- bank accounts: verification by micro-deposits ---------------------------------------------------------------
-- PENDING_VERIFICATION -> VERIFIED (the merchant confirmed both amounts) or VERIFICATION_FAILED (too many wrong
-- attempts, or the bank refused the deposits). An instant verification inserts the row VERIFIED or
-- VERIFICATION_FAILED at once. The two amounts are a secret until confirmed: AES-256-GCM under the vault's keys
-- (associated data 'bank_account_micro_deposits:<id>'), never stored in clear or as a hash.
ALTER TABLE "bank_accounts" DROP CONSTRAINT "bank_accounts_status_known";
ALTER TABLE "bank_accounts" ADD CONSTRAINT "bank_accounts_status_known"
  CHECK ("status" IN ('PENDING_VERIFICATION', 'VERIFIED', 'VERIFICATION_FAILED'));
ALTER TABLE "bank_accounts" ADD COLUMN "verification_method" TEXT NOT NULL DEFAULT 'INSTANT';
ALTER TABLE "bank_accounts" ADD CONSTRAINT "bank_accounts_verification_method_known"
  CHECK ("verification_method" IN ('INSTANT', 'MICRO_DEPOSITS'));
ALTER TABLE "bank_accounts" ADD COLUMN "micro_deposits_ciphertext" BYTEA;
ALTER TABLE "bank_accounts" ADD COLUMN "micro_deposits_nonce" BYTEA;
ALTER TABLE "bank_accounts" ADD COLUMN "micro_deposits_auth_tag" BYTEA;
ALTER TABLE "bank_accounts" ADD COLUMN "micro_deposits_key_version" INTEGER;
ALTER TABLE "bank_accounts" ADD COLUMN "micro_deposits_sent_at" TIMESTAMPTZ(3);
ALTER TABLE "bank_accounts" ADD COLUMN "verification_attempts" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "bank_accounts" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "bank_accounts" ADD COLUMN "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE "bank_accounts" ADD CONSTRAINT "bank_accounts_attempts_range"
  CHECK ("verification_attempts" BETWEEN 0 AND 3);
ALTER TABLE "bank_accounts" ADD CONSTRAINT "bank_accounts_micro_deposits_kept"
  CHECK ("verification_method" = 'INSTANT' OR "micro_deposits_ciphertext" IS NOT NULL);
CREATE INDEX "bank_accounts_micro_deposits_unsent_idx" ON "bank_accounts"("created_at")
  WHERE "status" = 'PENDING_VERIFICATION' AND "micro_deposits_sent_at" IS NULL;

CREATE TABLE "bank_account_status_transitions" (
  "from_status" TEXT NOT NULL,
  "to_status"   TEXT NOT NULL,
  PRIMARY KEY ("from_status", "to_status")
);
INSERT INTO "bank_account_status_transitions" ("from_status", "to_status") VALUES
  ('PENDING_VERIFICATION', 'VERIFIED'), ('PENDING_VERIFICATION', 'VERIFICATION_FAILED');

CREATE FUNCTION "bank_accounts_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."version" <> OLD."version" + 1 THEN
    RAISE EXCEPTION 'bank account % updated without advancing its version (% -> %)', OLD."id", OLD."version",
      NEW."version" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."status" <> OLD."status" AND NOT EXISTS (
    SELECT 1 FROM "bank_account_status_transitions" t
     WHERE t."from_status" = OLD."status" AND t."to_status" = NEW."status"
  ) THEN
    RAISE EXCEPTION 'illegal bank account transition % -> % for %', OLD."status", NEW."status", OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."verification_attempts" < OLD."verification_attempts" THEN
    RAISE EXCEPTION 'bank account % verification attempts cannot go back', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."id" <> OLD."id" OR NEW."merchant_id" <> OLD."merchant_id" OR NEW."mode" <> OLD."mode"
     OR NEW."rail" <> OLD."rail" OR NEW."currency" <> OLD."currency" OR NEW."last4" <> OLD."last4"
     OR NEW."number_ciphertext" <> OLD."number_ciphertext"
     OR NEW."verification_method" <> OLD."verification_method"
     OR NEW."micro_deposits_ciphertext" IS DISTINCT FROM OLD."micro_deposits_ciphertext" THEN
    RAISE EXCEPTION 'bank account % identity, number and micro-deposits are immutable', OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  NEW."updated_at" := now();
  RETURN NEW;
END $$;
CREATE TRIGGER "bank_accounts_guard_update" BEFORE UPDATE ON "bank_accounts"
  FOR EACH ROW EXECUTE FUNCTION "bank_accounts_guard_update"();
CREATE TRIGGER "bank_accounts_no_delete" BEFORE DELETE ON "bank_accounts"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

-- A bank account's audit trail: its creation, the micro-deposits sent, every confirmation attempt and status
-- change, with the actor. Append-only.
CREATE TABLE "bank_account_events" (
  "id"              BIGSERIAL PRIMARY KEY,
  "bank_account_id" TEXT NOT NULL REFERENCES "bank_accounts"("id"),
  "merchant_id"     TEXT NOT NULL,
  "type"            TEXT NOT NULL,
  "old_status"      TEXT,
  "new_status"      TEXT NOT NULL,
  "actor"           TEXT,
  "data"            JSONB NOT NULL DEFAULT '{}',
  "created_at"      TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "bank_account_events_account_idx" ON "bank_account_events"("bank_account_id", "id");
CREATE TRIGGER "bank_account_events_append_only" BEFORE UPDATE OR DELETE ON "bank_account_events"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "bank_account_events_no_truncate" BEFORE TRUNCATE ON "bank_account_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();

-- The micro-deposits' journal entry names its bank account (debit verification_expense, credit payout_bank).
ALTER TABLE "journal_entries" ADD COLUMN "bank_account_id" TEXT;

-- ---- reserves ----------------------------------------------------------------------------------------------------
-- Per merchant, mode and currency, set by an operator: a rolling reserve (rolling_bps of each released capture
-- held in merchant_reserved for rolling_days) and a fixed amount held in merchant_reserved while set.
CREATE TABLE "reserve_policies" (
  "merchant_id"   TEXT NOT NULL REFERENCES "merchants"("id"),
  "mode"          "Mode" NOT NULL,
  "currency"      CHAR(3) NOT NULL,
  "rolling_bps"   INTEGER NOT NULL DEFAULT 0,
  "rolling_days"  INTEGER NOT NULL DEFAULT 0,
  "fixed_minor"   BIGINT NOT NULL DEFAULT 0,
  "updated_at"    TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY ("merchant_id", "mode", "currency"),
  CONSTRAINT "reserve_policies_bps_range" CHECK ("rolling_bps" BETWEEN 0 AND 5000),
  CONSTRAINT "reserve_policies_days_range" CHECK ("rolling_days" BETWEEN 0 AND 180),
  CONSTRAINT "reserve_policies_rolling_whole" CHECK (("rolling_bps" = 0) = ("rolling_days" = 0)),
  CONSTRAINT "reserve_policies_fixed_range" CHECK ("fixed_minor" >= 0 AND "fixed_minor" < 1000000000000000)
);

-- Each rolling hold, until its release entry moves it back to available (source_event_key 'reserve_release:<hold
-- entry>'), posted by the balance-release worker once release_on has passed.
CREATE TABLE "reserve_holds" (
  "journal_entry_id"  TEXT NOT NULL PRIMARY KEY REFERENCES "journal_entries"("id"),
  "merchant_id"       TEXT NOT NULL,
  "mode"              "Mode" NOT NULL,
  "currency"          CHAR(3) NOT NULL,
  "amount_minor"      BIGINT NOT NULL,
  "release_on"        TIMESTAMPTZ(3) NOT NULL,
  "released_entry_id" TEXT REFERENCES "journal_entries"("id"),
  "released_at"       TIMESTAMPTZ(3),
  CONSTRAINT "reserve_holds_amount_positive" CHECK ("amount_minor" > 0)
);
CREATE INDEX "reserve_holds_due_idx" ON "reserve_holds"("release_on") WHERE "released_entry_id" IS NULL;
CREATE FUNCTION "reserve_holds_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD."released_entry_id" IS NOT NULL OR NEW."journal_entry_id" <> OLD."journal_entry_id"
     OR NEW."amount_minor" <> OLD."amount_minor" OR NEW."merchant_id" <> OLD."merchant_id" THEN
    RAISE EXCEPTION 'reserve hold % is released or immutable', OLD."journal_entry_id" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "reserve_holds_guard_update" BEFORE UPDATE ON "reserve_holds"
  FOR EACH ROW EXECUTE FUNCTION "reserve_holds_guard_update"();
CREATE TRIGGER "reserve_holds_no_delete" BEFORE DELETE ON "reserve_holds"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

-- ---- payout and bank account events for merchants' webhooks ------------------------------------------------------
INSERT INTO "webhook_event_types" ("type") VALUES
  ('payout.created'), ('payout.in_transit'), ('payout.paid'), ('payout.failed'), ('payout.canceled'),
  ('payout.returned'), ('bank_account.verified'), ('bank_account.verification_failed')
ON CONFLICT DO NOTHING;

-- The object's snapshot in the API's shape, by the topic's object: refunds, disputes, invoices, payouts, bank
-- accounts, then payments. A payout and a bank account carry their own version.
CREATE OR REPLACE FUNCTION "webhook_object_snapshot"(p_topic TEXT, p_aggregate_id TEXT, p_payload JSONB) RETURNS JSONB
  LANGUAGE plpgsql STABLE AS $$
DECLARE
  snapshot JSONB;
BEGIN
  IF p_topic LIKE 'refund.%' THEN
    SELECT jsonb_build_object(
      'id', r."id", 'object', 'refund', 'paymentId', r."payment_id", 'status', r."status",
      'amount', r."amount_minor"::text, 'currency', r."currency", 'reason', r."reason",
      'failureCode', r."failure_code", 'pspReference', r."psp_reference", 'version', p."version",
      'createdAt', "webhook_iso_time"(r."created_at"), 'updatedAt', "webhook_iso_time"(r."updated_at"))
      INTO snapshot
      FROM "refunds" r JOIN "payments" p ON p."id" = r."payment_id"
     WHERE r."id" = p_payload->>'refundId';
  ELSIF p_topic LIKE 'dispute.%' THEN
    SELECT jsonb_build_object(
      'id', d."id", 'object', 'dispute', 'paymentId', d."payment_id", 'status', d."status", 'stage', d."stage",
      'reason', d."reason", 'amount', d."amount_minor"::text, 'currency', d."currency",
      'evidenceDueBy', "webhook_iso_time"(d."evidence_due_by"), 'version', d."version",
      'createdAt', "webhook_iso_time"(d."created_at"), 'updatedAt', "webhook_iso_time"(d."updated_at"))
      INTO snapshot
      FROM "disputes" d
     WHERE d."id" = COALESCE(p_payload->>'id', p_aggregate_id);
  ELSIF p_topic LIKE 'invoice.%' THEN
    SELECT jsonb_build_object(
      'id', i."id", 'object', 'invoice', 'status', i."status", 'number', i."number"::text,
      'currency', i."currency", 'subtotal', i."net_minor"::text, 'tax', i."tax_minor"::text,
      'total', i."total_minor"::text, 'customerEmail', i."customer_email",
      'dueDate', to_char(i."due_date", 'YYYY-MM-DD'), 'paymentId', i."payment_id", 'version', i."version",
      'createdAt', "webhook_iso_time"(i."created_at"), 'updatedAt', "webhook_iso_time"(i."updated_at"))
      INTO snapshot
      FROM "invoices" i
     WHERE i."id" = COALESCE(p_payload->>'invoiceId', p_aggregate_id);
  ELSIF p_topic LIKE 'payout.%' THEN
    SELECT jsonb_build_object(
      'id', po."id", 'object', 'payout', 'status', po."status", 'amount', po."amount_minor"::text,
      'currency', po."currency", 'method', po."method", 'bankAccountId', po."bank_account_id",
      'failureCode', po."failure_code", 'retryOf', po."retry_of", 'version', po."version",
      'createdAt', "webhook_iso_time"(po."created_at"), 'updatedAt', "webhook_iso_time"(po."updated_at"))
      INTO snapshot
      FROM "payouts" po
     WHERE po."id" = COALESCE(p_payload->>'id', p_aggregate_id);
  ELSIF p_topic LIKE 'bank_account.%' THEN
    SELECT jsonb_build_object(
      'id', b."id", 'object', 'bank_account', 'status', b."status", 'rail', b."rail", 'country', b."country",
      'currency', b."currency", 'holderName', b."holder_name", 'bankName', b."bank_name", 'last4', b."last4",
      'routingNumber', b."routing_number", 'verificationMethod', b."verification_method",
      'verifiedAt', "webhook_iso_time"(b."verified_at"), 'version', b."version",
      'createdAt', "webhook_iso_time"(b."created_at"), 'updatedAt', "webhook_iso_time"(b."updated_at"))
      INTO snapshot
      FROM "bank_accounts" b
     WHERE b."id" = COALESCE(p_payload->>'id', p_aggregate_id);
  ELSE
    SELECT jsonb_build_object(
      'id', p."id", 'object', 'payment', 'status', p."status", 'amount', p."amount_minor"::text,
      'currency', p."currency", 'amountCapturable', p."amount_capturable_minor"::text,
      'amountCaptured', p."amount_captured_minor"::text, 'amountRefunded', p."amount_refunded_minor"::text,
      'captureMethod', p."capture_method", 'description', p."description", 'metadata', p."metadata",
      'pendingOperation', p."pending_operation", 'failureCode', p."failure_code",
      'failureMessage', p."failure_message", 'pspName', p."psp_name", 'version', p."version",
      'createdAt', "webhook_iso_time"(p."created_at"), 'updatedAt', "webhook_iso_time"(p."updated_at"))
      INTO snapshot
      FROM "payments" p
     WHERE p."id" = COALESCE(p_payload->>'paymentId', p_aggregate_id);
  END IF;
  RETURN snapshot;
END $$;
