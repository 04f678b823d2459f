-- Balances (pending / available / reserved), payout destinations, payouts and their bank notifications
-- (issue 18, part 1). The payout state machine is data the database checks on every update, like the payment's
-- and the dispute's: packages/core/src/payouts/payout-state-machine.ts holds the same edges, and an integration
-- test asserts the two agree.

-- Every journal entry that does not come from an API request (a release, a bank notification, a PSP event)
-- carries a unique key of the event that caused it, so a repeat posts nothing. Neutral name: the bank-transfer
-- work (issue 18, part 3) uses the same column for incoming credit transfers.
ALTER TABLE "journal_entries" ADD COLUMN "source_event_key" TEXT;
CREATE UNIQUE INDEX "journal_entries_source_event_key_key" ON "journal_entries"("source_event_key");
-- A payout's journal entries name it (its creation, and a failure's or return's reversal).
ALTER TABLE "journal_entries" ADD COLUMN "payout_id" TEXT;
CREATE INDEX "journal_entries_payout_id_idx" ON "journal_entries"("payout_id") WHERE "payout_id" IS NOT NULL;
-- Balance transactions page through a merchant's entries newest first.
CREATE INDEX "journal_entries_merchant_mode_created_idx"
  ON "journal_entries"("merchant_id", "mode", "created_at" DESC, "id" DESC);

-- How long a PSP holds captured funds before they become available to the merchant. Without a row the capture
-- waits the default of two days (docs/operations.md).
CREATE TABLE "psp_settlement_delays" (
  "psp_name"      TEXT NOT NULL PRIMARY KEY,
  "delay_seconds" INTEGER NOT NULL,
  "updated_at"    TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "psp_settlement_delays_range" CHECK ("delay_seconds" >= 0 AND "delay_seconds" <= 7776000)
);
INSERT INTO "psp_settlement_delays" ("psp_name", "delay_seconds") VALUES ('stripe', 172800), ('adyen', 86400);

-- Funds in a merchant's pending account, each waiting for its release entry (pending -> available). One row per
-- credit to merchant_pending, written by the trigger below in the crediting transaction; the release worker
-- posts the release (source_event_key 'release:<journal entry id>') and marks the row in one transaction.
CREATE TABLE "pending_releases" (
  "journal_entry_id"   TEXT NOT NULL PRIMARY KEY,
  "merchant_id"        TEXT NOT NULL,
  "mode"               "Mode" NOT NULL,
  "currency"           CHAR(3) NOT NULL,
  "amount_minor"       BIGINT NOT NULL,
  "available_on"       TIMESTAMPTZ(3) NOT NULL,
  "released_entry_id"  TEXT,
  "released_at"        TIMESTAMPTZ(3),
  CONSTRAINT "pending_releases_amount_positive" CHECK ("amount_minor" > 0)
);
CREATE INDEX "pending_releases_due_idx" ON "pending_releases"("available_on") WHERE "released_entry_id" IS NULL;

CREATE FUNCTION "ledger_lines_track_pending"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  account_code TEXT;
  entry RECORD;
  delay INTEGER;
BEGIN
  SELECT a."code" INTO account_code FROM "ledger_accounts" a WHERE a."id" = NEW."account_id";
  IF account_code IS DISTINCT FROM 'merchant_pending' THEN
    RETURN NULL;
  END IF;
  SELECT e."id", e."merchant_id", e."mode", e."payment_id", e."kind" INTO entry
    FROM "journal_entries" e WHERE e."id" = NEW."journal_entry_id";
  IF entry."kind" = 'balance.released' THEN
    RETURN NULL;
  END IF;
  SELECT d."delay_seconds" INTO delay
    FROM "payments" p JOIN "psp_settlement_delays" d ON d."psp_name" = p."psp_name"
   WHERE p."id" = entry."payment_id";
  INSERT INTO "pending_releases" ("journal_entry_id", "merchant_id", "mode", "currency", "amount_minor", "available_on")
  VALUES (NEW."journal_entry_id", entry."merchant_id", entry."mode", NEW."currency", NEW."amount_minor",
          now() + make_interval(secs => COALESCE(delay, 172800)))
  -- A second pending credit in one entry adds to its release while unreleased (after that, the check that
  -- pending balances agree with their releases names the entry).
  ON CONFLICT ("journal_entry_id") DO UPDATE
    SET "amount_minor" = "pending_releases"."amount_minor" + EXCLUDED."amount_minor"
    WHERE "pending_releases"."released_entry_id" IS NULL;
  RETURN NULL;
END $$;
CREATE TRIGGER "ledger_lines_track_pending" AFTER INSERT ON "ledger_lines"
  FOR EACH ROW WHEN (NEW."direction" = 'CREDIT') EXECUTE FUNCTION "ledger_lines_track_pending"();

-- Payout destinations. The account number is a secret like a card number: AES-256-GCM under the vault's keys
-- (associated data: the row's id), never stored or shown in clear; the last four digits and the bank's name are
-- what anyone sees. The routing number (ABA) is public and kept as written.
CREATE TABLE "bank_accounts" (
  "id"                  TEXT NOT NULL PRIMARY KEY,
  "merchant_id"         TEXT NOT NULL REFERENCES "merchants"("id"),
  "mode"                "Mode" NOT NULL,
  "rail"                TEXT NOT NULL,
  "country"             CHAR(2) NOT NULL,
  "currency"            CHAR(3) NOT NULL,
  "holder_name"         VARCHAR(140) NOT NULL,
  "bank_name"           VARCHAR(140) NOT NULL,
  "last4"               CHAR(4) NOT NULL,
  "routing_number"      CHAR(9),
  "number_ciphertext"   BYTEA NOT NULL,
  "number_nonce"        BYTEA NOT NULL,
  "number_auth_tag"     BYTEA NOT NULL,
  "number_key_version"  INTEGER NOT NULL,
  "status"              TEXT NOT NULL,
  "verified_at"         TIMESTAMPTZ(3),
  "created_at"          TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "bank_accounts_rail_known" CHECK ("rail" IN ('SEPA', 'ACH')),
  CONSTRAINT "bank_accounts_status_known" CHECK ("status" IN ('VERIFIED', 'VERIFICATION_FAILED')),
  CONSTRAINT "bank_accounts_routing_for_ach" CHECK (("rail" = 'ACH') = ("routing_number" IS NOT NULL))
);
CREATE INDEX "bank_accounts_merchant_idx" ON "bank_accounts"("merchant_id", "mode", "currency", "created_at" DESC);
-- At most this many destinations per merchant and mode (checked by the store under the merchant's lock too).

CREATE TYPE "PayoutStatus" AS ENUM ('PENDING', 'IN_TRANSIT', 'PAID', 'FAILED', 'CANCELED', 'RETURNED');

CREATE TABLE "payouts" (
  "id"                TEXT NOT NULL PRIMARY KEY,
  "merchant_id"       TEXT NOT NULL REFERENCES "merchants"("id"),
  "mode"              "Mode" NOT NULL,
  "currency"          CHAR(3) NOT NULL,
  "amount_minor"      BIGINT NOT NULL,
  "bank_account_id"   TEXT NOT NULL REFERENCES "bank_accounts"("id"),
  "status"            "PayoutStatus" NOT NULL DEFAULT 'PENDING',
  "method"            TEXT NOT NULL,
  -- The bank call: NOT_SENT, UNKNOWN (sent, no answer: asked again with the same key), ACCEPTED.
  "bank_call"         TEXT NOT NULL DEFAULT 'NOT_SENT',
  "bank_call_count"   INTEGER NOT NULL DEFAULT 0,
  "next_bank_call_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "bank_reference"    VARCHAR(64),
  "failure_code"      VARCHAR(64),
  "retry_of"          TEXT REFERENCES "payouts"("id"),
  "version"           INTEGER NOT NULL DEFAULT 1,
  "created_at"        TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at"        TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "payouts_amount_positive" CHECK ("amount_minor" > 0),
  CONSTRAINT "payouts_method_known" CHECK ("method" IN ('MANUAL', 'SCHEDULED', 'RETRY')),
  CONSTRAINT "payouts_bank_call_known" CHECK ("bank_call" IN ('NOT_SENT', 'UNKNOWN', 'ACCEPTED'))
);
CREATE INDEX "payouts_merchant_mode_created_idx" ON "payouts"("merchant_id", "mode", "created_at" DESC, "id" DESC);
CREATE INDEX "payouts_to_send_idx" ON "payouts"("next_bank_call_at") WHERE "status" = 'PENDING';
-- A failed payout is retried at most once at a time.
CREATE UNIQUE INDEX "payouts_retry_of_key" ON "payouts"("retry_of");

CREATE TABLE "payout_status_transitions" (
  "from_status" "PayoutStatus" NOT NULL,
  "to_status"   "PayoutStatus" NOT NULL,
  PRIMARY KEY ("from_status", "to_status")
);
INSERT INTO "payout_status_transitions" ("from_status", "to_status") VALUES
  ('PENDING', 'IN_TRANSIT'), ('PENDING', 'FAILED'), ('PENDING', 'CANCELED'),
  ('IN_TRANSIT', 'PAID'), ('IN_TRANSIT', 'FAILED'),
  ('PAID', 'RETURNED');

CREATE FUNCTION "payouts_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."version" <> OLD."version" + 1 THEN
    RAISE EXCEPTION 'payout % updated without advancing its version (% -> %)', OLD."id", OLD."version", NEW."version"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."status" <> OLD."status" AND NOT EXISTS (
    SELECT 1 FROM "payout_status_transitions" t WHERE t."from_status" = OLD."status" AND t."to_status" = NEW."status"
  ) THEN
    RAISE EXCEPTION 'illegal payout transition % -> % for %', OLD."status", NEW."status", OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."id" <> OLD."id" OR NEW."merchant_id" <> OLD."merchant_id" OR NEW."mode" <> OLD."mode"
     OR NEW."amount_minor" <> OLD."amount_minor" OR NEW."currency" <> OLD."currency"
     OR NEW."bank_account_id" <> OLD."bank_account_id" THEN
    RAISE EXCEPTION 'payout % identity, amount, currency and destination are immutable', OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  NEW."updated_at" := now();
  RETURN NEW;
END $$;
CREATE TRIGGER "payouts_guard_update" BEFORE UPDATE ON "payouts"
  FOR EACH ROW EXECUTE FUNCTION "payouts_guard_update"();
CREATE TRIGGER "payouts_no_delete" BEFORE DELETE ON "payouts"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

-- The payout's audit trail: every change with its old and new status, source and actor. Append-only.
CREATE TABLE "payout_events" (
  "id"          BIGSERIAL PRIMARY KEY,
  "payout_id"   TEXT NOT NULL REFERENCES "payouts"("id"),
  "merchant_id" TEXT NOT NULL,
  "type"        TEXT NOT NULL,
  "old_status"  "PayoutStatus",
  "new_status"  "PayoutStatus" NOT NULL,
  "source"      "EventSource" NOT NULL,
  "actor"       TEXT,
  "data"        JSONB NOT NULL DEFAULT '{}',
  "created_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "payout_events_payout_idx" ON "payout_events"("payout_id", "id");
CREATE TRIGGER "payout_events_append_only" BEFORE UPDATE OR DELETE ON "payout_events"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "payout_events_no_truncate" BEFORE TRUNCATE ON "payout_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();

-- Bank notifications seen, by the bank's event id: a repeat changes and posts nothing.
CREATE TABLE "bank_notifications" (
  "event_id"    VARCHAR(64) NOT NULL PRIMARY KEY,
  "payout_id"   TEXT NOT NULL REFERENCES "payouts"("id"),
  "type"        VARCHAR(32) NOT NULL,
  "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Per merchant and mode: payouts paused by an operator (nothing is sent, no payout is created).
CREATE TABLE "payout_settings" (
  "merchant_id" TEXT NOT NULL REFERENCES "merchants"("id"),
  "mode"        "Mode" NOT NULL,
  "paused"      BOOLEAN NOT NULL DEFAULT false,
  "paused_reason" VARCHAR(500),
  "updated_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY ("merchant_id", "mode")
);

-- Automatic payouts per merchant, mode and currency: the whole available balance, when it reaches the minimum,
-- at each due time (daily, weekly, monthly), delay_days after the period's start.
CREATE TABLE "payout_schedules" (
  "merchant_id"   TEXT NOT NULL REFERENCES "merchants"("id"),
  "mode"          "Mode" NOT NULL,
  "currency"      CHAR(3) NOT NULL,
  "interval"      TEXT NOT NULL,
  "delay_days"    INTEGER NOT NULL DEFAULT 0,
  "minimum_minor" BIGINT NOT NULL DEFAULT 0,
  "next_run_at"   TIMESTAMPTZ(3) NOT NULL,
  "updated_at"    TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY ("merchant_id", "mode", "currency"),
  CONSTRAINT "payout_schedules_interval_known" CHECK ("interval" IN ('DAILY', 'WEEKLY', 'MONTHLY')),
  CONSTRAINT "payout_schedules_delay_range" CHECK ("delay_days" >= 0 AND "delay_days" <= 30),
  CONSTRAINT "payout_schedules_minimum_range" CHECK ("minimum_minor" >= 0 AND "minimum_minor" < 1000000000000000)
);
CREATE INDEX "payout_schedules_due_idx" ON "payout_schedules"("next_run_at");

-- payout.* outbox messages are not (yet) merchant webhook event types: webhook_event_types and
-- webhook_object_snapshot do not list them, so the outbox relay publishes them and no merchant event is made.

-- The balance transactions an automatic (scheduled) payout settled, Stripe's payout reconciliation: every movement
-- of the available balance not yet settled by an earlier automatic payout (a released capture counts as its
-- capture), plus the payout's own entry. Their effects on the available balance sum to zero, so the listed
-- transactions (the payout's own left out) sum to its amount. Written in the payout's transaction, under its
-- balance lock. Manual payouts settle nothing in particular and list none.
CREATE TABLE "payout_items" (
  "journal_entry_id" TEXT NOT NULL PRIMARY KEY,
  "payout_id"        TEXT NOT NULL REFERENCES "payouts"("id")
);
CREATE INDEX "payout_items_payout_idx" ON "payout_items"("payout_id");
CREATE TRIGGER "payout_items_append_only" BEFORE UPDATE OR DELETE ON "payout_items"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
