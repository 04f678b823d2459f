-- Disputes (chargebacks and inquiries) on payments, their audit trail, the merchants' dispute fees, and the
-- payment's disputed amount. The dispute state machine is data the database checks on every update, like the
-- payment's: packages/core/src/disputes/dispute-state-machine.ts holds the same edges, and an integration test
-- asserts the two agree.
CREATE TYPE "DisputeStatus" AS ENUM ('INQUIRY', 'NEEDS_RESPONSE', 'UNDER_REVIEW', 'WON', 'LOST', 'ACCEPTED');

ALTER TABLE "payments" ADD COLUMN "amount_disputed_minor" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "payments" ADD CONSTRAINT "payments_amount_disputed_range"
  CHECK ("amount_disputed_minor" >= 0 AND "amount_disputed_minor" <= "amount_captured_minor");

CREATE TABLE "disputes" (
  "id"                    TEXT NOT NULL,
  "payment_id"            TEXT NOT NULL,
  "merchant_id"           TEXT NOT NULL,
  "mode"                  "Mode" NOT NULL,
  "amount_minor"          BIGINT NOT NULL,
  "currency"              CHAR(3) NOT NULL,
  "status"                "DisputeStatus" NOT NULL,
  "stage"                 TEXT NOT NULL,
  "reason"                TEXT NOT NULL,
  "reason_code"           VARCHAR(32),
  "psp_name"              TEXT NOT NULL,
  "psp_reference"         VARCHAR(255) NOT NULL,
  "psp_stage"             VARCHAR(64) NOT NULL,
  "evidence_due_by"       TIMESTAMPTZ(3),
  "funds_withdrawn"       BOOLEAN NOT NULL DEFAULT false,
  "fee_minor"             BIGINT NOT NULL DEFAULT 0,
  "evidence_submitted_at" TIMESTAMPTZ(3),
  "version"               INTEGER NOT NULL DEFAULT 1,
  "created_at"            TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at"            TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "disputes_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "disputes_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "disputes_amount_positive" CHECK ("amount_minor" > 0),
  CONSTRAINT "disputes_fee_not_negative" CHECK ("fee_minor" >= 0),
  CONSTRAINT "disputes_stage_known" CHECK ("stage" IN ('inquiry', 'chargeback', 'second_chargeback', 'pre_arbitration'))
);
CREATE UNIQUE INDEX "disputes_psp_name_psp_reference_key" ON "disputes"("psp_name", "psp_reference");
CREATE INDEX "disputes_payment_id_idx" ON "disputes"("payment_id");
CREATE INDEX "disputes_merchant_id_mode_created_at_id_idx" ON "disputes"("merchant_id", "mode", "created_at" DESC, "id" DESC);
-- The console's queue: open disputes by evidence due date.
CREATE INDEX "disputes_status_evidence_due_by_idx" ON "disputes"("status", "evidence_due_by");

CREATE TABLE "dispute_status_transitions" (
  "from_status" "DisputeStatus" NOT NULL,
  "to_status"   "DisputeStatus" NOT NULL,
  PRIMARY KEY ("from_status", "to_status")
);
INSERT INTO "dispute_status_transitions" ("from_status", "to_status") VALUES
  ('INQUIRY', 'NEEDS_RESPONSE'), ('INQUIRY', 'UNDER_REVIEW'), ('INQUIRY', 'WON'), ('INQUIRY', 'LOST'),
  ('INQUIRY', 'ACCEPTED'),
  ('NEEDS_RESPONSE', 'UNDER_REVIEW'), ('NEEDS_RESPONSE', 'WON'), ('NEEDS_RESPONSE', 'LOST'),
  ('NEEDS_RESPONSE', 'ACCEPTED'),
  ('UNDER_REVIEW', 'WON'), ('UNDER_REVIEW', 'LOST'),
  ('WON', 'NEEDS_RESPONSE'), ('WON', 'UNDER_REVIEW'), ('WON', 'LOST'),
  ('LOST', 'NEEDS_RESPONSE'), ('LOST', 'UNDER_REVIEW'), ('LOST', 'WON');

-- Every update advances the version by exactly one, changes status only along an edge, never moves the stage
-- back, and never changes what the dispute is about.
CREATE FUNCTION "disputes_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."version" <> OLD."version" + 1 THEN
    RAISE EXCEPTION 'dispute % updated without advancing its version (% -> %)', OLD."id", OLD."version", NEW."version"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."status" <> OLD."status" AND NOT EXISTS (
    SELECT 1 FROM "dispute_status_transitions" t
    WHERE t."from_status" = OLD."status" AND t."to_status" = NEW."status"
  ) THEN
    RAISE EXCEPTION 'illegal dispute transition % -> % for %', OLD."status", NEW."status", OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF array_position(ARRAY['inquiry', 'chargeback', 'second_chargeback', 'pre_arbitration'], NEW."stage")
     < array_position(ARRAY['inquiry', 'chargeback', 'second_chargeback', 'pre_arbitration'], OLD."stage") THEN
    RAISE EXCEPTION 'dispute % stage moved back (% -> %)', OLD."id", OLD."stage", NEW."stage"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."id" <> OLD."id" OR NEW."payment_id" <> OLD."payment_id" OR NEW."merchant_id" <> OLD."merchant_id"
     OR NEW."mode" <> OLD."mode" OR NEW."amount_minor" <> OLD."amount_minor" OR NEW."currency" <> OLD."currency"
     OR NEW."psp_name" <> OLD."psp_name" OR NEW."psp_reference" <> OLD."psp_reference" THEN
    RAISE EXCEPTION 'dispute % identity, amount and currency are immutable', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  NEW."updated_at" := now();
  RETURN NEW;
END $$;
CREATE TRIGGER "disputes_guard_update" BEFORE UPDATE ON "disputes"
  FOR EACH ROW EXECUTE FUNCTION "disputes_guard_update"();
CREATE TRIGGER "disputes_no_delete" BEFORE DELETE ON "disputes"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

-- The dispute's audit trail: every change with its old and new status, source and actor. Append-only.
CREATE TABLE "dispute_events" (
  "id"         BIGSERIAL NOT NULL,
  "dispute_id" TEXT NOT NULL,
  "merchant_id" TEXT NOT NULL,
  "type"       TEXT NOT NULL,
  "old_status" "DisputeStatus",
  "new_status" "DisputeStatus" NOT NULL,
  "source"     "EventSource" NOT NULL,
  "actor"      TEXT,
  "data"       JSONB NOT NULL DEFAULT '{}',
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "dispute_events_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "dispute_events_dispute_id_fkey" FOREIGN KEY ("dispute_id") REFERENCES "disputes"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE INDEX "dispute_events_dispute_id_id_idx" ON "dispute_events"("dispute_id", "id");
CREATE TRIGGER "dispute_events_append_only" BEFORE UPDATE OR DELETE ON "dispute_events"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "dispute_events_no_truncate" BEFORE TRUNCATE ON "dispute_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();

-- A merchant's dispute fee per currency; without a row the default applies (docs/operations.md).
CREATE TABLE "merchant_dispute_fees" (
  "merchant_id" TEXT NOT NULL,
  "currency"    CHAR(3) NOT NULL,
  "fee_minor"   BIGINT NOT NULL,
  "updated_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "merchant_dispute_fees_pkey" PRIMARY KEY ("merchant_id", "currency"),
  CONSTRAINT "merchant_dispute_fees_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "merchant_dispute_fees_fee_range" CHECK ("fee_minor" >= 0 AND "fee_minor" < 1000000000000000)
);

-- A dispute's journal entries name it, so the ledger check can compare each dispute with its postings.
ALTER TABLE "journal_entries" ADD COLUMN "dispute_id" TEXT;
ALTER TABLE "journal_entries" ADD CONSTRAINT "journal_entries_dispute_id_fkey"
  FOREIGN KEY ("dispute_id") REFERENCES "disputes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE INDEX "journal_entries_dispute_id_idx" ON "journal_entries"("dispute_id");
