-- Time partitions (issue 21, point 3), part 2: outbox_messages and webhook_delivery_attempts (dropped past their
-- retention), psp_webhook_events and payment_events (kept: evidence and audit, partitioned so that each
-- partition stays small and old ones can be archived). docs/scaling.md ("Time partitions") has the design.

-- The append-only guard names the partitioned table, not the partition its row lives in.
CREATE OR REPLACE FUNCTION "reject_mutation"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % rejected', COALESCE(pg_partition_root(TG_RELID)::text, TG_TABLE_NAME), TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

-- Partitions of an append-only table (one with a <table>_no_truncate trigger) get the same TRUNCATE guard:
-- statement triggers are not inherited, and a TRUNCATE of one partition would otherwise pass.
CREATE OR REPLACE FUNCTION "time_partitions_ensure"(parent TEXT, unit TEXT, from_ts TIMESTAMPTZ, until_ts TIMESTAMPTZ)
  RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
  step INTERVAL;
  lower_bound TIMESTAMP;
  upper_bound TIMESTAMP;
  partition_name TEXT;
  created INTEGER := 0;
  append_only BOOLEAN;
BEGIN
  IF unit NOT IN ('day', 'month') THEN
    RAISE EXCEPTION 'partition unit must be day or month, got %', unit USING ERRCODE = 'invalid_parameter_value';
  END IF;
  step := CASE unit WHEN 'day' THEN INTERVAL '1 day' ELSE INTERVAL '1 month' END;
  append_only := EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = parent::regclass AND tgname = parent || '_no_truncate');
  lower_bound := date_trunc(unit, from_ts AT TIME ZONE 'UTC');
  WHILE lower_bound < until_ts AT TIME ZONE 'UTC' LOOP
    IF created >= 400 THEN
      RAISE EXCEPTION 'at most 400 partitions per call' USING ERRCODE = 'program_limit_exceeded';
    END IF;
    upper_bound := lower_bound + step;
    partition_name := parent || '_p' || to_char(lower_bound, CASE unit WHEN 'day' THEN 'YYYYMMDD' ELSE 'YYYYMM' END);
    IF to_regclass(quote_ident(partition_name)) IS NULL THEN
      BEGIN
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', partition_name, parent,
          lower_bound AT TIME ZONE 'UTC', upper_bound AT TIME ZONE 'UTC');
        IF append_only THEN
          EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"()',
            partition_name || '_no_truncate', partition_name);
        END IF;
        created := created + 1;
      EXCEPTION WHEN duplicate_table THEN
        -- Another process created it a moment ago: every API process runs the worker.
        NULL;
      END;
    END IF;
    lower_bound := upper_bound;
  END LOOP;
  RETURN created;
END $$;

-- Turns <parent>_legacy (the table as it was, renamed, its own triggers dropped) into <parent>'s first partition
-- when it holds rows, or drops it when it is empty (a fresh database), then creates the partitions from there on.
-- With rows: its primary key takes the partition column (an index build: on a large table build the unique index
-- CONCURRENTLY beforehand), and a CHECK validated first lets ATTACH PARTITION skip its scan.
CREATE FUNCTION "time_partitions_adopt"(parent TEXT, unit TEXT, part_column TEXT, key_columns TEXT)
  RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
  legacy TEXT := parent || '_legacy';
  has_rows BOOLEAN;
  cut_over TIMESTAMPTZ := (date_trunc(unit, now() AT TIME ZONE 'UTC')
    + CASE unit WHEN 'day' THEN INTERVAL '1 day' ELSE INTERVAL '1 month' END) AT TIME ZONE 'UTC';
BEGIN
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', legacy) INTO has_rows;
  IF NOT has_rows THEN
    EXECUTE format('DROP TABLE %I', legacy);
    PERFORM "time_partitions_ensure"(parent, unit,
      now() - CASE unit WHEN 'day' THEN INTERVAL '1 day' ELSE INTERVAL '1 month' END, now() + INTERVAL '14 days');
    RETURN;
  END IF;
  EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I, ADD CONSTRAINT %I PRIMARY KEY (%s)',
    legacy, legacy || '_pkey', legacy || '_pkey', key_columns);
  EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (%I IS NOT NULL AND %I < %L) NOT VALID',
    legacy, legacy || '_range', part_column, part_column, cut_over);
  EXECUTE format('ALTER TABLE %I VALIDATE CONSTRAINT %I', legacy, legacy || '_range');
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (MINVALUE) TO (%L)', parent, legacy, cut_over);
  IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = parent::regclass AND tgname = parent || '_no_truncate') THEN
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"()',
      legacy || '_no_truncate', legacy);
  END IF;
  PERFORM "time_partitions_ensure"(parent, unit, cut_over, cut_over + INTERVAL '14 days');
END $$;

-- ---------------------------------------------------------------------------
-- outbox_messages: day partitions on created_at; a day is dropped 30 days after it ended once every message in
-- it is published. Nothing references an outbox row (webhook_events.outbox_id is a copy, unique by the
-- sequence). The relay marks rows published by id and created_at, so only their day's partitions are read.
-- ---------------------------------------------------------------------------
ALTER TABLE "outbox_messages" RENAME TO "outbox_messages_legacy";
ALTER TABLE "outbox_messages_legacy" RENAME CONSTRAINT "outbox_messages_pkey" TO "outbox_messages_legacy_pkey";
ALTER INDEX "outbox_messages_unpublished_idx" RENAME TO "outbox_messages_legacy_unpublished_idx";
DROP TRIGGER "outbox_messages_webhook_event" ON "outbox_messages_legacy";

CREATE TABLE "outbox_messages" (LIKE "outbox_messages_legacy" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY RANGE ("created_at");
ALTER SEQUENCE "outbox_messages_id_seq" OWNED BY "outbox_messages"."id";
ALTER TABLE "outbox_messages" ADD CONSTRAINT "outbox_messages_pkey" PRIMARY KEY ("id", "created_at");
CREATE INDEX "outbox_messages_unpublished_idx" ON "outbox_messages" ("id") WHERE "published_at" IS NULL;
CREATE TABLE "outbox_messages_default" PARTITION OF "outbox_messages" DEFAULT;
CREATE TRIGGER "outbox_messages_webhook_event" AFTER INSERT ON "outbox_messages"
  FOR EACH ROW EXECUTE FUNCTION "webhook_event_from_outbox"();
SELECT "time_partitions_adopt"('outbox_messages', 'day', 'created_at', '"id", "created_at"');

-- ---------------------------------------------------------------------------
-- webhook_delivery_attempts: month partitions on attempted_at, dropped 31 days after the month ended. Deleting
-- an event (30 days' retention) still cascades to its deliveries and their attempts; the drop bounds what is left.
-- Its foreign key to webhook_deliveries stays: a partitioned table may reference a plain one.
-- ---------------------------------------------------------------------------
ALTER TABLE "webhook_delivery_attempts" RENAME TO "webhook_delivery_attempts_legacy";
ALTER TABLE "webhook_delivery_attempts_legacy"
  RENAME CONSTRAINT "webhook_delivery_attempts_pkey" TO "webhook_delivery_attempts_legacy_pkey";
ALTER TABLE "webhook_delivery_attempts_legacy"
  RENAME CONSTRAINT "webhook_delivery_attempts_delivery_id_fkey" TO "webhook_delivery_attempts_legacy_delivery_id_fkey";
ALTER INDEX "webhook_delivery_attempts_delivery_idx" RENAME TO "webhook_delivery_attempts_legacy_delivery_idx";

CREATE TABLE "webhook_delivery_attempts" (LIKE "webhook_delivery_attempts_legacy" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY RANGE ("attempted_at");
ALTER SEQUENCE "webhook_delivery_attempts_id_seq" OWNED BY "webhook_delivery_attempts"."id";
ALTER TABLE "webhook_delivery_attempts" ADD CONSTRAINT "webhook_delivery_attempts_pkey" PRIMARY KEY ("id", "attempted_at"),
  ADD CONSTRAINT "webhook_delivery_attempts_delivery_id_fkey" FOREIGN KEY ("delivery_id")
    REFERENCES "webhook_deliveries"("id") ON DELETE CASCADE;
CREATE INDEX "webhook_delivery_attempts_delivery_idx" ON "webhook_delivery_attempts" ("delivery_id", "attempted_at");
CREATE TABLE "webhook_delivery_attempts_default" PARTITION OF "webhook_delivery_attempts" DEFAULT;
-- The legacy table's own foreign key would duplicate the parent's once attached.
ALTER TABLE "webhook_delivery_attempts_legacy" DROP CONSTRAINT "webhook_delivery_attempts_legacy_delivery_id_fkey";
SELECT "time_partitions_adopt"('webhook_delivery_attempts', 'month', 'attempted_at', '"id", "attempted_at"');

-- ---------------------------------------------------------------------------
-- psp_webhook_events: month partitions on received_at, kept (an accepted webhook is evidence: no delete). One
-- event id per PSP across partitions: psp_webhook_event_ids holds (psp_name, event_id) as its primary key and
-- is claimed by the insert trigger, which skips an event already received (the former
-- `ON CONFLICT (psp_name, event_id) DO NOTHING`). It grows with the events, at about 60 bytes a row.
-- ---------------------------------------------------------------------------
CREATE TABLE "psp_webhook_event_ids" (
  "psp_name"    TEXT NOT NULL,
  "event_id"    TEXT NOT NULL,
  "row_id"      BIGINT NOT NULL,
  "received_at" TIMESTAMPTZ(3) NOT NULL,
  CONSTRAINT "psp_webhook_event_ids_pkey" PRIMARY KEY ("psp_name", "event_id")
);
INSERT INTO "psp_webhook_event_ids" ("psp_name", "event_id", "row_id", "received_at")
SELECT "psp_name", "event_id", "id", "received_at" FROM "psp_webhook_events";
CREATE FUNCTION "psp_webhook_event_ids_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'psp_webhook_event_ids: % rejected (an event''s id is evidence)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER "psp_webhook_event_ids_append_only" BEFORE UPDATE OR DELETE ON "psp_webhook_event_ids"
  FOR EACH ROW EXECUTE FUNCTION "psp_webhook_event_ids_guard"();
CREATE TRIGGER "psp_webhook_event_ids_no_truncate" BEFORE TRUNCATE ON "psp_webhook_event_ids"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();

ALTER TABLE "psp_webhook_events" RENAME TO "psp_webhook_events_legacy";
ALTER TABLE "psp_webhook_events_legacy" RENAME CONSTRAINT "psp_webhook_events_pkey" TO "psp_webhook_events_legacy_pkey";
DROP INDEX "psp_webhook_events_psp_name_event_id_key";
DROP TRIGGER "psp_webhook_events_no_delete" ON "psp_webhook_events_legacy";

CREATE TABLE "psp_webhook_events" (LIKE "psp_webhook_events_legacy" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY RANGE ("received_at");
ALTER SEQUENCE "psp_webhook_events_id_seq" OWNED BY "psp_webhook_events"."id";
ALTER TABLE "psp_webhook_events" ADD CONSTRAINT "psp_webhook_events_pkey" PRIMARY KEY ("id", "received_at");
CREATE TABLE "psp_webhook_events_default" PARTITION OF "psp_webhook_events" DEFAULT;
CREATE TRIGGER "psp_webhook_events_no_delete" BEFORE DELETE ON "psp_webhook_events"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

CREATE FUNCTION "psp_webhook_events_claim_id"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "psp_webhook_event_ids" ("psp_name", "event_id", "row_id", "received_at")
  VALUES (NEW."psp_name", NEW."event_id", NEW."id", NEW."received_at")
  ON CONFLICT ("psp_name", "event_id") DO NOTHING;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "psp_webhook_events_claim_id" BEFORE INSERT ON "psp_webhook_events"
  FOR EACH ROW EXECUTE FUNCTION "psp_webhook_events_claim_id"();

-- The event id, its PSP and its time are fixed once received (psp_webhook_event_ids mirrors them).
CREATE FUNCTION "psp_webhook_events_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."id" <> OLD."id" OR NEW."psp_name" <> OLD."psp_name" OR NEW."event_id" <> OLD."event_id"
     OR NEW."received_at" <> OLD."received_at" THEN
    RAISE EXCEPTION 'PSP webhook event % identity is immutable', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "psp_webhook_events_guard_update" BEFORE UPDATE OF "id", "psp_name", "event_id", "received_at"
  ON "psp_webhook_events" FOR EACH ROW EXECUTE FUNCTION "psp_webhook_events_guard_update"();
SELECT "time_partitions_adopt"('psp_webhook_events', 'month', 'received_at', '"id", "received_at"');

-- ---------------------------------------------------------------------------
-- payment_events: month partitions on created_at, kept (the payments' audit trail: append-only, every
-- partition with the TRUNCATE guard). Its foreign key to payments stays.
-- ---------------------------------------------------------------------------
ALTER TABLE "payment_events" RENAME TO "payment_events_legacy";
ALTER TABLE "payment_events_legacy" RENAME CONSTRAINT "payment_events_pkey" TO "payment_events_legacy_pkey";
ALTER TABLE "payment_events_legacy" RENAME CONSTRAINT "payment_events_payment_id_fkey" TO "payment_events_legacy_payment_id_fkey";
ALTER INDEX "payment_events_payment_id_id_idx" RENAME TO "payment_events_legacy_payment_id_id_idx";
DROP TRIGGER "payment_events_append_only" ON "payment_events_legacy";
DROP TRIGGER "payment_events_no_truncate" ON "payment_events_legacy";

CREATE TABLE "payment_events" (LIKE "payment_events_legacy" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY RANGE ("created_at");
ALTER SEQUENCE "payment_events_id_seq" OWNED BY "payment_events"."id";
ALTER TABLE "payment_events" ADD CONSTRAINT "payment_events_pkey" PRIMARY KEY ("id", "created_at"),
  ADD CONSTRAINT "payment_events_payment_id_fkey" FOREIGN KEY ("payment_id")
    REFERENCES "payments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE INDEX "payment_events_payment_id_id_idx" ON "payment_events" ("payment_id", "id");
CREATE TABLE "payment_events_default" PARTITION OF "payment_events" DEFAULT;
CREATE TRIGGER "payment_events_append_only" BEFORE UPDATE OR DELETE ON "payment_events"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "payment_events_no_truncate" BEFORE TRUNCATE ON "payment_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "payment_events_default_no_truncate" BEFORE TRUNCATE ON "payment_events_default"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();
ALTER TABLE "payment_events_legacy" DROP CONSTRAINT "payment_events_legacy_payment_id_fkey";
SELECT "time_partitions_adopt"('payment_events', 'month', 'created_at', '"id", "created_at"');
