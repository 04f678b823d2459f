-- Tamper evidence: journal entries and the operator audit log are hash-chained
-- by a sealing worker after they commit, never inside the writer's transaction
-- (see README, "Tamper evidence").

-- The id of the transaction that inserted the row (pg_current_xact_id, an xid8
-- that never wraps, stored as bigint). The sealer only seals rows whose
-- transaction is older than every transaction still running, so no row can ever
-- need a place before one already sealed. Rows written before this migration
-- read as 0 (a constant default is stored in the catalog: no table rewrite), and
-- the volatile default then applies to new rows only.
ALTER TABLE "journal_entries" ADD COLUMN "txid" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "journal_entries" ALTER COLUMN "txid" SET DEFAULT (pg_current_xact_id()::text::bigint);
ALTER TABLE "operator_audit_log" ADD COLUMN "txid" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "operator_audit_log" ALTER COLUMN "txid" SET DEFAULT (pg_current_xact_id()::text::bigint);

-- BRIN, not B-tree: txid grows with the physical order of an append-only table,
-- and a BRIN index costs the payment's insert next to nothing (no tree to
-- descend and split). The sealer reads only the unsealed tail.
CREATE INDEX "journal_entries_txid_brin" ON "journal_entries" USING brin ("txid")
  WITH (pages_per_range = 16, autosummarize = on);
CREATE INDEX "operator_audit_log_txid_brin" ON "operator_audit_log" USING brin ("txid")
  WITH (pages_per_range = 16, autosummarize = on);

-- One row per sealed row: its place in its stream, the hash of the previous
-- seal and its own hash, SHA-256 over the previous hash and the row's canonical
-- encoding (packages/core/src/ledger/hash-chain.ts).
CREATE TABLE "chain_seals" (
  "stream" TEXT NOT NULL,
  "seq" BIGINT NOT NULL,
  "row_id" TEXT NOT NULL,
  "row_txid" BIGINT NOT NULL,
  "prev_hash" CHAR(64) NOT NULL,
  "hash" CHAR(64) NOT NULL,
  "sealed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "chain_seals_pkey" PRIMARY KEY ("stream", "seq"),
  CONSTRAINT "chain_seals_stream_known" CHECK ("stream" IN ('journal', 'operator_audit')),
  CONSTRAINT "chain_seals_seq_positive" CHECK ("seq" >= 1),
  CONSTRAINT "chain_seals_hashes_hex" CHECK ("prev_hash" ~ '^[0-9a-f]{64}$' AND "hash" ~ '^[0-9a-f]{64}$')
);
CREATE UNIQUE INDEX "chain_seals_stream_row_id_key" ON "chain_seals" ("stream", "row_id");

-- Each stream's head: the last seal and the (txid, row id) position it reached.
-- The sealer locks it (FOR UPDATE SKIP LOCKED), so one process seals a stream at a time.
CREATE TABLE "chain_heads" (
  "stream" TEXT NOT NULL,
  "seq" BIGINT NOT NULL DEFAULT 0,
  "hash" CHAR(64) NOT NULL,
  "last_txid" BIGINT NOT NULL DEFAULT -1,
  "last_row_id" TEXT NOT NULL DEFAULT '',
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "chain_heads_pkey" PRIMARY KEY ("stream"),
  CONSTRAINT "chain_heads_stream_known" CHECK ("stream" IN ('journal', 'operator_audit')),
  CONSTRAINT "chain_heads_seq_non_negative" CHECK ("seq" >= 0)
);
INSERT INTO "chain_heads" ("stream", "hash") VALUES
  ('journal', repeat('0', 64)),
  ('operator_audit', repeat('0', 64));

-- A seal links to the seal before it (or to the all-zero genesis hash), with no gap.
CREATE FUNCTION "chain_seals_check_link"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  previous CHAR(64);
BEGIN
  IF NEW.seq = 1 THEN
    previous := repeat('0', 64);
  ELSE
    SELECT hash INTO previous FROM chain_seals WHERE stream = NEW.stream AND seq = NEW.seq - 1;
  END IF;
  IF previous IS NULL OR previous <> NEW.prev_hash THEN
    RAISE EXCEPTION 'chain_seals: seal % of % does not link to seal %', NEW.seq, NEW.stream, NEW.seq - 1
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "chain_seals_check_link" BEFORE INSERT ON "chain_seals"
  FOR EACH ROW EXECUTE FUNCTION "chain_seals_check_link"();
CREATE TRIGGER "chain_seals_append_only" BEFORE UPDATE OR DELETE ON "chain_seals"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "chain_seals_no_truncate" BEFORE TRUNCATE ON "chain_seals"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();

-- A head only moves forward, to a seal that exists, and is never deleted.
CREATE FUNCTION "chain_heads_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'chain_heads: % rejected', TG_OP USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.stream <> OLD.stream OR NEW.seq <= OLD.seq OR NOT EXISTS (
    SELECT 1 FROM chain_seals s
     WHERE s.stream = NEW.stream AND s.seq = NEW.seq AND s.hash = NEW.hash
       AND s.row_id = NEW.last_row_id AND s.row_txid = NEW.last_txid
  ) THEN
    RAISE EXCEPTION 'chain_heads: % may only advance to its newest seal', OLD.stream
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "chain_heads_guard" BEFORE UPDATE OR DELETE ON "chain_heads"
  FOR EACH ROW EXECUTE FUNCTION "chain_heads_guard"();
CREATE TRIGGER "chain_heads_no_truncate" BEFORE TRUNCATE ON "chain_heads"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();
