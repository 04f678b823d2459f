-- Checkout sessions (issue 20): OPEN -> COMPLETE | EXPIRED, guarded here like payments. The edges are
-- packages/core/src/checkout/checkout-session-state-machine.ts's table; checkout-session-store.integration-test.ts
-- checks they agree. A session's content (amount, currency, URLs, capture method) never changes after creation;
-- only its attempt counter, the attempt-in-flight flag, its payment and its status move, each UPDATE advancing the
-- version by one. A COMPLETE session names its payment.

CREATE TYPE "CheckoutSessionStatus" AS ENUM ('OPEN', 'COMPLETE', 'EXPIRED');

CREATE TABLE "checkout_sessions" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "merchant_id" TEXT NOT NULL REFERENCES "merchants"("id"),
    "mode" "Mode" NOT NULL,
    "status" "CheckoutSessionStatus" NOT NULL DEFAULT 'OPEN',
    "currency" CHAR(3) NOT NULL,
    "amount_minor" BIGINT NOT NULL CHECK ("amount_minor" > 0),
    "line_items" JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof("line_items") = 'array' AND jsonb_array_length("line_items") <= 100),
    "capture_method" "CaptureMethod" NOT NULL,
    "customer_email" TEXT CHECK (length("customer_email") <= 254),
    "description" TEXT CHECK (length("description") <= 1000),
    "success_url" TEXT NOT NULL CHECK (length("success_url") BETWEEN 1 AND 2048),
    "cancel_url" TEXT NOT NULL CHECK (length("cancel_url") BETWEEN 1 AND 2048),
    "payment_method_types" TEXT[] NOT NULL CHECK (cardinality("payment_method_types") BETWEEN 1 AND 4),
    "invoice_id" TEXT REFERENCES "invoices"("id"),
    "access_token" TEXT NOT NULL DEFAULT replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''),
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0 CHECK ("attempts" BETWEEN 0 AND 10),
    "attempt_in_flight" BOOLEAN NOT NULL DEFAULT false,
    "payment_id" TEXT REFERENCES "payments"("id"),
    "version" INTEGER NOT NULL DEFAULT 1,
    "completed_at" TIMESTAMPTZ(3),
    "expired_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "checkout_sessions_complete_paid" CHECK ("status" <> 'COMPLETE' OR "payment_id" IS NOT NULL),
    CONSTRAINT "checkout_sessions_final_idle" CHECK ("status" = 'OPEN' OR NOT "attempt_in_flight")
);
CREATE INDEX "checkout_sessions_merchant_idx" ON "checkout_sessions" ("merchant_id", "mode", "created_at" DESC);
-- The expiry sweep: open sessions by expiry.
CREATE INDEX "checkout_sessions_open_expiry_idx" ON "checkout_sessions" ("expires_at") WHERE "status" = 'OPEN';
CREATE INDEX "checkout_sessions_invoice_idx" ON "checkout_sessions" ("invoice_id") WHERE "invoice_id" IS NOT NULL;

-- The audit trail of a session: each change with who made it. Append-only.
CREATE TABLE "checkout_session_events" (
    "id" BIGSERIAL PRIMARY KEY,
    "checkout_session_id" TEXT NOT NULL REFERENCES "checkout_sessions"("id"),
    "merchant_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "old_status" "CheckoutSessionStatus",
    "new_status" "CheckoutSessionStatus" NOT NULL,
    "source" "EventSource" NOT NULL,
    "actor" TEXT,
    "data" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "checkout_session_events_session_idx" ON "checkout_session_events" ("checkout_session_id", "id");
CREATE TRIGGER "checkout_session_events_append_only" BEFORE UPDATE OR DELETE ON "checkout_session_events"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

CREATE TABLE "checkout_session_status_transitions" (
  "from_status" "CheckoutSessionStatus" NOT NULL,
  "to_status"   "CheckoutSessionStatus" NOT NULL,
  PRIMARY KEY ("from_status", "to_status")
);
INSERT INTO "checkout_session_status_transitions" ("from_status", "to_status") VALUES
  ('OPEN', 'COMPLETE'), ('OPEN', 'EXPIRED');

CREATE FUNCTION "checkout_sessions_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."version" <> OLD."version" + 1 THEN
    RAISE EXCEPTION 'checkout session % updated without advancing its version (% -> %)', OLD."id", OLD."version", NEW."version"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."status" <> OLD."status" AND NOT EXISTS (
    SELECT 1 FROM "checkout_session_status_transitions" t
     WHERE t."from_status" = OLD."status" AND t."to_status" = NEW."status"
  ) THEN
    RAISE EXCEPTION 'illegal checkout session transition % -> % for %', OLD."status", NEW."status", OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF OLD."status" <> 'OPEN' THEN
    RAISE EXCEPTION 'checkout session % is %: it is final', OLD."id", OLD."status" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."id" <> OLD."id" OR NEW."merchant_id" <> OLD."merchant_id" OR NEW."mode" <> OLD."mode"
     OR NEW."currency" <> OLD."currency" OR NEW."amount_minor" <> OLD."amount_minor"
     OR NEW."line_items" <> OLD."line_items" OR NEW."capture_method" <> OLD."capture_method"
     OR NEW."customer_email" IS DISTINCT FROM OLD."customer_email"
     OR NEW."description" IS DISTINCT FROM OLD."description"
     OR NEW."success_url" <> OLD."success_url" OR NEW."cancel_url" <> OLD."cancel_url"
     OR NEW."payment_method_types" <> OLD."payment_method_types"
     OR NEW."invoice_id" IS DISTINCT FROM OLD."invoice_id" OR NEW."access_token" <> OLD."access_token"
     OR NEW."expires_at" <> OLD."expires_at" OR NEW."created_at" <> OLD."created_at" THEN
    RAISE EXCEPTION 'checkout session % content is immutable', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."attempts" < OLD."attempts" OR NEW."attempts" > OLD."attempts" + 1 THEN
    RAISE EXCEPTION 'checkout session % attempts only count up by one', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  NEW."updated_at" := now();
  RETURN NEW;
END $$;
CREATE TRIGGER "checkout_sessions_guard_update" BEFORE UPDATE ON "checkout_sessions"
  FOR EACH ROW EXECUTE FUNCTION "checkout_sessions_guard_update"();
CREATE TRIGGER "checkout_sessions_no_delete" BEFORE DELETE ON "checkout_sessions"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
