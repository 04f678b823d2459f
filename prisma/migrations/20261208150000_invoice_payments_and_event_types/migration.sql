-- Invoices paid through their hosted page, the invoice mails, and the dispute and invoice event types of
-- merchant webhooks (issues 19 and 20).
--
-- Paying an invoice: each try claims a row of invoice_payments first (its id is the payment's idempotency key).
-- At most one try per invoice is in flight or succeeded (a partial unique index), so a double click or two tabs
-- never charge twice, and a declined try is FAILED and frees the invoice for another card. The invoice itself keeps
-- the payment that paid it (unique: one payment pays at most one invoice), set in the PAID transition.

ALTER TABLE "invoices" ADD COLUMN "payment_id" TEXT REFERENCES "payments"("id");
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_payment_unique" UNIQUE ("payment_id");
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_paid_has_payment"
  CHECK (("payment_id" IS NULL) OR ("status" = 'PAID'));

CREATE TYPE "InvoicePaymentStatus" AS ENUM ('PENDING', 'SUCCEEDED', 'FAILED');

CREATE TABLE "invoice_payments" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "invoice_id" TEXT NOT NULL REFERENCES "invoices"("id"),
    "payment_id" TEXT UNIQUE REFERENCES "payments"("id"),
    "status" "InvoicePaymentStatus" NOT NULL DEFAULT 'PENDING',
    "amount_minor" BIGINT NOT NULL CHECK ("amount_minor" > 0),
    "currency" CHAR(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "invoice_payments_invoice_idx" ON "invoice_payments" ("invoice_id", "created_at");
-- Paying twice is impossible: one try in flight or succeeded per invoice.
CREATE UNIQUE INDEX "invoice_payments_one_live_try" ON "invoice_payments" ("invoice_id")
  WHERE "status" <> 'FAILED';

-- A try ends once: PENDING -> SUCCEEDED | FAILED, and its payment, once linked, never changes.
CREATE FUNCTION "invoice_payments_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD."status" <> 'PENDING' AND NEW."status" <> OLD."status" THEN
    RAISE EXCEPTION 'invoice payment % is % already', OLD."id", OLD."status" USING ERRCODE = 'check_violation';
  END IF;
  IF OLD."payment_id" IS NOT NULL AND NEW."payment_id" IS DISTINCT FROM OLD."payment_id" THEN
    RAISE EXCEPTION 'invoice payment % already has its payment', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."invoice_id" <> OLD."invoice_id" OR NEW."amount_minor" <> OLD."amount_minor"
     OR NEW."currency" <> OLD."currency" THEN
    RAISE EXCEPTION 'invoice payment % is immutable', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  NEW."updated_at" := now();
  RETURN NEW;
END $$;
CREATE TRIGGER "invoice_payments_guard" BEFORE UPDATE ON "invoice_payments"
  FOR EACH ROW EXECUTE FUNCTION "invoice_payments_guard"();
CREATE TRIGGER "invoice_payments_no_delete" BEFORE DELETE ON "invoice_payments"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

-- Webhook event types: disputes (their outbox topics since the disputes migration) and invoices. Payouts add
-- theirs in their own migration, and their snapshot as one more branch of webhook_object_snapshot.
INSERT INTO "webhook_event_types" ("type") VALUES
  ('dispute.created'), ('dispute.updated'), ('dispute.closed'),
  ('invoice.finalized'), ('invoice.paid'), ('invoice.voided'), ('invoice.marked_uncollectible')
ON CONFLICT DO NOTHING;

-- The object's snapshot in the API's shape, by the topic's object: refunds, disputes, invoices, then payments.
-- A dispute and an invoice carry their own version.
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
