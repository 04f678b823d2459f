-- Issue 16 (bench:recon): two per-row ledger_lines triggers become per-statement triggers. A settlement import
-- inserts three lines per report line, so the row triggers ran tens of thousands of PL/pgSQL calls per import.
-- The guards they keep are the same.

-- 1. Balance. The deferred per-row check on ledger_lines checked each entry again for each of its lines at COMMIT,
-- although the deferred check on journal_entries already checks every entry made in the transaction (with all its
-- lines, whichever statements inserted them). Lines added to an entry of an earlier transaction are the only case
-- that check does not see: this statement trigger checks those entries at the end of the inserting statement
-- (the same rule, applied at once instead of at COMMIT).
DROP TRIGGER "ledger_lines_balanced" ON "ledger_lines";

-- Written so that its cost follows the statement's lines, whatever the tables' sizes and statistics: one primary
-- key lookup per entry of the statement (a correlated subquery, never turned into a join over journal_entries),
-- then the balance of the earlier entries alone (usually none).
CREATE FUNCTION "ledger_lines_check_earlier_entries"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  earlier text[];
  unbalanced RECORD;
BEGIN
  SELECT array_agg(n."id") INTO earlier
    FROM (SELECT DISTINCT "journal_entry_id" AS "id" FROM new_lines) n
   WHERE (SELECT e."txid" FROM "journal_entries" e WHERE e."id" = n."id") <> pg_current_xact_id()::text::bigint;
  IF earlier IS NULL THEN
    RETURN NULL;
  END IF;
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

CREATE TRIGGER "ledger_lines_balanced_earlier_entries" AFTER INSERT ON "ledger_lines"
  REFERENCING NEW TABLE AS new_lines
  FOR EACH STATEMENT EXECUTE FUNCTION "ledger_lines_check_earlier_entries"();

-- 2. Pending releases. The same rows as the per-row version (one per entry with a pending credit; several
-- pending credits of one entry add up while unreleased), made by one statement per inserting statement.
DROP TRIGGER "ledger_lines_track_pending" ON "ledger_lines";
DROP FUNCTION "ledger_lines_track_pending"();

-- Like the balance check, its cost follows the statement's lines: a primary key lookup per credit line's account
-- and per pending entry (correlated subqueries and an OFFSET 0 lateral, never joins over the whole tables).
CREATE FUNCTION "ledger_lines_track_pending"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "pending_releases" ("journal_entry_id", "merchant_id", "mode", "currency", "amount_minor", "available_on")
  SELECT p."journal_entry_id", e."merchant_id", e."mode", p."currency", p."amount_minor",
         now() + make_interval(secs => COALESCE(
           (SELECT d."delay_seconds" FROM "payments" pay JOIN "psp_settlement_delays" d ON d."psp_name" = pay."psp_name"
             WHERE pay."id" = e."payment_id"), 172800))
    FROM (SELECT n."journal_entry_id", n."currency", sum(n."amount_minor") AS "amount_minor"
            FROM new_lines n
           WHERE n."direction" = 'CREDIT'
             AND (SELECT a."code" FROM "ledger_accounts" a WHERE a."id" = n."account_id") = 'merchant_pending'
           GROUP BY n."journal_entry_id", n."currency") p
   CROSS JOIN LATERAL (SELECT j."merchant_id", j."mode", j."payment_id", j."kind" FROM "journal_entries" j
                        WHERE j."id" = p."journal_entry_id" OFFSET 0) e
   WHERE e."kind" IS DISTINCT FROM 'balance.released'
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
