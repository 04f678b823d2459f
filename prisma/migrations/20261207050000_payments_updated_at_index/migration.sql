-- The merchant API's payments(filter: { updatedAfter }) asks for a merchant's payments changed since a time: a
-- client syncing its copy polls it, so it must not scan every payment of the merchant.
CREATE INDEX "payments_merchant_id_mode_updated_at_idx" ON "payments"("merchant_id", "mode", "updated_at");
