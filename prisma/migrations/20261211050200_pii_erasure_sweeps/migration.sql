-- Customers' personal data (issue 22): `customer erase` also rewrites the stored copies that hold the customer's
-- e-mail (and the IP beside it): the webhook events' snapshots, then the idempotency records' stored responses.
-- That walk is long for a busy merchant, so it runs after the erasure's transaction in bounded batches: the
-- erasure opens a sweep here in its own transaction, and the CLI and the pii-erasure-sweep worker move it forward,
-- one batch and its cursor per transaction, table by table (stage). A finished sweep forgets the e-mail's blind
-- index; the row stays as the record that the copies were swept.
CREATE TABLE "pii_erasure_sweeps" (
  "id"               BIGSERIAL PRIMARY KEY,
  "merchant_id"      TEXT NOT NULL REFERENCES "merchants"("id"),
  "email_index"      CHAR(64),
  "stage"            TEXT NOT NULL DEFAULT 'webhook_events'
                     CHECK ("stage" IN ('webhook_events', 'idempotency_records')),
  "after_created_at" TIMESTAMPTZ(3),
  "after_id"         TEXT,
  "copies_erased"    INTEGER NOT NULL DEFAULT 0 CHECK ("copies_erased" >= 0),
  "created_at"       TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "finished_at"      TIMESTAMPTZ(3),
  CONSTRAINT "pii_erasure_sweeps_index_while_open" CHECK (("finished_at" IS NULL) = ("email_index" IS NOT NULL))
);
CREATE INDEX "pii_erasure_sweeps_open_idx" ON "pii_erasure_sweeps"("id") WHERE "finished_at" IS NULL;
