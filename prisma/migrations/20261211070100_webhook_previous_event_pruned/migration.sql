-- Issue 23 (fewer relations per payment transaction): the webhook event trigger on outbox_messages looked up
-- the object's previous event in every month partition of webhook_events (no bound on the partition key), so
-- each payment transaction locked every partition and all their indexes, past a backend's 16 fast-path locks
-- (LWLock:LockManager waits under concurrency). The lookup is now bounded by the object's creation time, which
-- every snapshot carries, and by now, and planned with these values, so only the partitions in between are opened. The rest
-- of the function is unchanged (as of 20261210060100_webhook_event_names).
CREATE OR REPLACE FUNCTION "webhook_event_from_outbox"()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
  event_id TEXT;
  event_type TEXT;
  object_snapshot JSONB;
  previous JSONB;
  previous_attributes JSONB;
  created TIMESTAMPTZ := now();
  since TIMESTAMPTZ;
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
  -- No event of an object is older than the object, and none is written in the future: bounded by the
  -- object's creation and now (a day's margin each side, for rounding), the lookup opens and locks only the
  -- month partitions in between, instead of every partition and its four indexes (issue 23: a payment's
  -- transaction locked 26 relations here alone, the months made ahead included). EXECUTE plans it with the
  -- values, so the partitions are pruned when it is planned, not only when it runs.
  since := ("object_snapshot"->>'createdAt')::timestamptz - INTERVAL '1 day';
  IF since IS NULL THEN
    SELECT e."payload"->'data'->'object' INTO previous
      FROM "webhook_events" e
     WHERE e."merchant_id" = NEW."merchant_id" AND e."mode" = NEW."mode" AND e."object_id" = object_snapshot->>'id'
     ORDER BY (e."payload"->'data'->'object'->>'version')::int DESC, e."created_at" DESC
     LIMIT 1;
  ELSE
    EXECUTE 'SELECT e."payload"->''data''->''object'' FROM "webhook_events" e
              WHERE e."merchant_id" = $1 AND e."mode" = $2 AND e."object_id" = $3 AND e."created_at" >= $4 AND e."created_at" <= $5
              ORDER BY (e."payload"->''data''->''object''->>''version'')::int DESC, e."created_at" DESC
              LIMIT 1'
      INTO previous USING NEW."merchant_id", NEW."mode", object_snapshot->>'id', since, created + INTERVAL '1 day';
  END IF;
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
END $function$;
