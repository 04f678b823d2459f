-- Customers' personal data encrypted at rest (issue 22).
--
-- The e-mail and IP columns keep their text type and from now on hold the vault's envelope
-- ("pii1:<key version>:<nonce>.<tag>.<ciphertext>", packages/core/src/vault/pii-vault.ts), sealed by the application;
-- rows written before this release hold plaintext until the backfill (`npm run cli -- pii backfill`) seals them, and
-- readers accept both meanwhile. Searching by e-mail or IP goes through the *_bidx columns: HMAC-SHA256 blind
-- indexes under a key derived from the vault's secrets, never through the envelope or plaintext.
--
-- The backfill, the key rotation and `customer erase` rewrite these columns on rows whose other columns are guarded
-- (a payment's version step, a finalised invoice's content, an append-only receipt). They do it in a transaction that
-- sets paycore.pii_maintenance = 'on' (SET LOCAL), and then only an update that changes nothing but these columns
-- skips the guard: every other change is checked as before.

CREATE FUNCTION "pii_maintenance_only"(old_row JSONB, new_row JSONB, pii_columns TEXT[]) RETURNS BOOLEAN
LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('paycore.pii_maintenance', true), '') = 'on'
     AND (old_row - pii_columns) = (new_row - pii_columns)
$$;

ALTER TABLE "payments" ADD COLUMN "customer_email_bidx" CHAR(64), ADD COLUMN "receipt_email_bidx" CHAR(64),
  ADD COLUMN "ip_address_bidx" CHAR(64);
ALTER TABLE "invoices" ADD COLUMN "customer_email_bidx" CHAR(64);
ALTER TABLE "checkout_sessions" ADD COLUMN "customer_email_bidx" CHAR(64);

-- An envelope is longer than the address it seals (base64 and its header): the bounds follow.
ALTER TABLE "payments" DROP CONSTRAINT "payments_receipt_email_length";
ALTER TABLE "payments" ADD CONSTRAINT "payments_receipt_email_length" CHECK (length("receipt_email") <= 1024);
ALTER TABLE "payments" ADD CONSTRAINT "payments_customer_email_length" CHECK (length("customer_email") <= 1024) NOT VALID;
ALTER TABLE "payments" ADD CONSTRAINT "payments_ip_address_length" CHECK (length("ip_address") <= 1024) NOT VALID;
ALTER TABLE "email_outbox" DROP CONSTRAINT "email_outbox_to_address_check";
ALTER TABLE "email_outbox" ADD CONSTRAINT "email_outbox_to_address_check" CHECK (length("to_address") <= 1024);
ALTER TABLE "invoices" DROP CONSTRAINT "invoices_customer_email_check";
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_customer_email_check" CHECK (length("customer_email") <= 1024);
ALTER TABLE "checkout_sessions" DROP CONSTRAINT "checkout_sessions_customer_email_check";
ALTER TABLE "checkout_sessions" ADD CONSTRAINT "checkout_sessions_customer_email_check" CHECK (length("customer_email") <= 1024);

-- Indexes over ciphertext find nothing: the blind indexes replace them.
DROP INDEX IF EXISTS "payments_merchant_id_ip_address_created_at_idx";
DROP INDEX IF EXISTS "payments_merchant_id_customer_email_created_at_idx";
DROP INDEX IF EXISTS "payments_customer_email_idx";
DROP INDEX IF EXISTS "payments_customer_email_trgm_idx";
CREATE INDEX "payments_merchant_id_customer_email_bidx_created_at_idx" ON "payments"("merchant_id", "customer_email_bidx", "created_at" DESC);
CREATE INDEX "payments_merchant_id_ip_address_bidx_created_at_idx" ON "payments"("merchant_id", "ip_address_bidx", "created_at" DESC);
CREATE INDEX "payments_customer_email_bidx_idx" ON "payments"("customer_email_bidx");
CREATE INDEX "payments_merchant_id_receipt_email_bidx_idx" ON "payments"("merchant_id", "receipt_email_bidx");
CREATE INDEX "invoices_merchant_id_customer_email_bidx_idx" ON "invoices"("merchant_id", "customer_email_bidx");
CREATE INDEX "checkout_sessions_merchant_id_customer_email_bidx_idx" ON "checkout_sessions"("merchant_id", "customer_email_bidx");

-- The guards, again, each skipped only for a maintenance rewrite of personal data.
DROP TRIGGER "payments_guard_update" ON "payments";
CREATE TRIGGER "payments_guard_update" BEFORE UPDATE ON "payments"
  FOR EACH ROW WHEN (NOT "pii_maintenance_only"(to_jsonb(OLD), to_jsonb(NEW),
    ARRAY['customer_email', 'customer_email_bidx', 'receipt_email', 'receipt_email_bidx', 'ip_address',
      'ip_address_bidx']))
  EXECUTE FUNCTION "payments_guard_update"();

DROP TRIGGER "receipts_append_only" ON "receipts";
CREATE TRIGGER "receipts_no_delete" BEFORE DELETE ON "receipts"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "receipts_append_only" BEFORE UPDATE ON "receipts"
  FOR EACH ROW WHEN (NOT "pii_maintenance_only"(to_jsonb(OLD), to_jsonb(NEW), ARRAY['email']))
  EXECUTE FUNCTION "reject_mutation"();

DROP TRIGGER "invoices_guard_update" ON "invoices";
CREATE TRIGGER "invoices_guard_update" BEFORE UPDATE ON "invoices"
  FOR EACH ROW WHEN (NOT "pii_maintenance_only"(to_jsonb(OLD), to_jsonb(NEW),
    ARRAY['customer_email', 'customer_email_bidx']))
  EXECUTE FUNCTION "invoices_guard_update"();

DROP TRIGGER "checkout_sessions_guard_update" ON "checkout_sessions";
CREATE TRIGGER "checkout_sessions_guard_update" BEFORE UPDATE ON "checkout_sessions"
  FOR EACH ROW WHEN (NOT "pii_maintenance_only"(to_jsonb(OLD), to_jsonb(NEW),
    ARRAY['customer_email', 'customer_email_bidx']))
  EXECUTE FUNCTION "checkout_sessions_guard_update"();
