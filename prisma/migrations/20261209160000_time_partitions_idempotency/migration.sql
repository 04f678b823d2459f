-- Time partitions (issue 21, point 3), part 1: the helpers every partitioned table uses, and idempotency_records.
--
-- Prisma does not model partitioning: schema.prisma keeps the tables' logical shape (its @@unique on
-- idempotency_records names the rule idempotency_keys enforces) and these hand-written migrations carry the
-- partitions. docs/scaling.md ("Time partitions") has the design; packages/platform/src/workers/partitions.ts
-- creates partitions ahead and drops expired ones (no pg_partman: the embedded Postgres has none).

-- Day or month partitions of a table partitioned by RANGE on a timestamptz, named <table>_pYYYYMMDD or
-- <table>_pYYYYMM, bounds in UTC. Creates those covering [from_ts, until_ts) that do not exist yet (at most
-- 400 per call) and returns how many it created. A range that already has rows in the default partition fails
-- (Postgres refuses the new partition): the worker reports it, nothing is moved silently.
CREATE FUNCTION "time_partitions_ensure"(parent TEXT, unit TEXT, from_ts TIMESTAMPTZ, until_ts TIMESTAMPTZ)
  RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
  step INTERVAL;
  lower_bound TIMESTAMP;
  upper_bound TIMESTAMP;
  partition_name TEXT;
  created INTEGER := 0;
BEGIN
  IF unit NOT IN ('day', 'month') THEN
    RAISE EXCEPTION 'partition unit must be day or month, got %', unit USING ERRCODE = 'invalid_parameter_value';
  END IF;
  step := CASE unit WHEN 'day' THEN INTERVAL '1 day' ELSE INTERVAL '1 month' END;
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

-- Every partition of the tables partitioned here, with its bounds (NULL: MINVALUE/MAXVALUE or the default
-- partition), for the worker and `npm run cli -- partitions status`.
CREATE VIEW "time_partitions" AS
SELECT parent.relname::TEXT AS "parent",
       child.relname::TEXT AS "partition",
       pg_get_expr(child.relpartbound, child.oid) = 'DEFAULT' AS "is_default",
       (regexp_match(pg_get_expr(child.relpartbound, child.oid), 'FROM \(''([^'']+)''\)'))[1]::TIMESTAMPTZ AS "lower_bound",
       (regexp_match(pg_get_expr(child.relpartbound, child.oid), 'TO \(''([^'']+)''\)'))[1]::TIMESTAMPTZ AS "upper_bound"
  FROM pg_inherits i
  JOIN pg_class parent ON parent.oid = i.inhparent
  JOIN pg_class child ON child.oid = i.inhrelid
  JOIN pg_partitioned_table pt ON pt.partrelid = parent.oid
  JOIN pg_namespace n ON n.oid = parent.relnamespace
 WHERE n.nspname = current_schema() AND child.relkind = 'r';

-- Drops one partition if its rows are past the table's retention as of as_of, and returns whether it did. The
-- default partition is never dropped. A partition qualifies when its whole range ended before as_of - retention
-- (an old table attached as the first partition, with no lower bound, qualifies by its rows alone) and the
-- table's own rule holds: idempotency_records: no record in it unexpired (their keys in idempotency_keys go in
-- the same transaction); outbox_messages: every message in it published. DROP TABLE takes an ACCESS EXCLUSIVE
-- lock on the parent for a moment: the caller sets a short lock_timeout and tries again at its next pass.
CREATE FUNCTION "time_partition_drop_if_expired"(part TEXT, as_of TIMESTAMPTZ, retention INTERVAL)
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
  END IF;
  EXECUTE format('DROP TABLE %I', part);
  RETURN TRUE;
END $$;

-- Rows in each default partition (counted up to 1001: the worker only needs to know there are some), which
-- means a range was not created ahead in time.
CREATE FUNCTION "time_partitions_default_rows"() RETURNS TABLE ("parent" TEXT, "rows" BIGINT)
  LANGUAGE plpgsql STABLE AS $$
DECLARE
  info RECORD;
BEGIN
  FOR info IN SELECT p."parent", p."partition" FROM "time_partitions" p WHERE p."is_default" ORDER BY 1 LOOP
    "parent" := info."parent";
    EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %I LIMIT 1001) x', info."partition") INTO "rows";
    RETURN NEXT;
  END LOOP;
END $$;

-- ---------------------------------------------------------------------------
-- idempotency_records: day partitions on created_at, dropped whole once every record in them has expired.
-- ---------------------------------------------------------------------------

-- The one key per merchant, mode and key kind, enforced across partitions: a unique index on a partitioned
-- table must contain the partition key, so the key's uniqueness lives in this small unpartitioned table (no
-- response, no hash: about 100 bytes a key) and records_claim_key below claims it for every record inserted.
-- record_id is unique too, which makes the record's id unique across partitions.
CREATE TABLE "idempotency_keys" (
  "merchant_id"       TEXT NOT NULL,
  "mode"              "Mode" NOT NULL,
  "key_kind"          "IdempotencyKeyKind" NOT NULL,
  "key"               VARCHAR(255) NOT NULL,
  "record_id"         TEXT NOT NULL,
  "record_created_at" TIMESTAMPTZ(3) NOT NULL,
  "expires_at"        TIMESTAMPTZ(3) NOT NULL,
  CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("merchant_id", "mode", "key_kind", "key")
);
CREATE UNIQUE INDEX "idempotency_keys_record_id_key" ON "idempotency_keys" ("record_id");
CREATE INDEX "idempotency_keys_expires_at_idx" ON "idempotency_keys" ("expires_at");

-- The old table becomes the first partition (below), so its names move out of the way.
ALTER TABLE "idempotency_records" RENAME TO "idempotency_records_legacy";
ALTER TABLE "idempotency_records_legacy" RENAME CONSTRAINT "idempotency_records_pkey" TO "idempotency_records_legacy_pkey";
ALTER INDEX "idempotency_records_expires_at_idx" RENAME TO "idempotency_records_legacy_expires_at_idx";
ALTER INDEX "idempotency_records_resource_id_idx" RENAME TO "idempotency_records_legacy_resource_id_idx";
-- Its key index would keep enforcing uniqueness inside the old partition only; idempotency_keys does it now.
DROP INDEX "idempotency_records_merchant_id_mode_key_kind_key_key";

CREATE TABLE "idempotency_records" (
  "id"           TEXT NOT NULL,
  "merchant_id"  TEXT NOT NULL,
  "mode"         "Mode" NOT NULL,
  "key"          VARCHAR(255) NOT NULL,
  "operation"    TEXT NOT NULL,
  "request_hash" CHAR(64) NOT NULL,
  "status"       "IdempotencyStatus" NOT NULL,
  "resource_id"  TEXT,
  "response"     JSONB,
  "locked_until" TIMESTAMPTZ(3) NOT NULL,
  "created_at"   TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "expires_at"   TIMESTAMPTZ(3) NOT NULL,
  "key_kind"     "IdempotencyKeyKind" NOT NULL,
  CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("id", "created_at"),
  CONSTRAINT "idempotency_records_key_not_empty" CHECK (length("key") > 0)
) PARTITION BY RANGE ("created_at");
CREATE INDEX "idempotency_records_expires_at_idx" ON "idempotency_records" ("expires_at");
CREATE INDEX "idempotency_records_resource_id_idx" ON "idempotency_records" ("resource_id")
  WHERE "resource_id" IS NOT NULL;
CREATE TABLE "idempotency_records_default" PARTITION OF "idempotency_records" DEFAULT;

-- An existing database: the old rows stay where they are. A CHECK on the old table proves its rows lie before
-- the cut-over (validated without blocking writes: on a large table run the ADD and VALIDATE before the
-- upgrade), so ATTACH PARTITION skips its own scan. The old partition is dropped like any other once its last
-- record has expired (24 hours by default). A fresh database (no rows) drops it and starts with day partitions.
DO $$
DECLARE
  cut_over TIMESTAMPTZ := (date_trunc('day', now() AT TIME ZONE 'UTC') + INTERVAL '1 day') AT TIME ZONE 'UTC';
BEGIN
  IF EXISTS (SELECT 1 FROM "idempotency_records_legacy") THEN
    INSERT INTO "idempotency_keys" ("merchant_id", "mode", "key_kind", "key", "record_id", "record_created_at", "expires_at")
    SELECT "merchant_id", "mode", "key_kind", "key", "id", "created_at", "expires_at" FROM "idempotency_records_legacy";
    EXECUTE format('ALTER TABLE "idempotency_records_legacy" ADD CONSTRAINT "idempotency_records_legacy_range"'
      ' CHECK ("created_at" IS NOT NULL AND "created_at" < %L) NOT VALID', cut_over);
    ALTER TABLE "idempotency_records_legacy" VALIDATE CONSTRAINT "idempotency_records_legacy_range";
    -- The partitioned table's key holds the partition key; the old index on id alone goes.
    ALTER TABLE "idempotency_records_legacy" DROP CONSTRAINT "idempotency_records_legacy_pkey",
      ADD CONSTRAINT "idempotency_records_legacy_pkey" PRIMARY KEY ("id", "created_at");
    EXECUTE format('ALTER TABLE "idempotency_records" ATTACH PARTITION "idempotency_records_legacy"'
      ' FOR VALUES FROM (MINVALUE) TO (%L)', cut_over);
    PERFORM "time_partitions_ensure"('idempotency_records', 'day', cut_over, cut_over + INTERVAL '7 days');
  ELSE
    DROP TABLE "idempotency_records_legacy";
    PERFORM "time_partitions_ensure"('idempotency_records', 'day', now() - INTERVAL '1 day', now() + INTERVAL '7 days');
  END IF;
END $$;

-- Claims the record's key in idempotency_keys. A key already taken (or being taken by a transaction that then
-- commits: the insert waits for it, as a unique index does) skips the record, exactly as the former
-- `ON CONFLICT (merchant_id, mode, key_kind, key) DO NOTHING` did, so a claim's RETURNING is empty.
CREATE FUNCTION "idempotency_records_claim_key"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "idempotency_keys" ("merchant_id", "mode", "key_kind", "key", "record_id", "record_created_at", "expires_at")
  VALUES (NEW."merchant_id", NEW."mode", NEW."key_kind", NEW."key", NEW."id", NEW."created_at", NEW."expires_at")
  ON CONFLICT ("merchant_id", "mode", "key_kind", "key") DO NOTHING;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "idempotency_records_claim_key" BEFORE INSERT ON "idempotency_records"
  FOR EACH ROW EXECUTE FUNCTION "idempotency_records_claim_key"();

-- A released record (a request that failed before writing anything) frees its key.
CREATE FUNCTION "idempotency_records_free_key"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "idempotency_keys" WHERE "record_id" = OLD."id";
  RETURN NULL;
END $$;
CREATE TRIGGER "idempotency_records_free_key" AFTER DELETE ON "idempotency_records"
  FOR EACH ROW EXECUTE FUNCTION "idempotency_records_free_key"();

-- The key, its owner and its record are fixed once written: idempotency_keys mirrors them.
CREATE FUNCTION "idempotency_records_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."id" <> OLD."id" OR NEW."merchant_id" <> OLD."merchant_id" OR NEW."mode" <> OLD."mode"
     OR NEW."key_kind" <> OLD."key_kind" OR NEW."key" <> OLD."key" OR NEW."expires_at" <> OLD."expires_at"
     OR NEW."created_at" <> OLD."created_at" THEN
    RAISE EXCEPTION 'idempotency record % key, owner and expiry are immutable', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "idempotency_records_guard_update" BEFORE UPDATE OF "id", "merchant_id", "mode", "key_kind", "key", "expires_at", "created_at"
  ON "idempotency_records" FOR EACH ROW EXECUTE FUNCTION "idempotency_records_guard_update"();
