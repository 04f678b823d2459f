-- Time partitions (issue 21, point 3), part 5: reconciliation. recon_items by month on created_at (an import's
-- items share its transaction's start, so one import writes one partition), kept (never dropped). docs/scaling.md
-- ("Reconciliation items in month partitions") has the design.
--
-- The other reconciliation tables stay whole: recon_imports has one row per report file (a few a day per PSP),
-- recon_item_transitions is reference data, and the import's staging table is a temporary table dropped at commit.
--
-- recon_items had four partial unique indexes. A unique index on a partitioned table must hold the partition key,
-- so the four rules move to recon_item_claims, a small unpartitioned table with one row per rule an item is under:
--   line     (scope psp,  key line_key)     while line_key IS NOT NULL AND category <> 'DUPLICATE'
--   settled  (scope '',   key expected_id)  while line_key IS NOT NULL AND expected_id IS NOT NULL
--   missing  (scope '',   key expected_id)  while category = 'MISSING_EXTERNAL' AND status = 'OPEN'
--   shadow   (scope rule, key expected_id)  while rule LIKE 'shadow.%' AND status = 'OPEN'
-- Statement triggers with transition tables keep the claims: after an INSERT (or COPY) they claim what the new
-- items are under, in one INSERT; after an UPDATE they free what the items left and claim what they entered (two
-- statements, frees first). A taken claim raises unique_violation on recon_item_claims_pkey, as the partial unique
-- index did, and a concurrent claim of the same key waits for the first transaction as the index made it wait.
-- The one writer that relied on ON CONFLICT (a shadow item, recorded once per attempt and rule while open) claims
-- first with ON CONFLICT DO NOTHING and inserts the item only when it got the claim; the insert trigger skips a
-- shadow claim the item already holds.

-- Writes to a recon_items partition named directly would skip the parent's statement triggers (the claims):
-- refused by a statement trigger on each partition, which a write through the parent does not fire.
CREATE FUNCTION "reject_partition_write"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% on %, not its partition %', lower(TG_OP), pg_partition_root(TG_RELID), TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;

-- As in 20261213020100, and a recon_items partition gets the direct-write guard.
CREATE OR REPLACE FUNCTION "time_partitions_ensure"(parent TEXT, unit TEXT, from_ts TIMESTAMPTZ, until_ts TIMESTAMPTZ)
  RETURNS INTEGER LANGUAGE plpgsql AS $$
#variable_conflict use_variable
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
    IF to_regclass(quote_ident(partition_name)) IS NULL AND NOT EXISTS (
         SELECT 1 FROM "time_partitions" p
          WHERE p."parent" = time_partitions_ensure.parent AND NOT p."is_default"
            AND COALESCE(p."lower_bound", '-infinity') < upper_bound AT TIME ZONE 'UTC'
            AND COALESCE(p."upper_bound", 'infinity') > lower_bound AT TIME ZONE 'UTC') THEN
      BEGIN
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', partition_name, parent,
          lower_bound AT TIME ZONE 'UTC', upper_bound AT TIME ZONE 'UTC');
        IF append_only THEN
          EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"()',
            partition_name || '_no_truncate', partition_name);
        END IF;
        IF parent = 'ledger_lines' THEN
          EXECUTE format('CREATE TRIGGER %I BEFORE INSERT ON %I FOR EACH STATEMENT EXECUTE FUNCTION "reject_partition_insert"()',
            partition_name || '_no_direct_insert', partition_name);
        ELSIF parent = 'recon_items' THEN
          EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION "reject_partition_write"()',
            partition_name || '_no_direct_write', partition_name);
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

-- ---------------------------------------------------------------------------
-- The claims.
-- ---------------------------------------------------------------------------
CREATE TABLE "recon_item_claims" (
  "kind"            TEXT NOT NULL,
  "scope"           TEXT NOT NULL,
  "key"             TEXT NOT NULL,
  "item_id"         TEXT NOT NULL,
  "item_created_at" TIMESTAMPTZ(3) NOT NULL,
  -- The key first: the import probes 2,000 keys of one kind at a time (key = ANY(...)), which must be the index's
  -- condition whatever the planner believes of the table's size (its statistics lag the import's own inserts).
  CONSTRAINT "recon_item_claims_pkey" PRIMARY KEY ("key", "kind", "scope"),
  CONSTRAINT "recon_item_claims_kind" CHECK ("kind" IN ('line', 'settled', 'missing', 'shadow'))
);

-- The claims an item's values put it under: the four partial unique indexes' conditions, in one place. A simple
-- SQL set-returning function: the planner inlines it into the triggers' statements.
CREATE FUNCTION "recon_item_claims_of"(psp TEXT, category TEXT, status "ReconItemStatus", rule TEXT, line_key TEXT,
                                       expected_id TEXT)
  RETURNS TABLE ("kind" TEXT, "scope" TEXT, "key" TEXT) LANGUAGE sql IMMUTABLE AS $$
  SELECT c.kind, c.scope, c.key
    FROM (VALUES
      ('line', psp, line_key, line_key IS NOT NULL AND category <> 'DUPLICATE'),
      ('settled', '', expected_id, line_key IS NOT NULL AND expected_id IS NOT NULL),
      ('missing', '', expected_id, expected_id IS NOT NULL AND category = 'MISSING_EXTERNAL' AND status = 'OPEN'),
      ('shadow', rule, expected_id, expected_id IS NOT NULL AND rule LIKE 'shadow.%' AND status = 'OPEN')
    ) AS c(kind, scope, key, held)
   WHERE c.held
$$;

CREATE FUNCTION "recon_items_claim"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "recon_item_claims" ("kind", "scope", "key", "item_id", "item_created_at")
  SELECT c."kind", c."scope", c."key", n."id", n."created_at"
    FROM new_items n
   CROSS JOIN LATERAL "recon_item_claims_of"(n."psp", n."category", n."status", n."rule", n."line_key",
                                             n."expected_id") c
   WHERE c."kind" <> 'shadow'
      OR NOT EXISTS (SELECT 1 FROM "recon_item_claims" x
                      WHERE x."kind" = 'shadow' AND x."scope" = c."scope" AND x."key" = c."key"
                        AND x."item_id" = n."id");
  RETURN NULL;
END $$;

CREATE FUNCTION "recon_items_reclaim"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "recon_item_claims" x
   USING (SELECT o."id", c."kind", c."scope", c."key"
            FROM old_items o
           CROSS JOIN LATERAL "recon_item_claims_of"(o."psp", o."category", o."status", o."rule", o."line_key",
                                                     o."expected_id") c
          EXCEPT
          SELECT n."id", c."kind", c."scope", c."key"
            FROM new_items n
           CROSS JOIN LATERAL "recon_item_claims_of"(n."psp", n."category", n."status", n."rule", n."line_key",
                                                     n."expected_id") c) gone
   WHERE x."kind" = gone."kind" AND x."scope" = gone."scope" AND x."key" = gone."key" AND x."item_id" = gone."id";
  INSERT INTO "recon_item_claims" ("kind", "scope", "key", "item_id", "item_created_at")
  SELECT entered."kind", entered."scope", entered."key", entered."id", n."created_at"
    FROM (SELECT n."id", c."kind", c."scope", c."key"
            FROM new_items n
           CROSS JOIN LATERAL "recon_item_claims_of"(n."psp", n."category", n."status", n."rule", n."line_key",
                                                     n."expected_id") c
          EXCEPT
          SELECT o."id", c."kind", c."scope", c."key"
            FROM old_items o
           CROSS JOIN LATERAL "recon_item_claims_of"(o."psp", o."category", o."status", o."rule", o."line_key",
                                                     o."expected_id") c) entered
    JOIN new_items n ON n."id" = entered."id";
  RETURN NULL;
END $$;

-- An item keeps its identity, its PSP, its time (its partition and its claims' item_created_at) and the PSP's line.
CREATE OR REPLACE FUNCTION "recon_items_guard_transition"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."status" IS DISTINCT FROM OLD."status" AND NOT EXISTS (
    SELECT 1 FROM "recon_item_transitions" WHERE "from_status" = OLD."status" AND "to_status" = NEW."status") THEN
    RAISE EXCEPTION 'illegal reconciliation item transition % -> %', OLD."status", NEW."status"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."line_key" IS DISTINCT FROM OLD."line_key" OR NEW."gross_minor" IS DISTINCT FROM OLD."gross_minor"
     OR NEW."fee_minor" IS DISTINCT FROM OLD."fee_minor" OR NEW."net_minor" IS DISTINCT FROM OLD."net_minor" THEN
    RAISE EXCEPTION 'a reconciliation item keeps the PSP''s line as imported' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."id" IS DISTINCT FROM OLD."id" OR NEW."psp" IS DISTINCT FROM OLD."psp"
     OR NEW."created_at" IS DISTINCT FROM OLD."created_at" THEN
    RAISE EXCEPTION 'a reconciliation item keeps its id, PSP and creation time' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

-- ---------------------------------------------------------------------------
-- recon_items: month partitions on created_at, kept.
-- ---------------------------------------------------------------------------
-- An existing database's items claim what they hold (the partial unique indexes guaranteed no two collide).
INSERT INTO "recon_item_claims" ("kind", "scope", "key", "item_id", "item_created_at")
SELECT c."kind", c."scope", c."key", i."id", i."created_at"
  FROM "recon_items" i
 CROSS JOIN LATERAL "recon_item_claims_of"(i."psp", i."category", i."status", i."rule", i."line_key", i."expected_id") c;

ALTER TABLE "recon_items" RENAME TO "recon_items_legacy";
ALTER TABLE "recon_items_legacy" RENAME CONSTRAINT "recon_items_pkey" TO "recon_items_legacy_pkey";
ALTER TABLE "recon_items_legacy" DROP CONSTRAINT "recon_items_import_id_fkey";
-- Their rules live in recon_item_claims now.
DROP INDEX "recon_items_line_key";
DROP INDEX "recon_items_expected_settled_key";
DROP INDEX "recon_items_expected_missing_key";
DROP INDEX "recon_items_shadow_key";
ALTER INDEX "recon_items_import_idx" RENAME TO "recon_items_legacy_import_idx";
ALTER INDEX "recon_items_open_idx" RENAME TO "recon_items_legacy_open_idx";
ALTER INDEX "recon_items_payment_idx" RENAME TO "recon_items_legacy_payment_idx";
ALTER INDEX "recon_items_to_confirm_idx" RENAME TO "recon_items_legacy_to_confirm_idx";
DROP TRIGGER "recon_items_transition" ON "recon_items_legacy";
DROP TRIGGER "recon_items_no_delete" ON "recon_items_legacy";

CREATE TABLE "recon_items" (LIKE "recon_items_legacy" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY RANGE ("created_at");
ALTER TABLE "recon_items" ADD CONSTRAINT "recon_items_pkey" PRIMARY KEY ("id", "created_at"),
  -- An import's items are written before its record, in one transaction.
  ADD CONSTRAINT "recon_items_import_id_fkey" FOREIGN KEY ("import_id") REFERENCES "recon_imports"("id")
    ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX "recon_items_import_idx" ON "recon_items" ("import_id");
CREATE INDEX "recon_items_open_idx" ON "recon_items" ("status", "category", "created_at") WHERE "status" = 'OPEN';
CREATE INDEX "recon_items_payment_idx" ON "recon_items" ("payment_id");
CREATE INDEX "recon_items_to_confirm_idx" ON "recon_items" ("created_at")
  WHERE "status" = 'OPEN' AND "rule" = 'settled.confirms_in_flight';
CREATE TABLE "recon_items_default" PARTITION OF "recon_items" DEFAULT;

CREATE TRIGGER "recon_items_transition" BEFORE UPDATE ON "recon_items"
  FOR EACH ROW EXECUTE FUNCTION "recon_items_guard_transition"();
CREATE TRIGGER "recon_items_no_delete" BEFORE DELETE ON "recon_items"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
-- TRUNCATE would skip the delete guard and leave the claims behind.
CREATE TRIGGER "recon_items_no_truncate" BEFORE TRUNCATE ON "recon_items"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "recon_items_default_no_truncate" BEFORE TRUNCATE ON "recon_items_default"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "recon_items_default_no_direct_write" BEFORE INSERT OR UPDATE ON "recon_items_default"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_partition_write"();
CREATE TRIGGER "recon_items_claim" AFTER INSERT ON "recon_items"
  REFERENCING NEW TABLE AS new_items
  FOR EACH STATEMENT EXECUTE FUNCTION "recon_items_claim"();
CREATE TRIGGER "recon_items_reclaim" AFTER UPDATE ON "recon_items"
  REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items
  FOR EACH STATEMENT EXECUTE FUNCTION "recon_items_reclaim"();
SELECT "time_partitions_adopt"('recon_items', 'month', 'created_at', '"id", "created_at"');
DO $$
BEGIN
  IF to_regclass('recon_items_legacy') IS NOT NULL THEN
    CREATE TRIGGER "recon_items_legacy_no_direct_write" BEFORE INSERT OR UPDATE ON "recon_items_legacy"
      FOR EACH STATEMENT EXECUTE FUNCTION "reject_partition_write"();
  END IF;
END $$;

-- ---------------------------------------------------------------------------
-- Dropping: as in 20261213020100, and never a reconciliation partition.
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
  IF info."parent" IN ('journal_entries', 'ledger_lines') THEN
    RAISE EXCEPTION '% is a ledger partition: kept for ever', part USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF info."parent" = 'recon_items' THEN
    RAISE EXCEPTION '% is a reconciliation partition: kept (its items stay open for days and nothing archives them)',
      part USING ERRCODE = 'insufficient_privilege';
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
