-- Disputes of converted payments (issue 18): a dispute's withdrawal and its reinstatement on a won dispute convert
-- like a refund, at the capture's locked rate with the difference to the newest rate as FX gain or loss. Their
-- conversion rows name the dispute; a dispute may move money more than once (withdrawn, won, reopened), so there is
-- no unique key per dispute: each row is tied to its own two journal entries.
ALTER TABLE "fx_conversions" ADD COLUMN "dispute_id" TEXT;
ALTER TABLE "fx_conversions" ADD CONSTRAINT "fx_conversions_dispute_id_fkey"
  FOREIGN KEY ("dispute_id") REFERENCES "disputes"("id") ON DELETE RESTRICT;
ALTER TABLE "fx_conversions" DROP CONSTRAINT "fx_conversions_kind";
ALTER TABLE "fx_conversions" ADD CONSTRAINT "fx_conversions_kind" CHECK (
  ("kind" = 'CAPTURE' AND "refund_id" IS NULL AND "dispute_id" IS NULL AND "original_settlement_minor" IS NULL)
  OR ("kind" = 'REFUND' AND "refund_id" IS NOT NULL AND "dispute_id" IS NULL AND "original_settlement_minor" IS NOT NULL)
  OR ("kind" IN ('DISPUTE', 'DISPUTE_REVERSAL') AND "refund_id" IS NULL AND "dispute_id" IS NOT NULL
      AND "original_settlement_minor" IS NOT NULL AND "fee_minor" = 0 AND "fx_fee_minor" = 0));
CREATE INDEX "fx_conversions_dispute_id_idx" ON "fx_conversions"("dispute_id") WHERE "dispute_id" IS NOT NULL;
