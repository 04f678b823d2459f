-- Time partitions (issue 21, point 3), part 4: the ledger. journal_entries and ledger_lines by month on
-- created_at, kept for ever (never dropped: time_partition_drop_if_expired refuses them). docs/scaling.md
-- ("Step 3: Postgres, partitioned by time") has the design and the measured cost.
--
-- A line carries its entry's created_at (both default to the transaction's start; a writer that sets one sets
-- the other), so an entry and its lines share a month partition and the per-entry checks on the write path (the
-- deferred balance check, the pending release) name (journal_entry_id, created_at), which prunes to one
-- partition. The statement trigger on ledger_lines refuses a line whose time is not its entry's.
--
-- Six foreign keys point at an entry: ledger_lines (journal_entry_id, currency), fx_conversions (source and
-- settlement legs, with their currencies), ledger_adjustments, reserve_holds (the hold and its release). A
-- partitioned table's unique keys must hold the partition key, so they now point at journal_entry_ids, a small
-- unpartitioned claim table written by the entries' insert trigger (like webhook_event_ids): id (unique as
-- before), (id, currency) (the composite keys' target), the entry's time and txid (for the lines' checks), and
-- source_event_key (unique as before: a repeat of the same event raises unique_violation). No writer of those six
-- tables changes, and their checks stay primary-key probes of a plain table (a foreign key to a partitioned
-- parent is a query per row, the cost the 21 November experiment measured).

-- ---------------------------------------------------------------------------
-- Creating ahead: as in 20261209160100, but a range already covered by another partition is skipped. An adopted
-- old table covers everything up to the end of its migration's month, and the worker's window starts a unit
-- back: on an upgraded database its first passes tried to create that month again and failed on the overlap.
-- ---------------------------------------------------------------------------
-- The lines' statement triggers (the balance of earlier entries, the lines' time, pending releases) fire for
-- inserts into ledger_lines itself, not into one of its partitions named directly: such an insert is refused by
-- a statement trigger on each partition (which, being a statement trigger, does not fire for inserts through the
-- parent). Every writer names the parent.
CREATE FUNCTION "reject_partition_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'insert into %, not its partition %', pg_partition_root(TG_RELID), TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;

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
-- The claim table, filled from the entries an existing database already has. Append-only like the ledger.
-- ---------------------------------------------------------------------------
CREATE TABLE "journal_entry_ids" (
  "id"               TEXT NOT NULL,
  "merchant_id"      TEXT NOT NULL,
  "currency"         CHAR(3) NOT NULL,
  "created_at"       TIMESTAMPTZ(3) NOT NULL,
  "txid"             BIGINT NOT NULL,
  "source_event_key" TEXT,
  CONSTRAINT "journal_entry_ids_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "journal_entry_ids_id_currency_key" ON "journal_entry_ids" ("id", "currency");
CREATE UNIQUE INDEX "journal_entry_ids_source_event_key_key" ON "journal_entry_ids" ("source_event_key")
  WHERE "source_event_key" IS NOT NULL;
INSERT INTO "journal_entry_ids" ("id", "merchant_id", "currency", "created_at", "txid", "source_event_key")
SELECT "id", "merchant_id", "currency", "created_at", "txid", "source_event_key" FROM "journal_entries";

CREATE TRIGGER "journal_entry_ids_append_only" BEFORE UPDATE OR DELETE ON "journal_entry_ids"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "journal_entry_ids_no_truncate" BEFORE TRUNCATE ON "journal_entry_ids"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();

-- The six foreign keys move from the table about to be partitioned to the claims (recreated at the end).
ALTER TABLE "ledger_lines" DROP CONSTRAINT "ledger_lines_journal_entry_id_currency_fkey";
ALTER TABLE "fx_conversions" DROP CONSTRAINT "fx_conversions_source_entry_fkey";
ALTER TABLE "fx_conversions" DROP CONSTRAINT "fx_conversions_settlement_entry_fkey";
ALTER TABLE "ledger_adjustments" DROP CONSTRAINT "ledger_adjustments_entry_fkey";
ALTER TABLE "reserve_holds" DROP CONSTRAINT "reserve_holds_journal_entry_id_fkey";
ALTER TABLE "reserve_holds" DROP CONSTRAINT "reserve_holds_released_entry_id_fkey";

-- ---------------------------------------------------------------------------
-- journal_entries: month partitions on created_at, kept.
-- ---------------------------------------------------------------------------
ALTER TABLE "journal_entries" RENAME TO "journal_entries_legacy";
ALTER TABLE "journal_entries_legacy" RENAME CONSTRAINT "journal_entries_pkey" TO "journal_entries_legacy_pkey";
ALTER TABLE "journal_entries_legacy" DROP CONSTRAINT "journal_entries_dispute_id_fkey";
-- Their rules live in journal_entry_ids now.
DROP INDEX "journal_entries_id_currency_key";
DROP INDEX "journal_entries_source_event_key_key";
ALTER INDEX "journal_entries_dispute_id_idx" RENAME TO "journal_entries_legacy_dispute_id_idx";
ALTER INDEX "journal_entries_merchant_mode_created_idx" RENAME TO "journal_entries_legacy_merchant_mode_created_idx";
ALTER INDEX "journal_entries_payment_id_idx" RENAME TO "journal_entries_legacy_payment_id_idx";
ALTER INDEX "journal_entries_payout_id_idx" RENAME TO "journal_entries_legacy_payout_id_idx";
ALTER INDEX "journal_entries_txid_brin" RENAME TO "journal_entries_legacy_txid_brin";
DROP TRIGGER "journal_entries_append_only" ON "journal_entries_legacy";
DROP TRIGGER "journal_entries_balanced" ON "journal_entries_legacy";
DROP TRIGGER "journal_entries_no_truncate" ON "journal_entries_legacy";

CREATE TABLE "journal_entries" (LIKE "journal_entries_legacy" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY RANGE ("created_at");
ALTER TABLE "journal_entries" ADD CONSTRAINT "journal_entries_pkey" PRIMARY KEY ("id", "created_at"),
  ADD CONSTRAINT "journal_entries_dispute_id_fkey" FOREIGN KEY ("dispute_id")
    REFERENCES "disputes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE INDEX "journal_entries_dispute_id_idx" ON "journal_entries" ("dispute_id");
CREATE INDEX "journal_entries_merchant_mode_created_idx" ON "journal_entries"
  ("merchant_id", "mode", "created_at" DESC, "id" DESC);
CREATE INDEX "journal_entries_payment_id_idx" ON "journal_entries" ("payment_id");
CREATE INDEX "journal_entries_payout_id_idx" ON "journal_entries" ("payout_id") WHERE "payout_id" IS NOT NULL;
-- The sealer reads entries in txid order: each partition has its BRIN (a month's txids are a narrow range, so
-- the other months' summaries exclude them).
CREATE INDEX "journal_entries_txid_brin" ON "journal_entries" USING brin ("txid")
  WITH (pages_per_range = 16, autosummarize = on);
CREATE TABLE "journal_entries_default" PARTITION OF "journal_entries" DEFAULT;

-- Claims the entry's id (and its source event key) across partitions. A taken id or key raises
-- unique_violation, as the unique indexes did: the payout writers rely on it.
CREATE FUNCTION "journal_entries_claim_id"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "journal_entry_ids" ("id", "merchant_id", "currency", "created_at", "txid", "source_event_key")
  VALUES (NEW."id", NEW."merchant_id", NEW."currency", NEW."created_at", NEW."txid", NEW."source_event_key");
  RETURN NEW;
END $$;
CREATE TRIGGER "journal_entries_claim_id" BEFORE INSERT ON "journal_entries"
  FOR EACH ROW EXECUTE FUNCTION "journal_entries_claim_id"();

-- The deferred balance check, now only on journal_entries (the per-line one went in 20261212020100). On a
-- partition TG_TABLE_NAME names the partition, so the function no longer looks at it. The lines are read in the
-- entry's partition only: they carry its created_at.
CREATE OR REPLACE FUNCTION "journal_entry_check_balanced"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  line_count integer;
  net numeric;
BEGIN
  SELECT count(*), COALESCE(sum(CASE "direction" WHEN 'DEBIT' THEN "amount_minor" ELSE -"amount_minor" END), 0)
    INTO line_count, net
    FROM "ledger_lines" WHERE "journal_entry_id" = NEW."id" AND "created_at" = NEW."created_at";
  IF line_count < 2 OR net <> 0 THEN
    RAISE EXCEPTION 'journal entry % does not balance (% lines, debits - credits = %)', NEW."id", line_count, net
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "journal_entries_append_only" BEFORE UPDATE OR DELETE ON "journal_entries"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "journal_entries_no_truncate" BEFORE TRUNCATE ON "journal_entries"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "journal_entries_default_no_truncate" BEFORE TRUNCATE ON "journal_entries_default"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();
CREATE CONSTRAINT TRIGGER "journal_entries_balanced" AFTER INSERT ON "journal_entries"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "journal_entry_check_balanced"();
SELECT "time_partitions_adopt"('journal_entries', 'month', 'created_at', '"id", "created_at"');

-- ---------------------------------------------------------------------------
-- ledger_lines: month partitions on created_at (its entry's), kept.
-- ---------------------------------------------------------------------------
ALTER TABLE "ledger_lines" RENAME TO "ledger_lines_legacy";
ALTER TABLE "ledger_lines_legacy" RENAME CONSTRAINT "ledger_lines_pkey" TO "ledger_lines_legacy_pkey";
ALTER TABLE "ledger_lines_legacy" DROP CONSTRAINT "ledger_lines_account_id_currency_fkey";
ALTER INDEX "ledger_lines_account_currency_idx" RENAME TO "ledger_lines_legacy_account_currency_idx";
ALTER INDEX "ledger_lines_account_id_idx" RENAME TO "ledger_lines_legacy_account_id_idx";
ALTER INDEX "ledger_lines_journal_entry_id_idx" RENAME TO "ledger_lines_legacy_journal_entry_id_idx";
DROP TRIGGER "ledger_lines_append_only" ON "ledger_lines_legacy";
DROP TRIGGER "ledger_lines_no_truncate" ON "ledger_lines_legacy";
DROP TRIGGER "ledger_lines_balanced_earlier_entries" ON "ledger_lines_legacy";
DROP TRIGGER "ledger_lines_track_pending" ON "ledger_lines_legacy";

CREATE TABLE "ledger_lines" (LIKE "ledger_lines_legacy" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY RANGE ("created_at");
ALTER SEQUENCE "ledger_lines_id_seq" OWNED BY "ledger_lines"."id";
ALTER TABLE "ledger_lines" ADD CONSTRAINT "ledger_lines_pkey" PRIMARY KEY ("id", "created_at"),
  ADD CONSTRAINT "ledger_lines_account_id_currency_fkey" FOREIGN KEY ("account_id", "currency")
    REFERENCES "ledger_accounts"("id", "currency") ON DELETE RESTRICT ON UPDATE CASCADE,
  ADD CONSTRAINT "ledger_lines_journal_entry_id_currency_fkey" FOREIGN KEY ("journal_entry_id", "currency")
    REFERENCES "journal_entry_ids"("id", "currency") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE INDEX "ledger_lines_account_currency_idx" ON "ledger_lines" ("account_id", "direction") INCLUDE ("amount_minor");
CREATE INDEX "ledger_lines_account_id_idx" ON "ledger_lines" ("account_id");
CREATE INDEX "ledger_lines_journal_entry_id_idx" ON "ledger_lines" ("journal_entry_id");
CREATE TABLE "ledger_lines_default" PARTITION OF "ledger_lines" DEFAULT;

-- The balance of entries of earlier transactions (20261212020100), and now also the lines' time: a line must
-- carry its entry's created_at, or it would sit in another month than its entry and escape the entry's deferred
-- check. One primary-key probe of journal_entry_ids per entry of the statement gives both.
CREATE OR REPLACE FUNCTION "ledger_lines_check_earlier_entries"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  earlier text[];
  misplaced RECORD;
  unbalanced RECORD;
BEGIN
  SELECT n."id", n."created_at", c."created_at" AS "entry_created_at" INTO misplaced
    FROM (SELECT DISTINCT "journal_entry_id" AS "id", "created_at" FROM new_lines) n
    CROSS JOIN LATERAL (SELECT e."created_at" FROM "journal_entry_ids" e WHERE e."id" = n."id" OFFSET 0) c
   WHERE c."created_at" <> n."created_at"
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger line of journal entry % is dated %, its entry %: a line carries its entry''s created_at',
      misplaced."id", misplaced."created_at", misplaced."entry_created_at"
      USING ERRCODE = 'check_violation';
  END IF;
  SELECT array_agg(n."id") INTO earlier
    FROM (SELECT DISTINCT "journal_entry_id" AS "id" FROM new_lines) n
   WHERE (SELECT e."txid" FROM "journal_entry_ids" e WHERE e."id" = n."id") <> pg_current_xact_id()::text::bigint;
  IF earlier IS NULL THEN
    RETURN NULL;
  END IF;
  -- Rare (lines added to an entry of an earlier transaction): every partition's entry index is probed, so that
  -- lines of entries made before this migration (whose times may differ by a few milliseconds) still count.
  SELECT l."journal_entry_id" AS id, count(*) AS line_count,
         COALESCE(sum(CASE l."direction" WHEN 'DEBIT' THEN l."amount_minor" ELSE -l."amount_minor" END), 0) AS net
    INTO unbalanced
    FROM "ledger_lines" l
   WHERE l."journal_entry_id" = ANY (earlier)
   GROUP BY l."journal_entry_id"
  HAVING count(*) < 2
      OR COALESCE(sum(CASE l."direction" WHEN 'DEBIT' THEN l."amount_minor" ELSE -l."amount_minor" END), 0) <> 0
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'journal entry % does not balance (% lines, debits - credits = %)',
      unbalanced.id, unbalanced.line_count, unbalanced.net
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

-- As in 20261212020100, with the entry read in its own partition (the lines carry its created_at).
CREATE OR REPLACE FUNCTION "ledger_lines_track_pending"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "pending_releases" ("journal_entry_id", "merchant_id", "mode", "currency", "amount_minor", "available_on")
  SELECT p."journal_entry_id", e."merchant_id", e."mode", p."currency", p."amount_minor",
         now() + make_interval(secs => COALESCE(
           (SELECT d."delay_seconds" FROM "payments" pay JOIN "psp_settlement_delays" d ON d."psp_name" = pay."psp_name"
             WHERE pay."id" = e."payment_id"), 172800))
    FROM (SELECT n."journal_entry_id", n."created_at", n."currency", sum(n."amount_minor") AS "amount_minor"
            FROM new_lines n
           WHERE n."direction" = 'CREDIT'
             AND (SELECT a."code" FROM "ledger_accounts" a WHERE a."id" = n."account_id") = 'merchant_pending'
           GROUP BY n."journal_entry_id", n."created_at", n."currency") p
   CROSS JOIN LATERAL (SELECT j."merchant_id", j."mode", j."payment_id", j."kind" FROM "journal_entries" j
                        WHERE j."id" = p."journal_entry_id" AND j."created_at" = p."created_at" OFFSET 0) e
   WHERE e."kind" IS DISTINCT FROM 'balance.released'
  ON CONFLICT ("journal_entry_id") DO UPDATE
    SET "amount_minor" = "pending_releases"."amount_minor" + EXCLUDED."amount_minor"
    WHERE "pending_releases"."released_entry_id" IS NULL;
  RETURN NULL;
END $$;

CREATE TRIGGER "ledger_lines_append_only" BEFORE UPDATE OR DELETE ON "ledger_lines"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "ledger_lines_no_truncate" BEFORE TRUNCATE ON "ledger_lines"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "ledger_lines_default_no_truncate" BEFORE TRUNCATE ON "ledger_lines_default"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "ledger_lines_default_no_direct_insert" BEFORE INSERT ON "ledger_lines_default"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_partition_insert"();
-- Statement triggers with transition tables fire for inserts into the parent (every writer inserts there) and
-- see the rows of every partition the statement wrote.
CREATE TRIGGER "ledger_lines_balanced_earlier_entries" AFTER INSERT ON "ledger_lines"
  REFERENCING NEW TABLE AS new_lines
  FOR EACH STATEMENT EXECUTE FUNCTION "ledger_lines_check_earlier_entries"();
CREATE TRIGGER "ledger_lines_track_pending" AFTER INSERT ON "ledger_lines"
  REFERENCING NEW TABLE AS new_lines
  FOR EACH STATEMENT EXECUTE FUNCTION "ledger_lines_track_pending"();
SELECT "time_partitions_adopt"('ledger_lines', 'month', 'created_at', '"id", "created_at"');
DO $$
BEGIN
  IF to_regclass('ledger_lines_legacy') IS NOT NULL THEN
    CREATE TRIGGER "ledger_lines_legacy_no_direct_insert" BEFORE INSERT ON "ledger_lines_legacy"
      FOR EACH STATEMENT EXECUTE FUNCTION "reject_partition_insert"();
  END IF;
END $$;

-- ---------------------------------------------------------------------------
-- The six foreign keys, now to the claims.
-- ---------------------------------------------------------------------------
ALTER TABLE "fx_conversions"
  ADD CONSTRAINT "fx_conversions_source_entry_fkey" FOREIGN KEY ("source_entry_id", "source_currency")
    REFERENCES "journal_entry_ids"("id", "currency"),
  ADD CONSTRAINT "fx_conversions_settlement_entry_fkey" FOREIGN KEY ("settlement_entry_id", "settlement_currency")
    REFERENCES "journal_entry_ids"("id", "currency");
ALTER TABLE "ledger_adjustments" ADD CONSTRAINT "ledger_adjustments_entry_fkey"
  FOREIGN KEY ("journal_entry_id") REFERENCES "journal_entry_ids"("id");
ALTER TABLE "reserve_holds"
  ADD CONSTRAINT "reserve_holds_journal_entry_id_fkey" FOREIGN KEY ("journal_entry_id")
    REFERENCES "journal_entry_ids"("id"),
  ADD CONSTRAINT "reserve_holds_released_entry_id_fkey" FOREIGN KEY ("released_entry_id")
    REFERENCES "journal_entry_ids"("id");

-- ---------------------------------------------------------------------------
-- Dropping: as in 20261210070100, and never a ledger partition (kept for ever; archiving a closed month needs
-- closing balances first, docs/scaling.md).
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
