-- Dispute evidence documents get a kind (issue 17): what the merchant says the document is, so each PSP files it
-- in its own place (Stripe's evidence file fields) instead of a guess from the file's name. Set exactly on the
-- files whose purpose is dispute_evidence; those stored before today become UNCATEGORIZED.
CREATE TYPE "EvidenceFileKind" AS ENUM (
  'RECEIPT',
  'CUSTOMER_COMMUNICATION',
  'SHIPPING_DOCUMENTATION',
  'REFUND_POLICY',
  'CANCELLATION_POLICY',
  'CUSTOMER_SIGNATURE',
  'SERVICE_DOCUMENTATION',
  'DUPLICATE_CHARGE_DOCUMENTATION',
  'UNCATEGORIZED'
);

ALTER TABLE "stored_files" ADD COLUMN "evidence_kind" "EvidenceFileKind";

-- stored_files is append-only; this one backfill is the migration's, inside its transaction, with the guard
-- switched off for it alone and back on before anything else can write.
ALTER TABLE "stored_files" DISABLE TRIGGER "stored_files_append_only";
UPDATE "stored_files" SET "evidence_kind" = 'UNCATEGORIZED' WHERE "purpose" = 'dispute_evidence';
ALTER TABLE "stored_files" ENABLE TRIGGER "stored_files_append_only";

ALTER TABLE "stored_files" ADD CONSTRAINT "stored_files_evidence_kind_with_purpose"
  CHECK (("purpose" = 'dispute_evidence') = ("evidence_kind" IS NOT NULL));
