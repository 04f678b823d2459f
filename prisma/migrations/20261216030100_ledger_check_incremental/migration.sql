-- The ledger check becomes incremental (docs/operations.md, "The exception workbench"): each run stores the
-- journal chain position it verified through, and the next run re-hashes only the seals after it (plus a check
-- that the seal it stopped at is unchanged), while a full run re-verifies everything every
-- LEDGER_CHECK_FULL_INTERVAL_HOURS or on demand. Runs stay append-only: the position is the newest run's.
--
-- scope: 'full' (everything re-read) or 'incremental' (only entries after the basis run's position).
-- basis_run_id: the newest run when this run read its position; a run is only resumed from when no run between
--   its basis and itself found anything (a break found by a concurrent run is never skipped over).
-- chain_*: the journal chain's head this run verified through (seq, hash and the (txid, row id) position of its
--   newest seal); null when the chain did not verify. Older runs read as full runs with no position.
-- chain_seals_checked: seals whose rows this run re-read and re-hashed (what the run cost).
ALTER TABLE "ledger_check_runs"
  ADD COLUMN "scope" TEXT NOT NULL DEFAULT 'full',
  ADD COLUMN "basis_run_id" BIGINT,
  ADD COLUMN "chain_seq" BIGINT,
  ADD COLUMN "chain_hash" CHAR(64),
  ADD COLUMN "chain_last_txid" BIGINT,
  ADD COLUMN "chain_last_row_id" TEXT,
  ADD COLUMN "chain_seals_checked" BIGINT NOT NULL DEFAULT 0,
  ADD CONSTRAINT "ledger_check_runs_scope" CHECK ("scope" IN ('full', 'incremental')),
  ADD CONSTRAINT "ledger_check_runs_chain_position" CHECK (
    ("chain_seq" IS NULL) = ("chain_hash" IS NULL)
    AND ("chain_seq" IS NULL) = ("chain_last_txid" IS NULL)
    AND ("chain_seq" IS NULL) = ("chain_last_row_id" IS NULL)
    AND ("chain_seq" IS NULL OR ("chain_seq" >= 0 AND "chain_hash" ~ '^[0-9a-f]{64}$'))
  );

-- When the newest full run finished: the worker's choice between a full and an incremental pass.
CREATE INDEX "ledger_check_runs_full_idx" ON "ledger_check_runs" ("finished_at" DESC) WHERE "scope" = 'full';
