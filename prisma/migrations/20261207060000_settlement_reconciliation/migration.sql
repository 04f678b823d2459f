-- Settlement and reconciliation (issue 16): the ledger's expense accounts, every report import, and one
-- reconciliation item per report line or per capture/refund the PSP never settled.

-- PSP fees and reconciliation adjustments are expenses; bank cash is an asset like psp_receivable.
ALTER TYPE "LedgerAccountType" ADD VALUE IF NOT EXISTS 'EXPENSE';

CREATE TYPE "ReconImportStatus" AS ENUM ('APPLIED', 'REFUSED');
CREATE TYPE "ReconItemStatus" AS ENUM ('OPEN', 'RESOLVED', 'IGNORED', 'CLOSED');

-- Every import, applied or refused: who, when, the file's hash and the outcome.
CREATE TABLE "recon_imports" (
    "id" TEXT NOT NULL,
    "psp" TEXT NOT NULL,
    "file_name" TEXT NOT NULL,
    "file_sha256" CHAR(64) NOT NULL,
    "status" "ReconImportStatus" NOT NULL,
    "refused_line" INTEGER,
    "refused_reason" TEXT,
    "line_count" INTEGER NOT NULL DEFAULT 0,
    "batches" TEXT[] NOT NULL DEFAULT '{}',
    "category_counts" JSONB NOT NULL DEFAULT '{}',
    "totals" JSONB NOT NULL DEFAULT '[]',
    "imported_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "recon_imports_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "recon_imports_psp" CHECK ("psp" IN ('adyen', 'stripe')),
    CONSTRAINT "recon_imports_sha256" CHECK ("file_sha256" ~ '^[0-9a-f]{64}$'),
    CONSTRAINT "recon_imports_refusal" CHECK (("status" = 'REFUSED') = ("refused_reason" IS NOT NULL))
);
-- The same file is applied once; refusals may repeat (each attempt is recorded).
CREATE UNIQUE INDEX "recon_imports_applied_file_key" ON "recon_imports" ("psp", "file_sha256") WHERE "status" = 'APPLIED';
CREATE INDEX "recon_imports_created_at_idx" ON "recon_imports" ("created_at" DESC);

CREATE TABLE "recon_items" (
    "id" TEXT NOT NULL,
    "import_id" TEXT,
    "psp" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "status" "ReconItemStatus" NOT NULL,
    -- The rule that acted automatically (settled.matched, amount.within_tolerance, …) or "operator".
    "rule" TEXT NOT NULL,
    "line_key" TEXT,
    "line_number" INTEGER,
    "batch" TEXT,
    "line_type" TEXT,
    "raw_type" TEXT,
    "psp_reference" TEXT,
    "modification_reference" TEXT,
    "merchant_reference" TEXT,
    "merchant_account" TEXT,
    "currency" CHAR(3) NOT NULL,
    "gross_minor" BIGINT,
    "fee_minor" BIGINT,
    "net_minor" BIGINT,
    "booked_at" TIMESTAMPTZ(3),
    -- Our side: the capture's journal entry or attempt, or the refund.
    "expected_kind" TEXT,
    "expected_id" TEXT,
    "expected_amount_minor" BIGINT,
    "expected_currency" CHAR(3),
    "payment_id" TEXT,
    "merchant_id" TEXT,
    "mode" "Mode",
    "difference_minor" BIGINT NOT NULL DEFAULT 0,
    "journal_entry_id" TEXT,
    "resolution_note" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "recon_items_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "recon_items_import_id_fkey" FOREIGN KEY ("import_id") REFERENCES "recon_imports"("id") ON DELETE RESTRICT
      DEFERRABLE INITIALLY DEFERRED, -- an import's items are written before its record, in one transaction
    CONSTRAINT "recon_items_category" CHECK ("category" IN ('MATCHED', 'AMOUNT_MISMATCH', 'CURRENCY_MISMATCH',
      'STATUS_MISMATCH', 'FEE_MISMATCH', 'MISSING_INTERNAL', 'MISSING_EXTERNAL', 'DUPLICATE', 'UNSUPPORTED_TYPE')),
    CONSTRAINT "recon_items_line_or_expected" CHECK ("line_key" IS NOT NULL OR "expected_id" IS NOT NULL),
    CONSTRAINT "recon_items_sums" CHECK ("gross_minor" IS NULL OR "gross_minor" - "fee_minor" = "net_minor")
);
-- A PSP line is recorded once (its duplicates are kept as DUPLICATE items and never post).
CREATE UNIQUE INDEX "recon_items_line_key" ON "recon_items" ("psp", "line_key") WHERE "category" <> 'DUPLICATE' AND "line_key" IS NOT NULL;
-- A capture or refund is settled by at most one line, and missing at most once at a time.
CREATE UNIQUE INDEX "recon_items_expected_settled_key" ON "recon_items" ("expected_id") WHERE "line_key" IS NOT NULL AND "expected_id" IS NOT NULL;
CREATE UNIQUE INDEX "recon_items_expected_missing_key" ON "recon_items" ("expected_id") WHERE "category" = 'MISSING_EXTERNAL' AND "status" = 'OPEN';
CREATE INDEX "recon_items_import_idx" ON "recon_items" ("import_id");
CREATE INDEX "recon_items_open_idx" ON "recon_items" ("status", "category", "created_at") WHERE "status" = 'OPEN';
CREATE INDEX "recon_items_payment_idx" ON "recon_items" ("payment_id");

-- The item state machine, also guarded here (the core's table is reconciliation/recon-item-state-machine.ts).
CREATE TABLE "recon_item_transitions" (
    "from_status" "ReconItemStatus" NOT NULL,
    "to_status" "ReconItemStatus" NOT NULL,
    CONSTRAINT "recon_item_transitions_pkey" PRIMARY KEY ("from_status", "to_status")
);
INSERT INTO "recon_item_transitions" VALUES
  ('OPEN', 'RESOLVED'), ('OPEN', 'IGNORED'), ('OPEN', 'CLOSED'),
  ('RESOLVED', 'OPEN'), ('IGNORED', 'OPEN');

CREATE FUNCTION "recon_items_guard_transition"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."status" IS DISTINCT FROM OLD."status" AND NOT EXISTS (
    SELECT 1 FROM "recon_item_transitions" WHERE "from_status" = OLD."status" AND "to_status" = NEW."status") THEN
    RAISE EXCEPTION 'illegal reconciliation item transition % -> %', OLD."status", NEW."status"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."line_key" IS DISTINCT FROM OLD."line_key" OR NEW."gross_minor" IS DISTINCT FROM OLD."gross_minor"
     OR NEW."fee_minor" IS DISTINCT FROM OLD."fee_minor" OR NEW."net_minor" IS DISTINCT FROM OLD."net_minor" THEN
    RAISE EXCEPTION 'a reconciliation item keeps the PSP''s line as imported' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "recon_items_transition" BEFORE UPDATE ON "recon_items"
  FOR EACH ROW EXECUTE FUNCTION "recon_items_guard_transition"();
CREATE TRIGGER "recon_items_no_delete" BEFORE DELETE ON "recon_items"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "recon_imports_append_only" BEFORE UPDATE OR DELETE ON "recon_imports"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

-- Matching looks refunds up by their own PSP reference (captures go through payments_psp_reference_idx).
CREATE INDEX "refunds_psp_reference_idx" ON "refunds" ("psp_reference");
