-- A manual ledger adjustment carries the key its console form made when it rendered: a form submitted twice (a
-- double click, a retrying proxy) posts one adjustment, and the second submit is answered with the first one's
-- entry. Unique per requester; older rows have none. An approval request keeps the key in its payload and the
-- approval writes it with the adjustment, so two requests of one form cannot both be posted.
ALTER TABLE "ledger_adjustments" ADD COLUMN "request_key" TEXT;
ALTER TABLE "ledger_adjustments"
  ADD CONSTRAINT "ledger_adjustments_request_key_length" CHECK ("request_key" IS NULL OR length("request_key") BETWEEN 8 AND 200);
CREATE UNIQUE INDEX "ledger_adjustments_request_key" ON "ledger_adjustments" ("requested_by", "request_key")
  WHERE "request_key" IS NOT NULL;
