-- The merchant API's payment page filtered by status reads, for each status asked for, the newest payments of that
-- status in the list's order (created_at DESC, id DESC) and stops at the page (docs/benchmarks.md, "Read path").
-- The status index ended at created_at, so the keyset's tie-break on id and the cursor's (created_at, id) bound
-- could not come from the index: the planner read the merchant's payments newest first and filtered on status,
-- which for a rare status (a hold among 200,000 payments) read the whole history. This index replaces it (same
-- leading columns, so every query the old one served it serves too; still one index entry per payment write).
DROP INDEX "payments_merchant_id_mode_status_created_at_idx";
CREATE INDEX "payments_merchant_id_mode_status_created_at_id_idx" ON "payments" ("merchant_id", "mode", "status", "created_at" DESC, "id" DESC);
