-- Time partitions (issue 21, point 3), part 3: webhook_events and webhook_deliveries, by month on created_at.
-- docs/scaling.md ("Time partitions") has the design.
--
-- Both are referenced by id alone (webhook_deliveries.event_id, webhook_delivery_attempts.delivery_id), and a
-- partitioned table's unique keys must hold the partition key. So, as for idempotency_records and
-- psp_webhook_events, each id lives in a small unpartitioned claim table written by the insert trigger, and the
-- foreign keys point at the claim: webhook_event_ids (event id, its outbox message id, both unique as before)
-- and webhook_delivery_ids. Deleting an event (the 30-day purge) deletes its claim, which cascades to its
-- deliveries, whose claims go with them, which cascades to their attempts: the same chain as before. Dropping a
-- partition deletes its claims first, in the same transaction.

-- ---------------------------------------------------------------------------
-- The claim tables, filled from the rows an existing database already has.
-- ---------------------------------------------------------------------------
CREATE TABLE "webhook_event_ids" (
  "event_id"    TEXT NOT NULL,
  "merchant_id" TEXT NOT NULL,
  "outbox_id"   BIGINT NOT NULL,
  "created_at"  TIMESTAMPTZ(3) NOT NULL,
  CONSTRAINT "webhook_event_ids_pkey" PRIMARY KEY ("event_id")
);
CREATE UNIQUE INDEX "webhook_event_ids_outbox_id_key" ON "webhook_event_ids" ("outbox_id");
INSERT INTO "webhook_event_ids" ("event_id", "merchant_id", "outbox_id", "created_at")
SELECT "id", "merchant_id", "outbox_id", "created_at" FROM "webhook_events";

CREATE TABLE "webhook_delivery_ids" (
  "delivery_id" TEXT NOT NULL,
  "created_at"  TIMESTAMPTZ(3) NOT NULL,
  CONSTRAINT "webhook_delivery_ids_pkey" PRIMARY KEY ("delivery_id")
);
INSERT INTO "webhook_delivery_ids" ("delivery_id", "created_at")
SELECT "id", "created_at" FROM "webhook_deliveries";

-- The foreign keys move from the tables about to be partitioned to their claims.
ALTER TABLE "webhook_delivery_attempts" DROP CONSTRAINT "webhook_delivery_attempts_delivery_id_fkey";
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_event_id_fkey";

-- ---------------------------------------------------------------------------
-- webhook_events: month partitions on created_at; a month is dropped 31 days after it ended (the purge deletes
-- events past 30 days in the meantime, so the drop finds little left).
-- ---------------------------------------------------------------------------
ALTER TABLE "webhook_events" RENAME TO "webhook_events_legacy";
ALTER TABLE "webhook_events_legacy" RENAME CONSTRAINT "webhook_events_pkey" TO "webhook_events_legacy_pkey";
ALTER TABLE "webhook_events_legacy" DROP CONSTRAINT "webhook_events_outbox_id_key";
ALTER TABLE "webhook_events_legacy" DROP CONSTRAINT "webhook_events_type_fkey";
ALTER INDEX "webhook_events_feed_idx" RENAME TO "webhook_events_legacy_feed_idx";
ALTER INDEX "webhook_events_object_idx" RENAME TO "webhook_events_legacy_object_idx";
ALTER INDEX "webhook_events_created_at_idx" RENAME TO "webhook_events_legacy_created_at_idx";

CREATE TABLE "webhook_events" (LIKE "webhook_events_legacy" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY RANGE ("created_at");
ALTER TABLE "webhook_events" ADD CONSTRAINT "webhook_events_pkey" PRIMARY KEY ("id", "created_at"),
  ADD CONSTRAINT "webhook_events_type_fkey" FOREIGN KEY ("type") REFERENCES "webhook_event_types"("type");
CREATE INDEX "webhook_events_feed_idx" ON "webhook_events" ("merchant_id", "mode", "created_at" DESC, "id" DESC);
CREATE INDEX "webhook_events_object_idx" ON "webhook_events" ("merchant_id", "mode", "object_id", "created_at" DESC);
CREATE INDEX "webhook_events_created_at_idx" ON "webhook_events" ("created_at");
CREATE TABLE "webhook_events_default" PARTITION OF "webhook_events" DEFAULT;

-- One event per id and per outbox message, across partitions: a taken id or outbox message raises
-- unique_violation, as the unique indexes did (nothing inserts with ON CONFLICT here).
CREATE FUNCTION "webhook_events_claim_id"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "webhook_event_ids" ("event_id", "merchant_id", "outbox_id", "created_at")
  VALUES (NEW."id", NEW."merchant_id", NEW."outbox_id", NEW."created_at");
  RETURN NEW;
END $$;
CREATE TRIGGER "webhook_events_claim_id" BEFORE INSERT ON "webhook_events"
  FOR EACH ROW EXECUTE FUNCTION "webhook_events_claim_id"();

-- A deleted event (the purge) frees its claim, which cascades to its deliveries.
CREATE FUNCTION "webhook_events_free_id"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "webhook_event_ids" WHERE "event_id" = OLD."id";
  RETURN NULL;
END $$;
CREATE TRIGGER "webhook_events_free_id" AFTER DELETE ON "webhook_events"
  FOR EACH ROW EXECUTE FUNCTION "webhook_events_free_id"();

-- What the claim mirrors is fixed once written.
CREATE FUNCTION "webhook_events_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."id" <> OLD."id" OR NEW."merchant_id" <> OLD."merchant_id" OR NEW."outbox_id" <> OLD."outbox_id"
     OR NEW."created_at" <> OLD."created_at" THEN
    RAISE EXCEPTION 'webhook event % identity is immutable', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "webhook_events_guard_update" BEFORE UPDATE OF "id", "merchant_id", "outbox_id", "created_at"
  ON "webhook_events" FOR EACH ROW EXECUTE FUNCTION "webhook_events_guard_update"();
SELECT "time_partitions_adopt"('webhook_events', 'month', 'created_at', '"id", "created_at"');

-- ---------------------------------------------------------------------------
-- webhook_deliveries: month partitions on created_at; a month is dropped 31 days after it ended once none of
-- its deliveries is still PENDING (a disabled endpoint's deliveries wait for it to be enabled again).
-- ---------------------------------------------------------------------------
ALTER TABLE "webhook_deliveries" RENAME TO "webhook_deliveries_legacy";
ALTER TABLE "webhook_deliveries_legacy" RENAME CONSTRAINT "webhook_deliveries_pkey" TO "webhook_deliveries_legacy_pkey";
ALTER TABLE "webhook_deliveries_legacy" DROP CONSTRAINT "webhook_deliveries_endpoint_id_fkey";
ALTER INDEX "webhook_deliveries_due_idx" RENAME TO "webhook_deliveries_legacy_due_idx";
ALTER INDEX "webhook_deliveries_endpoint_idx" RENAME TO "webhook_deliveries_legacy_endpoint_idx";
ALTER INDEX "webhook_deliveries_event_idx" RENAME TO "webhook_deliveries_legacy_event_idx";
DROP TRIGGER "webhook_deliveries_guard_update" ON "webhook_deliveries_legacy";

CREATE TABLE "webhook_deliveries" (LIKE "webhook_deliveries_legacy" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY RANGE ("created_at");
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id", "created_at"),
  ADD CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id"),
  ADD CONSTRAINT "webhook_deliveries_event_id_fkey" FOREIGN KEY ("event_id")
    REFERENCES "webhook_event_ids"("event_id") ON DELETE CASCADE;
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries" ("next_attempt_at") WHERE "status" = 'PENDING';
CREATE INDEX "webhook_deliveries_endpoint_idx" ON "webhook_deliveries" ("endpoint_id", "created_at" DESC);
CREATE INDEX "webhook_deliveries_event_idx" ON "webhook_deliveries" ("event_id");
CREATE TABLE "webhook_deliveries_default" PARTITION OF "webhook_deliveries" DEFAULT;

-- The delivery state machine as before, and the creation time fixed too (the claim mirrors it).
CREATE OR REPLACE FUNCTION "webhook_deliveries_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."status" <> OLD."status" AND NOT (OLD."status" = 'PENDING' AND NEW."status" IN ('SUCCEEDED', 'FAILED')) THEN
    RAISE EXCEPTION 'illegal webhook delivery transition % -> % for %', OLD."status", NEW."status", OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."id" <> OLD."id" OR NEW."endpoint_id" <> OLD."endpoint_id" OR NEW."event_id" <> OLD."event_id"
     OR NEW."created_at" <> OLD."created_at" THEN
    RAISE EXCEPTION 'webhook delivery % identity is immutable', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  NEW."updated_at" := now();
  RETURN NEW;
END $$;
CREATE TRIGGER "webhook_deliveries_guard_update" BEFORE UPDATE ON "webhook_deliveries"
  FOR EACH ROW EXECUTE FUNCTION "webhook_deliveries_guard_update"();

CREATE FUNCTION "webhook_deliveries_claim_id"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "webhook_delivery_ids" ("delivery_id", "created_at") VALUES (NEW."id", NEW."created_at");
  RETURN NEW;
END $$;
CREATE TRIGGER "webhook_deliveries_claim_id" BEFORE INSERT ON "webhook_deliveries"
  FOR EACH ROW EXECUTE FUNCTION "webhook_deliveries_claim_id"();

-- A deleted delivery (its event's cascade) frees its claim, which cascades to its attempts.
CREATE FUNCTION "webhook_deliveries_free_id"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "webhook_delivery_ids" WHERE "delivery_id" = OLD."id";
  RETURN NULL;
END $$;
CREATE TRIGGER "webhook_deliveries_free_id" AFTER DELETE ON "webhook_deliveries"
  FOR EACH ROW EXECUTE FUNCTION "webhook_deliveries_free_id"();
SELECT "time_partitions_adopt"('webhook_deliveries', 'month', 'created_at', '"id", "created_at"');

ALTER TABLE "webhook_delivery_attempts" ADD CONSTRAINT "webhook_delivery_attempts_delivery_id_fkey"
  FOREIGN KEY ("delivery_id") REFERENCES "webhook_delivery_ids"("delivery_id") ON DELETE CASCADE;

-- ---------------------------------------------------------------------------
-- Dropping: the rules of the earlier tables, plus these two. A partition's claims are deleted in the same
-- transaction as its DROP: an event's cascade to its deliveries (and theirs to their attempts), a delivery's to
-- its attempts, so no row is left pointing at a dropped one.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION "time_partition_drop_if_expired"(part TEXT, as_of TIMESTAMPTZ, retention INTERVAL)
  RETURNS BOOLEAN LANGUAGE plpgsql AS $$
DECLARE
  info RECORD;
  still_needed BOOLEAN;
BEGIN
  SELECT * INTO info FROM "time_partitions" WHERE "partition" = part;
  IF NOT FOUND OR info."is_default" THEN
    RAISE EXCEPTION '% is not a dated partition', part USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF info."upper_bound" IS NULL OR info."upper_bound" > as_of - retention THEN
    RETURN FALSE;
  END IF;
  IF info."parent" = 'idempotency_records' THEN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE "expires_at" >= $1)', part) USING as_of INTO still_needed;
    IF still_needed THEN
      RETURN FALSE;
    END IF;
    EXECUTE format('DELETE FROM "idempotency_keys" k USING %I r WHERE k."record_id" = r."id"', part);
  ELSIF info."parent" = 'outbox_messages' THEN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE "published_at" IS NULL)', part) INTO still_needed;
    IF still_needed THEN
      RETURN FALSE;
    END IF;
  ELSIF info."parent" = 'webhook_deliveries' THEN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE "status" = ''PENDING'')', part) INTO still_needed;
    IF still_needed THEN
      RETURN FALSE;
    END IF;
    EXECUTE format('DELETE FROM "webhook_delivery_ids" c USING %I d WHERE c."delivery_id" = d."id"', part);
  ELSIF info."parent" = 'webhook_events' THEN
    EXECUTE format('DELETE FROM "webhook_event_ids" c USING %I e WHERE c."event_id" = e."id"', part);
  END IF;
  EXECUTE format('DROP TABLE %I', part);
  RETURN TRUE;
END $$;
