-- Refunds of bank-transfer payments (issue 18): paid out through the bank rails, not a PSP. A refund the payer's
-- bank sent back after it was paid is RETURNED, and its payment becomes refundable again.
ALTER TYPE "RefundStatus" ADD VALUE IF NOT EXISTS 'RETURNED';

INSERT INTO "payment_status_transitions" ("from_status", "to_status") VALUES
  ('REFUNDED', 'PARTIALLY_REFUNDED'), ('REFUNDED', 'CAPTURED'), ('PARTIALLY_REFUNDED', 'CAPTURED')
ON CONFLICT DO NOTHING;

-- Each refund of a bank-transfer payment: where it goes (back along the credit transfer that paid, or to an account
-- the refund named, its number encrypted by the vault with the refund id as associated data), and its own states.
CREATE TABLE "bank_transfer_refunds" (
  "refund_id"          TEXT NOT NULL,
  "payment_id"         TEXT NOT NULL,
  "merchant_id"        TEXT NOT NULL,
  "mode"               "Mode" NOT NULL,
  "amount_minor"       BIGINT NOT NULL,
  "currency"           CHAR(3) NOT NULL,
  "destination"        TEXT NOT NULL,
  "transfer_id"        TEXT,
  "rail"               TEXT,
  "holder_name"        TEXT,
  "account_last4"      TEXT,
  "routing_number"     TEXT,
  "account_ciphertext" BYTEA,
  "account_nonce"      BYTEA,
  "account_auth_tag"   BYTEA,
  "account_key_version" INTEGER,
  "status"             TEXT NOT NULL DEFAULT 'PENDING',
  "bank_reference"     TEXT,
  "failure_code"       TEXT,
  "attempts"           INTEGER NOT NULL DEFAULT 0,
  "version"            INTEGER NOT NULL DEFAULT 1,
  "created_at"         TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at"         TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "bank_transfer_refunds_pkey" PRIMARY KEY ("refund_id"),
  CONSTRAINT "bank_transfer_refunds_refund_fkey" FOREIGN KEY ("refund_id") REFERENCES "refunds"("id"),
  CONSTRAINT "bank_transfer_refunds_payment_fkey" FOREIGN KEY ("payment_id") REFERENCES "bank_transfers"("payment_id"),
  CONSTRAINT "bank_transfer_refunds_amount_positive" CHECK ("amount_minor" > 0),
  CONSTRAINT "bank_transfer_refunds_status" CHECK ("status" IN ('PENDING', 'SUCCEEDED', 'FAILED', 'RETURNED')),
  CONSTRAINT "bank_transfer_refunds_attempts" CHECK ("attempts" >= 0 AND "attempts" <= 1000),
  CONSTRAINT "bank_transfer_refunds_destination" CHECK (
    ("destination" = 'ORIGINATING' AND "transfer_id" IS NOT NULL AND "account_ciphertext" IS NULL)
    OR ("destination" = 'ACCOUNT' AND "transfer_id" IS NULL AND "rail" IN ('SEPA', 'ACH') AND "holder_name" IS NOT NULL
        AND "account_last4" IS NOT NULL AND "account_ciphertext" IS NOT NULL AND "account_nonce" IS NOT NULL AND "account_auth_tag" IS NOT NULL
        AND "account_key_version" IS NOT NULL))
);
CREATE INDEX "bank_transfer_refunds_payment_idx" ON "bank_transfer_refunds"("payment_id");
CREATE INDEX "bank_transfer_refunds_unresolved_idx" ON "bank_transfer_refunds"("created_at")
  WHERE "status" = 'PENDING' AND "bank_reference" IS NULL;

-- PENDING -> SUCCEEDED | FAILED, SUCCEEDED -> RETURNED, every update advancing the version by exactly one, and the
-- refund, its amount and destination immutable (the vault's key rotation may re-encrypt the number).
CREATE FUNCTION "bank_transfer_refunds_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."version" <> OLD."version" + 1 THEN
    RAISE EXCEPTION 'bank refund % updated without advancing its version (% -> %)', OLD."refund_id", OLD."version", NEW."version"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."status" <> OLD."status" AND NOT (
    (OLD."status" = 'PENDING' AND NEW."status" IN ('SUCCEEDED', 'FAILED'))
    OR (OLD."status" = 'SUCCEEDED' AND NEW."status" = 'RETURNED')
  ) THEN
    RAISE EXCEPTION 'illegal bank refund transition % -> % for %', OLD."status", NEW."status", OLD."refund_id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."refund_id" <> OLD."refund_id" OR NEW."payment_id" <> OLD."payment_id" OR NEW."merchant_id" <> OLD."merchant_id"
     OR NEW."mode" <> OLD."mode" OR NEW."amount_minor" <> OLD."amount_minor" OR NEW."currency" <> OLD."currency"
     OR NEW."destination" <> OLD."destination" OR NEW."transfer_id" IS DISTINCT FROM OLD."transfer_id"
     OR NEW."account_last4" IS DISTINCT FROM OLD."account_last4" THEN
    RAISE EXCEPTION 'bank refund % identity, amount and destination are immutable', OLD."refund_id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF OLD."bank_reference" IS NOT NULL AND NEW."bank_reference" IS DISTINCT FROM OLD."bank_reference" THEN
    RAISE EXCEPTION 'bank refund % bank reference is set once', OLD."refund_id" USING ERRCODE = 'check_violation';
  END IF;
  NEW."updated_at" := now();
  RETURN NEW;
END $$;
CREATE TRIGGER "bank_transfer_refunds_guard_update" BEFORE UPDATE ON "bank_transfer_refunds"
  FOR EACH ROW EXECUTE FUNCTION "bank_transfer_refunds_guard_update"();
CREATE TRIGGER "bank_transfer_refunds_no_delete" BEFORE DELETE ON "bank_transfer_refunds"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
