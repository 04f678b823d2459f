-- The operator's exception workbench (issue 17): dead letters are seen again, dismissed or replayed (a closed
-- letter never changes), the ledger consistency check keeps its runs, and manual ledger adjustments keep who
-- asked, who approved and why next to their balanced journal entry.

-- Dead letters: first seen (created_at) and last seen, how often the same payload came back while open, and
-- how it was closed (replayed or dismissed with a note). A closed letter is final.
ALTER TABLE "dead_letters"
    ADD COLUMN "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    ADD COLUMN "seen_count" INTEGER NOT NULL DEFAULT 1,
    ADD COLUMN "dismissed_at" TIMESTAMPTZ(3),
    ADD COLUMN "dismissed_by" TEXT,
    ADD COLUMN "dismiss_note" TEXT,
    ADD COLUMN "replayed_by" TEXT,
    ADD CONSTRAINT "dead_letters_seen" CHECK ("seen_count" >= 1 AND "last_seen_at" >= "created_at"),
    ADD CONSTRAINT "dead_letters_closed_once" CHECK ("replayed_at" IS NULL OR "dismissed_at" IS NULL),
    ADD CONSTRAINT "dead_letters_dismissal" CHECK (("dismissed_at" IS NULL) = ("dismiss_note" IS NULL));
CREATE INDEX "dead_letters_open_idx" ON "dead_letters" ("source", "reference")
    WHERE "replayed_at" IS NULL AND "dismissed_at" IS NULL;

CREATE FUNCTION "dead_letters_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD."replayed_at" IS NOT NULL OR OLD."dismissed_at" IS NOT NULL THEN
    RAISE EXCEPTION 'dead letter % is closed', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."payload" <> OLD."payload" OR NEW."source" <> OLD."source" OR NEW."reason" <> OLD."reason"
     OR NEW."created_at" <> OLD."created_at" THEN
    RAISE EXCEPTION 'a dead letter''s content cannot change' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "dead_letters_transition" BEFORE UPDATE ON "dead_letters"
  FOR EACH ROW EXECUTE FUNCTION "dead_letters_guard"();
CREATE TRIGGER "dead_letters_no_delete" BEFORE DELETE ON "dead_letters"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

-- The ledger consistency check's runs (scheduled worker, CLI, console button): append-only. The newest run's
-- findings are the needs-attention item until a later run is clean.
CREATE TABLE "ledger_check_runs" (
    "id" BIGSERIAL NOT NULL,
    "trigger" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ok" BOOLEAN NOT NULL,
    "findings" JSONB NOT NULL DEFAULT '[]',
    "requested_by" TEXT,
    CONSTRAINT "ledger_check_runs_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ledger_check_runs_trigger" CHECK ("trigger" IN ('worker', 'cli', 'console')),
    CONSTRAINT "ledger_check_runs_ok" CHECK ("ok" = (jsonb_array_length("findings") = 0))
);
CREATE INDEX "ledger_check_runs_finished_idx" ON "ledger_check_runs" ("finished_at" DESC, "id" DESC);
CREATE TRIGGER "ledger_check_runs_append_only" BEFORE UPDATE OR DELETE ON "ledger_check_runs"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

-- Manual ledger adjustments: one balanced journal entry (kind manual.adjustment) each, between two adjustable
-- accounts of one merchant, mode and currency; who asked, who approved (above the threshold) and why.
CREATE TABLE "ledger_adjustments" (
    "journal_entry_id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "mode" "Mode" NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "debit_account" TEXT NOT NULL,
    "credit_account" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "reason" TEXT NOT NULL,
    "requested_by" TEXT NOT NULL,
    "approved_by" TEXT,
    "approval_request_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ledger_adjustments_pkey" PRIMARY KEY ("journal_entry_id"),
    CONSTRAINT "ledger_adjustments_entry_fkey" FOREIGN KEY ("journal_entry_id") REFERENCES "journal_entries"("id"),
    CONSTRAINT "ledger_adjustments_amount" CHECK ("amount_minor" > 0),
    CONSTRAINT "ledger_adjustments_two_accounts" CHECK ("debit_account" <> "credit_account"),
    CONSTRAINT "ledger_adjustments_reason" CHECK (length(btrim("reason")) > 0),
    CONSTRAINT "ledger_adjustments_four_eyes" CHECK ("approved_by" IS NULL OR "approved_by" <> "requested_by")
);
CREATE INDEX "ledger_adjustments_merchant_idx" ON "ledger_adjustments" ("merchant_id", "created_at");
CREATE TRIGGER "ledger_adjustments_append_only" BEFORE UPDATE OR DELETE ON "ledger_adjustments"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
