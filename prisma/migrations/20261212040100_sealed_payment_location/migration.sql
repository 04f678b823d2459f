-- A payment's location sealed at rest (issue 22). `geo_latitude` and `geo_longitude` (billing coordinates or the
-- IP's location, for the fraud rules' impossible-travel check) held where the customer was in clear. From this
-- release a payment's location is written to `geo_location` only: the PII vault's envelope of "latitude,longitude"
-- (kind `geo`, the merchant as associated data, packages/core/src/vault/pii-vault.ts), and the two clear columns
-- are left null. Rows written before it keep their clear coordinates until `npm run cli -- pii backfill` seals them
-- into `geo_location` and nulls the clear columns in the same update; readers accept both meanwhile. A later
-- migration drops the clear columns once every installation has run the backfill (step two, as for the e-mails).

ALTER TABLE "payments" ADD COLUMN "geo_location" TEXT;
ALTER TABLE "payments" ADD CONSTRAINT "payments_geo_location_length" CHECK (length("geo_location") <= 1024);

-- The fraud rule reads the card's newest located payment: by card fingerprint, newest first, located rows only.
CREATE INDEX "payments_card_fingerprint_located_idx" ON "payments"("card_fingerprint", "created_at" DESC)
  WHERE "geo_location" IS NOT NULL OR "geo_latitude" IS NOT NULL;

-- The backfill, the rotation and `customer erase` rewrite the location like the other personal-data columns: the
-- guard lets through a maintenance update that changes these columns and nothing else.
DROP TRIGGER "payments_guard_update" ON "payments";
CREATE TRIGGER "payments_guard_update" BEFORE UPDATE ON "payments"
  FOR EACH ROW WHEN (NOT "pii_maintenance_only"(to_jsonb(OLD), to_jsonb(NEW),
    ARRAY['customer_email', 'customer_email_bidx', 'receipt_email', 'receipt_email_bidx', 'ip_address',
      'ip_address_bidx', 'geo_location', 'geo_latitude', 'geo_longitude']))
  EXECUTE FUNCTION "payments_guard_update"();
