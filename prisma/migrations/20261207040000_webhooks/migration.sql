-- Merchant webhooks and the events feed (issue 19).
-- Events are written by a trigger on outbox_messages, in the transaction of the change that wrote the outbox
-- row, so an event exists exactly when its change committed, with the object's snapshot as of that change.
-- The same trigger fans the event out to the merchant's enabled endpoints as delivery rows: Postgres is the
-- queue (claimed FOR UPDATE SKIP LOCKED by apps/api/src/workers/webhook-delivery.ts), Redis is not needed.

CREATE TYPE "WebhookEndpointStatus" AS ENUM ('ENABLED', 'DISABLED', 'DELETED');
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('PENDING', 'SUCCEEDED', 'FAILED');

CREATE TABLE "webhook_endpoints" (
  "id"              TEXT NOT NULL PRIMARY KEY,
  "merchant_id"     TEXT NOT NULL REFERENCES "merchants"("id"),
  "mode"            "Mode" NOT NULL,
  "url"             VARCHAR(2048) NOT NULL,
  "description"     VARCHAR(500),
  "enabled_events"  TEXT[] NOT NULL,
  "status"          "WebhookEndpointStatus" NOT NULL DEFAULT 'ENABLED',
  "disabled_reason" TEXT,
  "failing_since"   TIMESTAMPTZ(3),
  "needs_attention" BOOLEAN NOT NULL DEFAULT false,
  "version"         INTEGER NOT NULL DEFAULT 1,
  "created_at"      TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "updated_at"      TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "webhook_endpoints_events_bounded" CHECK (cardinality("enabled_events") BETWEEN 1 AND 64)
);
CREATE INDEX "webhook_endpoints_merchant_mode_status_idx" ON "webhook_endpoints" ("merchant_id", "mode", "status");

CREATE TABLE "webhook_endpoint_secrets" (
  "id"          TEXT NOT NULL PRIMARY KEY,
  "endpoint_id" TEXT NOT NULL REFERENCES "webhook_endpoints"("id"),
  "ciphertext"  BYTEA NOT NULL,
  "nonce"       BYTEA NOT NULL,
  "auth_tag"    BYTEA NOT NULL,
  "key_version" SMALLINT NOT NULL,
  "hint"        TEXT NOT NULL,
  "created_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "valid_until" TIMESTAMPTZ(3)
);
CREATE INDEX "webhook_endpoint_secrets_endpoint_idx" ON "webhook_endpoint_secrets" ("endpoint_id", "created_at" DESC);

-- The endpoint state machine, as data the database checks on every update.
-- packages/core/src/webhooks/webhook-endpoint.ts holds the same table, and an integration test asserts the two agree.
CREATE TABLE "webhook_endpoint_status_transitions" (
  "from_status" "WebhookEndpointStatus" NOT NULL,
  "to_status"   "WebhookEndpointStatus" NOT NULL,
  PRIMARY KEY ("from_status", "to_status")
);
INSERT INTO "webhook_endpoint_status_transitions" ("from_status", "to_status") VALUES
  ('ENABLED', 'DISABLED'), ('DISABLED', 'ENABLED'), ('ENABLED', 'DELETED'), ('DISABLED', 'DELETED');

CREATE FUNCTION "webhook_endpoints_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."version" <> OLD."version" + 1 THEN
    RAISE EXCEPTION 'webhook endpoint % updated without advancing its version', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."status" <> OLD."status" AND NOT EXISTS (
    SELECT 1 FROM "webhook_endpoint_status_transitions" t
    WHERE t."from_status" = OLD."status" AND t."to_status" = NEW."status"
  ) THEN
    RAISE EXCEPTION 'illegal webhook endpoint transition % -> % for %', OLD."status", NEW."status", OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF OLD."status" = 'DELETED' THEN
    RAISE EXCEPTION 'webhook endpoint % is deleted', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."id" <> OLD."id" OR NEW."merchant_id" <> OLD."merchant_id" OR NEW."mode" <> OLD."mode" THEN
    RAISE EXCEPTION 'webhook endpoint % identity is immutable', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  NEW."updated_at" := now();
  RETURN NEW;
END $$;
CREATE TRIGGER "webhook_endpoints_guard_update" BEFORE UPDATE ON "webhook_endpoints"
  FOR EACH ROW EXECUTE FUNCTION "webhook_endpoints_guard_update"();

-- The event types merchants can subscribe to. packages/core/src/webhooks/event-types.ts holds the same list,
-- and an integration test asserts the two agree. An outbox topic not listed here makes no event.
CREATE TABLE "webhook_event_types" ("type" TEXT NOT NULL PRIMARY KEY);
INSERT INTO "webhook_event_types" ("type") VALUES
  ('payment.created'), ('payment.authorized'), ('payment.captured'), ('payment.declined'), ('payment.failed'),
  ('payment.cancelled'), ('payment.requires_review'), ('payment.review_decided'),
  ('refund.created'), ('refund.succeeded'), ('refund.failed');

CREATE TABLE "webhook_events" (
  "id"          TEXT NOT NULL PRIMARY KEY,
  "merchant_id" TEXT NOT NULL,
  "mode"        "Mode" NOT NULL,
  "type"        TEXT NOT NULL REFERENCES "webhook_event_types"("type"),
  "object_id"   TEXT NOT NULL,
  "outbox_id"   BIGINT NOT NULL UNIQUE,
  "payload"     JSONB NOT NULL,
  "created_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "webhook_events_feed_idx" ON "webhook_events" ("merchant_id", "mode", "created_at" DESC, "id" DESC);
CREATE INDEX "webhook_events_object_idx" ON "webhook_events" ("merchant_id", "mode", "object_id", "created_at" DESC);
CREATE INDEX "webhook_events_created_at_idx" ON "webhook_events" ("created_at");

CREATE TABLE "webhook_deliveries" (
  "id"               TEXT NOT NULL PRIMARY KEY,
  "endpoint_id"      TEXT NOT NULL REFERENCES "webhook_endpoints"("id"),
  "event_id"         TEXT NOT NULL REFERENCES "webhook_events"("id") ON DELETE CASCADE,
  "status"           "WebhookDeliveryStatus" NOT NULL DEFAULT 'PENDING',
  "replay"           BOOLEAN NOT NULL DEFAULT false,
  "attempt_count"    INTEGER NOT NULL DEFAULT 0,
  "next_attempt_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "locked_until"     TIMESTAMPTZ(3),
  "last_status_code" INTEGER,
  "last_error"       VARCHAR(200),
  "first_attempt_at" TIMESTAMPTZ(3),
  "finished_at"      TIMESTAMPTZ(3),
  "created_at"       TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "updated_at"       TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries" ("next_attempt_at") WHERE "status" = 'PENDING';
CREATE INDEX "webhook_deliveries_endpoint_idx" ON "webhook_deliveries" ("endpoint_id", "created_at" DESC);
CREATE INDEX "webhook_deliveries_event_idx" ON "webhook_deliveries" ("event_id");

-- The delivery state machine: a delivery ends once, succeeded or given up.
CREATE FUNCTION "webhook_deliveries_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."status" <> OLD."status" AND NOT (OLD."status" = 'PENDING' AND NEW."status" IN ('SUCCEEDED', 'FAILED')) THEN
    RAISE EXCEPTION 'illegal webhook delivery transition % -> % for %', OLD."status", NEW."status", OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."id" <> OLD."id" OR NEW."endpoint_id" <> OLD."endpoint_id" OR NEW."event_id" <> OLD."event_id" THEN
    RAISE EXCEPTION 'webhook delivery % identity is immutable', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  NEW."updated_at" := now();
  RETURN NEW;
END $$;
CREATE TRIGGER "webhook_deliveries_guard_update" BEFORE UPDATE ON "webhook_deliveries"
  FOR EACH ROW EXECUTE FUNCTION "webhook_deliveries_guard_update"();

-- Every attempt of a delivery, append-only: when, the HTTP status (null when no answer), latency, a bounded excerpt.
CREATE TABLE "webhook_delivery_attempts" (
  "id"               BIGSERIAL PRIMARY KEY,
  "delivery_id"      TEXT NOT NULL REFERENCES "webhook_deliveries"("id") ON DELETE CASCADE,
  "attempted_at"     TIMESTAMPTZ(3) NOT NULL,
  "status_code"      INTEGER,
  "latency_ms"       INTEGER NOT NULL,
  "error"            VARCHAR(200),
  "response_excerpt" VARCHAR(1024)
);
CREATE INDEX "webhook_delivery_attempts_delivery_idx" ON "webhook_delivery_attempts" ("delivery_id", "attempted_at");

CREATE FUNCTION "webhook_iso_time"(ts TIMESTAMPTZ) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- The object's snapshot in the API's shape (the GraphQL Payment and Refund field names, amounts as digit
-- strings). A refund carries its payment's version: every refund change also changes the payment.
CREATE FUNCTION "webhook_object_snapshot"(p_topic TEXT, p_aggregate_id TEXT, p_payload JSONB) RETURNS JSONB
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

CREATE FUNCTION "webhook_event_from_outbox"() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  event_id TEXT;
  object_snapshot JSONB;
  previous JSONB;
  previous_attributes JSONB;
  created TIMESTAMPTZ := now();
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "webhook_event_types" WHERE "type" = NEW."topic") THEN
    RETURN NULL;
  END IF;
  object_snapshot := "webhook_object_snapshot"(NEW."topic", NEW."aggregate_id", NEW."payload");
  IF object_snapshot IS NULL THEN
    RETURN NULL;
  END IF;
  -- Opaque and per merchant: random, not a platform-wide counter.
  event_id := 'evt_' || replace(gen_random_uuid()::text, '-', '');
  SELECT e."payload"->'data'->'object' INTO previous
    FROM "webhook_events" e
   WHERE e."merchant_id" = NEW."merchant_id" AND e."mode" = NEW."mode" AND e."object_id" = object_snapshot->>'id'
   ORDER BY (e."payload"->'data'->'object'->>'version')::int DESC, e."created_at" DESC
   LIMIT 1;
  IF previous IS NOT NULL THEN
    SELECT COALESCE(jsonb_object_agg(o.key, o.value), '{}'::jsonb) INTO previous_attributes
      FROM jsonb_each(previous) o
     WHERE o.key NOT IN ('version', 'updatedAt') AND (object_snapshot->o.key) IS DISTINCT FROM o.value;
  END IF;
  INSERT INTO "webhook_events" ("id", "merchant_id", "mode", "type", "object_id", "outbox_id", "payload", "created_at")
  VALUES (event_id, NEW."merchant_id", NEW."mode", NEW."topic", object_snapshot->>'id', NEW."id",
    jsonb_build_object(
      'id', event_id, 'type', NEW."topic", 'createdAt', "webhook_iso_time"(created),
      'livemode', NEW."mode" = 'LIVE',
      'data', jsonb_build_object('object', object_snapshot, 'previousAttributes', previous_attributes)),
    created);
  INSERT INTO "webhook_deliveries" ("id", "endpoint_id", "event_id")
  SELECT 'whd_' || replace(gen_random_uuid()::text, '-', ''), w."id", event_id
    FROM "webhook_endpoints" w
   WHERE w."merchant_id" = NEW."merchant_id" AND w."mode" = NEW."mode" AND w."status" = 'ENABLED'
     AND (NEW."topic" = ANY(w."enabled_events") OR '*' = ANY(w."enabled_events"));
  RETURN NULL;
END $$;
CREATE TRIGGER "outbox_messages_webhook_event" AFTER INSERT ON "outbox_messages"
  FOR EACH ROW EXECUTE FUNCTION "webhook_event_from_outbox"();
