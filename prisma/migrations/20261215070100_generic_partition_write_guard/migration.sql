-- One direct-write guard for every partitioned table instead of one per table. A write to a partition named
-- directly skips the parent's statement triggers (ledger_lines' balance checks, recon_items' claims), so such a
-- write is refused by a statement trigger on each partition: ledger_lines had "reject_partition_insert" and
-- recon_items "reject_partition_write", alike but for the message, and time_partitions_ensure named both tables.
-- Now one function serves both (its message names the operation: "insert into ledger_lines, not its partition
-- ledger_lines_p202612", "update on recon_items, not its partition recon_items_legacy"), and a new partition gets
-- the guard its parent's default partition has, with the same writes refused, whatever the table.

CREATE OR REPLACE FUNCTION "reject_partition_write"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% %, not its partition %',
    CASE TG_OP WHEN 'INSERT' THEN 'insert into' ELSE lower(TG_OP) || ' on' END, pg_partition_root(TG_RELID),
    TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;

-- ledger_lines' guards (its default, legacy and dated partitions) keep their names and now call the one function.
DO $$
DECLARE
  guard RECORD;
BEGIN
  FOR guard IN
    SELECT t.tgname, c.relname
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE t.tgfoid = '"reject_partition_insert"'::regproc
  LOOP
    EXECUTE format('DROP TRIGGER %I ON %I', guard.tgname, guard.relname);
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT ON %I FOR EACH STATEMENT EXECUTE FUNCTION "reject_partition_write"()',
      guard.tgname, guard.relname);
  END LOOP;
END $$;
DROP FUNCTION "reject_partition_insert"();

-- As in 20261214020100, with the guard copied from the default partition instead of chosen by the table's name.
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
  guard_name TEXT;
  guard_events TEXT;
BEGIN
  IF unit NOT IN ('day', 'month') THEN
    RAISE EXCEPTION 'partition unit must be day or month, got %', unit USING ERRCODE = 'invalid_parameter_value';
  END IF;
  step := CASE unit WHEN 'day' THEN INTERVAL '1 day' ELSE INTERVAL '1 month' END;
  append_only := EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = parent::regclass AND tgname = parent || '_no_truncate');
  -- The default partition's direct-write guard, copied to each new partition: its name and the writes it refuses.
  SELECT t.tgname, concat_ws(' OR ', CASE WHEN t.tgtype & 4 <> 0 THEN 'INSERT' END,
           CASE WHEN t.tgtype & 16 <> 0 THEN 'UPDATE' END, CASE WHEN t.tgtype & 8 <> 0 THEN 'DELETE' END)
    INTO guard_name, guard_events
    FROM pg_trigger t
   WHERE t.tgrelid = to_regclass(quote_ident(parent || '_default')) AND t.tgfoid = '"reject_partition_write"'::regproc;
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
        IF guard_name IS NOT NULL THEN
          EXECUTE format('CREATE TRIGGER %I BEFORE %s ON %I FOR EACH STATEMENT EXECUTE FUNCTION "reject_partition_write"()',
            replace(guard_name, parent || '_default', partition_name), guard_events, partition_name);
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
