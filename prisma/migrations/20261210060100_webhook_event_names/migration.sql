-- Merchant webhook event names (issue 19). One spelling across every type: "canceled", as Stripe
-- (payment_intent.canceled) and our payout events (payout.canceled) spell it. payment.cancelled becomes
-- payment.canceled; the old name stays a row of webhook_event_types (events already written keep it) marked
-- replaced_by, and an endpoint that enabled the old name keeps receiving the new one (a deprecated alias,
-- packages/core/src/webhooks/event-types.ts holds the same). An outbox message still written under the old
-- topic makes an event of the new type.
-- And account.updated (the merchant's onboarding status, written by the onboarding and sanctions stores) is a
-- merchant webhook type, with the account's snapshot in the API's shape.

ALTER TABLE "webhook_event_types" ADD COLUMN "replaced_by" TEXT REFERENCES "webhook_event_types"("type");
INSERT INTO "webhook_event_types" ("type") VALUES ('payment.canceled'), ('account.updated') ON CONFLICT DO NOTHING;
UPDATE "webhook_event_types" SET "replaced_by" = 'payment.canceled' WHERE "type" = 'payment.cancelled';
-- A replacement is itself current: no chains.
ALTER TABLE "webhook_event_types" ADD CONSTRAINT "webhook_event_types_not_self_replaced"
  CHECK ("replaced_by" IS NULL OR "replaced_by" <> "type");

-- The object's snapshot in the API's shape, by the topic's object: refunds, disputes, invoices, payouts, bank
-- accounts, the merchant's account, then payments. A payout, a bank account and an account carry their own
-- version. An account's version is its onboarding version plus one once frozen (a freeze changes no onboarding
-- status, and each change advances exactly one of the two, so the sum grows with every change). Its business
-- details are personal data: they stay out of events (the onboarding query reads them).
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
  ELSIF p_topic LIKE 'payout.%' THEN
    SELECT jsonb_build_object(
      'id', po."id", 'object', 'payout', 'status', po."status", 'amount', po."amount_minor"::text,
      'currency', po."currency", 'method', po."method", 'bankAccountId', po."bank_account_id",
      'failureCode', po."failure_code", 'retryOf', po."retry_of", 'version', po."version",
      'createdAt', "webhook_iso_time"(po."created_at"), 'updatedAt', "webhook_iso_time"(po."updated_at"))
      INTO snapshot
      FROM "payouts" po
     WHERE po."id" = COALESCE(p_payload->>'id', p_aggregate_id);
  ELSIF p_topic LIKE 'bank_account.%' THEN
    SELECT jsonb_build_object(
      'id', b."id", 'object', 'bank_account', 'status', b."status", 'rail', b."rail", 'country', b."country",
      'currency', b."currency", 'holderName', b."holder_name", 'bankName', b."bank_name", 'last4', b."last4",
      'routingNumber', b."routing_number", 'verificationMethod', b."verification_method",
      'verifiedAt', "webhook_iso_time"(b."verified_at"), 'version', b."version",
      'createdAt', "webhook_iso_time"(b."created_at"), 'updatedAt', "webhook_iso_time"(b."updated_at"))
      INTO snapshot
      FROM "bank_accounts" b
     WHERE b."id" = COALESCE(p_payload->>'id', p_aggregate_id);
  ELSIF p_topic LIKE 'account.%' THEN
    SELECT jsonb_build_object(
      'id', m."id", 'object', 'account', 'onboardingStatus', m."onboarding_status",
      'detailsSubmittedAt', "webhook_iso_time"(m."details_submitted_at"),
      'decidedAt', "webhook_iso_time"(m."onboarding_decided_at"), 'frozen', m."frozen_at" IS NOT NULL,
      'version', m."onboarding_version" + CASE WHEN m."frozen_at" IS NULL THEN 0 ELSE 1 END,
      'createdAt', "webhook_iso_time"(m."created_at"))
      INTO snapshot
      FROM "merchants" m
     WHERE m."id" = COALESCE(p_payload->>'id', p_aggregate_id);
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

-- As before, with the event type the topic's current name (a replaced topic makes an event of its replacement),
-- and an endpoint that enabled a replaced name receiving its replacement.
CREATE OR REPLACE FUNCTION "webhook_event_from_outbox"() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  event_id TEXT;
  event_type TEXT;
  object_snapshot JSONB;
  previous JSONB;
  previous_attributes JSONB;
  created TIMESTAMPTZ := now();
BEGIN
  SELECT COALESCE(t."replaced_by", t."type") INTO event_type FROM "webhook_event_types" t WHERE t."type" = NEW."topic";
  IF event_type IS NULL THEN
    RETURN NULL;
  END IF;
  object_snapshot := "webhook_object_snapshot"(event_type, NEW."aggregate_id", NEW."payload");
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
  VALUES (event_id, NEW."merchant_id", NEW."mode", event_type, object_snapshot->>'id', NEW."id",
    jsonb_build_object(
      'id', event_id, 'type', event_type, 'createdAt', "webhook_iso_time"(created),
      'livemode', NEW."mode" = 'LIVE',
      'data', jsonb_build_object('object', object_snapshot, 'previousAttributes', previous_attributes)),
    created);
  INSERT INTO "webhook_deliveries" ("id", "endpoint_id", "event_id")
  SELECT 'whd_' || replace(gen_random_uuid()::text, '-', ''), w."id", event_id
    FROM "webhook_endpoints" w
   WHERE w."merchant_id" = NEW."merchant_id" AND w."mode" = NEW."mode" AND w."status" = 'ENABLED'
     AND (event_type = ANY(w."enabled_events") OR '*' = ANY(w."enabled_events")
          OR EXISTS (SELECT 1 FROM "webhook_event_types" a
                      WHERE a."replaced_by" = event_type AND a."type" = ANY(w."enabled_events")));
  RETURN NULL;
END $$;
