-- The chain's link check, once per statement instead of once per row (issue 23, the half-load tail).
--
-- It ran BEFORE INSERT for each row and looked up the seal before it in chain_seals. PL/pgSQL caches that
-- query's plan per connection; planned while the table's statistics said it was empty (ANALYZE on a fresh
-- database, no autovacuum since), the plan was a sequential scan, or an index scan on (stream, row_id), and
-- it stayed so however large the table grew: each row of a sealing pass read the whole stream. With 4,000
-- seals a pass of 200 rows read 50,412 buffers and took 140-517 ms of one core in the bench's open loop
-- (a pass runs every second at least, back to back while a backlog waits), and the cost grows with the chain.
--
-- Now an AFTER INSERT statement trigger checks the same rule on the statement's rows (the transition table):
-- links between its own rows by a join of the transition table with itself, and each run of consecutive
-- seals against the genesis hash or the seal written before it: one lookup per run, one run per sealing
-- pass. The statement still fails, and with it the pass, when any seal does not link.
DROP TRIGGER "chain_seals_check_link" ON "chain_seals";
DROP FUNCTION "chain_seals_check_link"();

CREATE FUNCTION "chain_seals_check_links"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  broken RECORD;
  first RECORD;
  previous CHAR(64);
BEGIN
  SELECT n.stream, n.seq INTO broken
    FROM inserted n
    JOIN inserted p ON p.stream = n.stream AND p.seq = n.seq - 1
   WHERE n.prev_hash <> p.hash
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'chain_seals: seal % of % does not link to seal %', broken.seq, broken.stream, broken.seq - 1
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  FOR first IN
    SELECT n.stream, n.seq, n.prev_hash
      FROM inserted n
     WHERE NOT EXISTS (SELECT 1 FROM inserted p WHERE p.stream = n.stream AND p.seq = n.seq - 1)
  LOOP
    previous := NULL;
    IF first.seq = 1 THEN
      previous := repeat('0', 64);
    ELSE
      SELECT s.hash INTO previous FROM chain_seals s WHERE s.stream = first.stream AND s.seq = first.seq - 1;
    END IF;
    IF previous IS NULL OR previous <> first.prev_hash THEN
      RAISE EXCEPTION 'chain_seals: seal % of % does not link to seal %', first.seq, first.stream, first.seq - 1
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
  END LOOP;
  RETURN NULL;
END $$;

CREATE TRIGGER "chain_seals_check_links" AFTER INSERT ON "chain_seals"
  REFERENCING NEW TABLE AS "inserted"
  FOR EACH STATEMENT EXECUTE FUNCTION "chain_seals_check_links"();
