-- Issue 16 (bench:recon): two per-row ledger_lines triggers become per-statement triggers. A settlement import
-- inserts three lines per report line, so the row triggers ran tens of thousands of PL/pgSQL calls per import.
-- The guards they keep are the same.

-- 1. Balance. The deferred per-row check on ledger_lines checked each entry again for each of its lines at COMMIT,
-- although the deferred check on journal_entries already checks every entry made in the transaction (with all its
-- lines, whichever statements inserted them). Lines added to an entry of an earlier transaction are the only case
-- that check does not see: this statement trigger checks those entries at the end of the inserting statement
-- (the same rule, applied at once instead of at COMMIT).
DROP TRIGGER "ledger_lines_balanced" ON "ledger_lines";

CREATE FUNCTION "ledger_lines_check_earlier_entries"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  unbalanced RECORD;
BEGIN
  SELECT l."journal_entry_id" AS id, count(*) AS line_count,
         COALESCE(sum(CASE l."direction" WHEN 'DEBIT' THEN l."amount_minor" ELSE -l."amount_minor" END), 0) AS net
    INTO unbalanced
    FROM "ledger_lines" l
   WHERE l."journal_entry_id" IN (
           SELECT e."id" FROM "journal_entries" e
            WHERE e."id" IN (SELECT DISTINCT n."journal_entry_id" FROM new_lines n)
              AND e."txid" <> pg_current_xact_id()::text::bigint)
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

CREATE TRIGGER "ledger_lines_balanced_earlier_entries" AFTER INSERT ON "ledger_lines"
  REFERENCING NEW TABLE AS new_lines
  FOR EACH STATEMENT EXECUTE FUNCTION "ledger_lines_check_earlier_entries"();

-- 2. Pending releases. The same rows as the per-row version (one per entry with a pending credit; several
-- pending credits of one entry add up while unreleased), made by one statement per inserting statement.
DROP TRIGGER "ledger_lines_track_pending" ON "ledger_lines";
DROP FUNCTION "ledger_lines_track_pending"();

CREATE FUNCTION "ledger_lines_track_pending"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "pending_releases" ("journal_entry_id", "merchant_id", "mode", "currency", "amount_minor", "available_on")
  SELECT n."journal_entry_id", e."merchant_id", e."mode", n."currency", sum(n."amount_minor"),
         now() + make_interval(secs => COALESCE(
           (SELECT d."delay_seconds" FROM "payments" p JOIN "psp_settlement_delays" d ON d."psp_name" = p."psp_name"
             WHERE p."id" = e."payment_id"), 172800))
    FROM new_lines n
    JOIN "ledger_accounts" a ON a."id" = n."account_id" AND a."code" = 'merchant_pending'
    JOIN "journal_entries" e ON e."id" = n."journal_entry_id" AND e."kind" IS DISTINCT FROM 'balance.released'
   WHERE n."direction" = 'CREDIT'
   GROUP BY n."journal_entry_id", e."merchant_id", e."mode", e."payment_id", n."currency"
  -- A second pending credit in one entry adds to its release while unreleased (after that, the check that
  -- pending balances agree with their releases names the entry).
  ON CONFLICT ("journal_entry_id") DO UPDATE
    SET "amount_minor" = "pending_releases"."amount_minor" + EXCLUDED."amount_minor"
    WHERE "pending_releases"."released_entry_id" IS NULL;
  RETURN NULL;
END $$;

CREATE TRIGGER "ledger_lines_track_pending" AFTER INSERT ON "ledger_lines"
  REFERENCING NEW TABLE AS new_lines
  FOR EACH STATEMENT EXECUTE FUNCTION "ledger_lines_track_pending"();
