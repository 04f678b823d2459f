-- The console's payment search: a substring (or prefix) of the customer's email, the description or the
-- metadata, answered through trigram indexes instead of a scan. pg_trgm ships with PostgreSQL (contrib) and
-- is a trusted extension, so the migrating role needs no superuser.
-- Hand-written like the partial indexes: Prisma's schema cannot express an expression index with an operator
-- class, so these live here only (see docs/operations.md, "The console").
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- ILIKE '%text%' on each column uses its index once the text has three characters or more (the console
-- refuses shorter substring searches). Emails are stored lowercased, descriptions and metadata are not:
-- trigram matching with ILIKE is case-insensitive either way.
CREATE INDEX "payments_customer_email_trgm_idx" ON "payments" USING gin ("customer_email" gin_trgm_ops);
CREATE INDEX "payments_description_trgm_idx" ON "payments" USING gin ("description" gin_trgm_ops);
-- The metadata as its JSON text (keys and values): a search for "order-17" finds {"order": "order-17"}.
CREATE INDEX "payments_metadata_trgm_idx" ON "payments" USING gin (("metadata"::text) gin_trgm_ops);
