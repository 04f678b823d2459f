-- Invoices (issue 20): DRAFT -> OPEN -> PAID | VOID | UNCOLLECTIBLE, guarded here like payments. The edges are
-- packages/core/src/invoices/invoice-state-machine.ts's table; invoice-store.integration-test.ts checks they agree.
-- The number is taken at finalisation from the merchant's 'invoice' series (next_document_number, gap-free) in
-- the finalising UPDATE itself. Lines change only while the invoice is a DRAFT.

CREATE TYPE "InvoiceStatus" AS ENUM ('DRAFT', 'OPEN', 'PAID', 'VOID', 'UNCOLLECTIBLE');
CREATE TYPE "TaxBehavior" AS ENUM ('EXCLUSIVE', 'INCLUSIVE');

CREATE TABLE "invoices" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "merchant_id" TEXT NOT NULL REFERENCES "merchants"("id"),
    "mode" "Mode" NOT NULL,
    "status" "InvoiceStatus" NOT NULL DEFAULT 'DRAFT',
    "currency" CHAR(3) NOT NULL,
    "customer_email" TEXT CHECK (length("customer_email") <= 254),
    "memo" TEXT CHECK (length("memo") <= 1000),
    "due_date" DATE,
    "number" BIGINT,
    "net_minor" BIGINT NOT NULL DEFAULT 0 CHECK ("net_minor" >= 0),
    "tax_minor" BIGINT NOT NULL DEFAULT 0 CHECK ("tax_minor" >= 0),
    "total_minor" BIGINT NOT NULL DEFAULT 0 CHECK ("total_minor" >= 0),
    "access_token" TEXT NOT NULL DEFAULT replace(gen_random_uuid()::text, '-', ''),
    "version" INTEGER NOT NULL DEFAULT 1,
    "finalized_at" TIMESTAMPTZ(3),
    "paid_at" TIMESTAMPTZ(3),
    "voided_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "invoices_number_unique" UNIQUE ("merchant_id", "mode", "number"),
    CONSTRAINT "invoices_numbered_once_final" CHECK (("status" = 'DRAFT') = ("number" IS NULL)),
    CONSTRAINT "invoices_total_sum" CHECK ("total_minor" = "net_minor" + "tax_minor")
);
CREATE INDEX "invoices_merchant_list_idx" ON "invoices" ("merchant_id", "mode", "created_at" DESC, "id" DESC);

CREATE TABLE "invoice_lines" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "invoice_id" TEXT NOT NULL REFERENCES "invoices"("id"),
    "position" SMALLINT NOT NULL CHECK ("position" BETWEEN 0 AND 99),
    "description" TEXT NOT NULL CHECK (length("description") BETWEEN 1 AND 500),
    "quantity" INTEGER NOT NULL CHECK ("quantity" BETWEEN 1 AND 1000000),
    "unit_amount_minor" BIGINT NOT NULL CHECK ("unit_amount_minor" >= 0),
    "tax_rate_bps" INTEGER CHECK ("tax_rate_bps" BETWEEN 0 AND 10000),
    "tax_behavior" "TaxBehavior" NOT NULL DEFAULT 'EXCLUSIVE',
    "net_minor" BIGINT NOT NULL,
    "tax_minor" BIGINT NOT NULL,
    "gross_minor" BIGINT NOT NULL,
    CONSTRAINT "invoice_lines_position_unique" UNIQUE ("invoice_id", "position"),
    CONSTRAINT "invoice_lines_sum" CHECK ("gross_minor" = "net_minor" + "tax_minor")
);

-- The audit trail of an invoice: every change with who made it. Append-only.
CREATE TABLE "invoice_events" (
    "id" BIGSERIAL PRIMARY KEY,
    "invoice_id" TEXT NOT NULL REFERENCES "invoices"("id"),
    "merchant_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "old_status" "InvoiceStatus",
    "new_status" "InvoiceStatus" NOT NULL,
    "source" "EventSource" NOT NULL,
    "actor" TEXT,
    "data" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "invoice_events_invoice_idx" ON "invoice_events" ("invoice_id", "id");
CREATE TRIGGER "invoice_events_append_only" BEFORE UPDATE OR DELETE ON "invoice_events"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

CREATE TABLE "invoice_status_transitions" (
  "from_status" "InvoiceStatus" NOT NULL,
  "to_status"   "InvoiceStatus" NOT NULL,
  PRIMARY KEY ("from_status", "to_status")
);
INSERT INTO "invoice_status_transitions" ("from_status", "to_status") VALUES
  ('DRAFT', 'OPEN'),
  ('OPEN', 'PAID'), ('OPEN', 'VOID'), ('OPEN', 'UNCOLLECTIBLE'),
  ('UNCOLLECTIBLE', 'PAID'), ('UNCOLLECTIBLE', 'VOID');

CREATE FUNCTION "invoices_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."version" <> OLD."version" + 1 THEN
    RAISE EXCEPTION 'invoice % updated without advancing its version (% -> %)', OLD."id", OLD."version", NEW."version"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."status" <> OLD."status" AND NOT EXISTS (
    SELECT 1 FROM "invoice_status_transitions" t WHERE t."from_status" = OLD."status" AND t."to_status" = NEW."status"
  ) THEN
    RAISE EXCEPTION 'illegal invoice transition % -> % for %', OLD."status", NEW."status", OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."id" <> OLD."id" OR NEW."merchant_id" <> OLD."merchant_id" OR NEW."mode" <> OLD."mode"
     OR NEW."currency" <> OLD."currency" OR NEW."number" IS DISTINCT FROM OLD."number" AND OLD."number" IS NOT NULL THEN
    RAISE EXCEPTION 'invoice % identity, currency and number are immutable', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  -- After finalisation only the status and its timestamps may change: the document the customer got is fixed.
  IF OLD."status" <> 'DRAFT' AND (
       NEW."customer_email" IS DISTINCT FROM OLD."customer_email" OR NEW."memo" IS DISTINCT FROM OLD."memo"
    OR NEW."due_date" IS DISTINCT FROM OLD."due_date" OR NEW."net_minor" <> OLD."net_minor"
    OR NEW."tax_minor" <> OLD."tax_minor" OR NEW."total_minor" <> OLD."total_minor") THEN
    RAISE EXCEPTION 'invoice % is finalised: its content is immutable', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  NEW."updated_at" := now();
  RETURN NEW;
END $$;
CREATE TRIGGER "invoices_guard_update" BEFORE UPDATE ON "invoices"
  FOR EACH ROW EXECUTE FUNCTION "invoices_guard_update"();
CREATE TRIGGER "invoices_no_delete" BEFORE DELETE ON "invoices"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

CREATE FUNCTION "invoice_lines_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  target TEXT := CASE WHEN TG_OP = 'DELETE' THEN OLD."invoice_id" ELSE NEW."invoice_id" END;
BEGIN
  IF (SELECT "status" FROM "invoices" WHERE "id" = target) <> 'DRAFT' THEN
    RAISE EXCEPTION 'invoice % is finalised: its lines are immutable', target USING ERRCODE = 'check_violation';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER "invoice_lines_guard" BEFORE INSERT OR UPDATE OR DELETE ON "invoice_lines"
  FOR EACH ROW EXECUTE FUNCTION "invoice_lines_guard"();
