-- Reconciliation confirms captures and refunds we show in flight when the PSP's settlement report shows them
-- settled (issue 16): those payment events are recorded with their own source.
ALTER TYPE "EventSource" ADD VALUE IF NOT EXISTS 'RECONCILIATION';

-- The confirmations still to make: open STATUS_MISMATCH items of the rule that confirms (a worker pass or the
-- next import retries them after a crash between the import and the confirmation).
CREATE INDEX "recon_items_to_confirm_idx" ON "recon_items" ("created_at")
  WHERE "status" = 'OPEN' AND "rule" = 'settled.confirms_in_flight';

-- Shadow mode: a notification that contradicts our state opens one item per attempt (or payment) and rule while
-- it stays open; a redelivered or repeated notification finds it there (ON CONFLICT DO NOTHING).
CREATE UNIQUE INDEX "recon_items_shadow_key" ON "recon_items" ("expected_id", "rule")
  WHERE "rule" LIKE 'shadow.%' AND "status" = 'OPEN';
