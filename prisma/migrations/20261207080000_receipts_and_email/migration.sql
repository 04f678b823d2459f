-- Receipts, credit notes and the email outbox (issue 20).
--
-- A payment created with a receipt_email gets a receipt when it reaches CAPTURED, and each succeeded refund of
-- such a payment a credit note. Both are numbered from a per-merchant, per-mode series with no gaps: the number
-- is taken by an upsert on document_sequences inside the capture's (or refund's) own transaction, so a rolled-back
-- capture gives its number back and two captures wait for each other only when both ask for a receipt.
-- Triggers do it because a payment reaches CAPTURED on four paths (automatic capture, capture, PSP webhook,
-- resolver): one place in the database cannot be missed by any of them, and it is the capture's transaction.

ALTER TABLE "payments" ADD COLUMN "receipt_email" TEXT;
ALTER TABLE "payments" ADD CONSTRAINT "payments_receipt_email_length" CHECK (length("receipt_email") <= 254);

-- One counter per merchant, mode and series ('receipt', 'credit_note', later 'invoice'): the last number given.
CREATE TABLE "document_sequences" (
    "merchant_id" TEXT NOT NULL REFERENCES "merchants"("id"),
    "mode" "Mode" NOT NULL,
    "series" TEXT NOT NULL,
    "last_number" BIGINT NOT NULL,
    CONSTRAINT "document_sequences_pkey" PRIMARY KEY ("merchant_id", "mode", "series"),
    CONSTRAINT "document_sequences_number_positive" CHECK ("last_number" > 0)
);

CREATE TABLE "receipts" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "merchant_id" TEXT NOT NULL REFERENCES "merchants"("id"),
    "mode" "Mode" NOT NULL,
    "payment_id" TEXT NOT NULL UNIQUE REFERENCES "payments"("id"),
    "number" BIGINT NOT NULL,
    "email" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL CHECK ("amount_minor" > 0),
    "currency" CHAR(3) NOT NULL,
    -- The secret part of the hosted page's URL (ids are time-ordered, so guessable): 122 random bits.
    "access_token" TEXT NOT NULL DEFAULT replace(gen_random_uuid()::text, '-', ''),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "receipts_number_unique" UNIQUE ("merchant_id", "mode", "number")
);

CREATE TABLE "credit_notes" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "merchant_id" TEXT NOT NULL REFERENCES "merchants"("id"),
    "mode" "Mode" NOT NULL,
    "refund_id" TEXT NOT NULL UNIQUE REFERENCES "refunds"("id"),
    "receipt_id" TEXT NOT NULL REFERENCES "receipts"("id"),
    "number" BIGINT NOT NULL,
    "amount_minor" BIGINT NOT NULL CHECK ("amount_minor" > 0),
    "currency" CHAR(3) NOT NULL,
    -- The secret part of the hosted page's URL (ids are time-ordered, so guessable): 122 random bits.
    "access_token" TEXT NOT NULL DEFAULT replace(gen_random_uuid()::text, '-', ''),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "credit_notes_number_unique" UNIQUE ("merchant_id", "mode", "number")
);
CREATE INDEX "credit_notes_receipt_id_idx" ON "credit_notes" ("receipt_id");

-- Documents are records of what happened: never changed or removed.
CREATE TRIGGER "receipts_append_only" BEFORE UPDATE OR DELETE ON "receipts"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "credit_notes_append_only" BEFORE UPDATE OR DELETE ON "credit_notes"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

CREATE TYPE "EmailStatus" AS ENUM ('PENDING', 'SENT', 'FAILED');

-- Mail to send, written in the transaction of the document it is about; the email-delivery worker renders the
-- document when it sends, so the mail always shows the stored document. One mail per document and kind.
CREATE TABLE "email_outbox" (
    "id" BIGSERIAL PRIMARY KEY,
    "merchant_id" TEXT NOT NULL REFERENCES "merchants"("id"),
    "mode" "Mode" NOT NULL,
    -- receipt | credit_note
    "kind" TEXT NOT NULL,
    "document_id" TEXT NOT NULL,
    "to_address" TEXT NOT NULL CHECK (length("to_address") <= 254),
    "status" "EmailStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" SMALLINT NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "last_error" TEXT,
    "message_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "sent_at" TIMESTAMPTZ(3),
    CONSTRAINT "email_outbox_document_unique" UNIQUE ("kind", "document_id")
);
CREATE INDEX "email_outbox_due_idx" ON "email_outbox" ("next_attempt_at") WHERE "status" = 'PENDING';
CREATE INDEX "email_outbox_merchant_idx" ON "email_outbox" ("merchant_id", "created_at" DESC);

-- What the development SMTP sink received (apps/api/src/email/smtp-sink.ts): the console lists and renders it.
CREATE TABLE "smtp_sink_messages" (
    "id" BIGSERIAL PRIMARY KEY,
    "mail_from" TEXT,
    "rcpt_to" TEXT[] NOT NULL,
    "subject" TEXT,
    "text_body" TEXT,
    "html_body" TEXT,
    "raw" BYTEA NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "smtp_sink_messages_received_idx" ON "smtp_sink_messages" ("received_at" DESC, "id" DESC);

-- The next number of a series, inside the caller's transaction: the row lock serializes documents of one
-- merchant, mode and series, and a rollback returns the number.
CREATE FUNCTION "next_document_number"(p_merchant_id TEXT, p_mode "Mode", p_series TEXT) RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE
  n BIGINT;
BEGIN
  INSERT INTO "document_sequences" AS s ("merchant_id", "mode", "series", "last_number")
  VALUES (p_merchant_id, p_mode, p_series, 1)
  ON CONFLICT ("merchant_id", "mode", "series") DO UPDATE SET "last_number" = s."last_number" + 1
  RETURNING s."last_number" INTO n;
  RETURN n;
END;
$$;

-- The receipt of a payment that asked for one, when it is captured. Its id shares the payment's ULID.
CREATE FUNCTION "payments_issue_receipt"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  receipt_id TEXT := 'rcpt_' || substr(NEW."id", 5);
BEGIN
  IF EXISTS (SELECT 1 FROM "receipts" WHERE "payment_id" = NEW."id") THEN
    RETURN NULL;
  END IF;
  INSERT INTO "receipts" ("id", "merchant_id", "mode", "payment_id", "number", "email", "amount_minor", "currency")
  VALUES (receipt_id, NEW."merchant_id", NEW."mode", NEW."id",
          "next_document_number"(NEW."merchant_id", NEW."mode", 'receipt'), NEW."receipt_email",
          NEW."amount_captured_minor", NEW."currency");
  INSERT INTO "email_outbox" ("merchant_id", "mode", "kind", "document_id", "to_address")
  VALUES (NEW."merchant_id", NEW."mode", 'receipt', receipt_id, NEW."receipt_email");
  RETURN NULL;
END;
$$;
CREATE TRIGGER "payments_issue_receipt_on_update" AFTER UPDATE OF "status" ON "payments"
  FOR EACH ROW WHEN (NEW."status" = 'CAPTURED' AND OLD."status" <> 'CAPTURED' AND NEW."receipt_email" IS NOT NULL)
  EXECUTE FUNCTION "payments_issue_receipt"();
CREATE TRIGGER "payments_issue_receipt_on_insert" AFTER INSERT ON "payments"
  FOR EACH ROW WHEN (NEW."status" = 'CAPTURED' AND NEW."receipt_email" IS NOT NULL)
  EXECUTE FUNCTION "payments_issue_receipt"();

-- A credit note for each refund that succeeds on a payment with a receipt. Its id shares the refund's ULID.
CREATE FUNCTION "refunds_issue_credit_note"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r RECORD;
  note_id TEXT := 'cn_' || substr(NEW."id", 4);
BEGIN
  SELECT "id", "email" INTO r FROM "receipts" WHERE "payment_id" = NEW."payment_id";
  IF NOT FOUND OR EXISTS (SELECT 1 FROM "credit_notes" WHERE "refund_id" = NEW."id") THEN
    RETURN NULL;
  END IF;
  INSERT INTO "credit_notes" ("id", "merchant_id", "mode", "refund_id", "receipt_id", "number", "amount_minor",
                              "currency")
  VALUES (note_id, NEW."merchant_id", NEW."mode", NEW."id", r."id",
          "next_document_number"(NEW."merchant_id", NEW."mode", 'credit_note'), NEW."amount_minor", NEW."currency");
  INSERT INTO "email_outbox" ("merchant_id", "mode", "kind", "document_id", "to_address")
  VALUES (NEW."merchant_id", NEW."mode", 'credit_note', note_id, r."email");
  RETURN NULL;
END;
$$;
CREATE TRIGGER "refunds_issue_credit_note_on_update" AFTER UPDATE OF "status" ON "refunds"
  FOR EACH ROW WHEN (NEW."status" = 'SUCCEEDED' AND OLD."status" <> 'SUCCEEDED')
  EXECUTE FUNCTION "refunds_issue_credit_note"();
CREATE TRIGGER "refunds_issue_credit_note_on_insert" AFTER INSERT ON "refunds"
  FOR EACH ROW WHEN (NEW."status" = 'SUCCEEDED')
  EXECUTE FUNCTION "refunds_issue_credit_note"();
