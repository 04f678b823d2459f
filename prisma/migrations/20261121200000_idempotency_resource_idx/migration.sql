-- A request still IN_PROGRESS whose payment or refund was settled by someone
-- else (the resolver after the request's process died, or a PSP notification
-- that outran the PSP's own answer) is completed through the record that
-- names that payment or refund. That lookup by resource_id had no index, so
-- each such completion read all of idempotency_records, the largest table
-- per payment. Ids are ULIDs, so entries land at the right edge of the index.
-- status stays unindexed: completing a record can remain a heap-only update.
CREATE INDEX "idempotency_records_resource_id_idx" ON "idempotency_records" ("resource_id")
  WHERE "resource_id" IS NOT NULL;
