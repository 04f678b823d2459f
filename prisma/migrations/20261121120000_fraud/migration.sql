-- CreateEnum
CREATE TYPE "RiskDecision" AS ENUM ('APPROVE', 'REVIEW', 'DECLINE');

-- CreateEnum
CREATE TYPE "RiskListType" AS ENUM ('DENY', 'ALLOW');

-- CreateEnum
CREATE TYPE "RiskListKind" AS ENUM ('FINGERPRINT', 'EMAIL', 'IP', 'BIN');

-- AlterEnum
ALTER TYPE "EventSource" ADD VALUE 'OPERATOR';

-- AlterTable
ALTER TABLE "merchants" ADD COLUMN     "risk_decline_threshold" SMALLINT NOT NULL DEFAULT 75,
ADD COLUMN     "risk_review_threshold" SMALLINT NOT NULL DEFAULT 40;

-- AlterTable
ALTER TABLE "payment_methods" ADD COLUMN     "bin" VARCHAR(8),
ADD COLUMN     "card_country" CHAR(2);

-- AlterTable
ALTER TABLE "payments" ADD COLUMN     "billing_country" CHAR(2),
ADD COLUMN     "card_fingerprint" CHAR(64),
ADD COLUMN     "customer_email" TEXT,
ADD COLUMN     "device_id" TEXT,
ADD COLUMN     "geo_latitude" DOUBLE PRECISION,
ADD COLUMN     "geo_longitude" DOUBLE PRECISION,
ADD COLUMN     "ip_address" TEXT,
ADD COLUMN     "review_expires_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "risk_assessments" (
    "id" TEXT NOT NULL,
    "payment_id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "score" SMALLINT NOT NULL,
    "decision" "RiskDecision" NOT NULL,
    "signals" JSONB NOT NULL,
    "degraded" BOOLEAN NOT NULL DEFAULT false,
    "velocity_source" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "risk_assessments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "risk_list_entries" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT,
    "list" "RiskListType" NOT NULL,
    "kind" "RiskListKind" NOT NULL,
    "value" TEXT NOT NULL,
    "note" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "risk_list_entries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "risk_assessments_payment_id_key" ON "risk_assessments"("payment_id");

-- CreateIndex
CREATE INDEX "risk_list_entries_kind_value_idx" ON "risk_list_entries"("kind", "value");

-- CreateIndex
CREATE INDEX "payments_card_fingerprint_created_at_idx" ON "payments"("card_fingerprint", "created_at" DESC);

-- CreateIndex
CREATE INDEX "payments_merchant_id_card_fingerprint_idx" ON "payments"("merchant_id", "card_fingerprint");

-- CreateIndex
CREATE INDEX "payments_merchant_id_ip_address_created_at_idx" ON "payments"("merchant_id", "ip_address", "created_at" DESC);

-- CreateIndex
CREATE INDEX "payments_merchant_id_customer_email_created_at_idx" ON "payments"("merchant_id", "customer_email", "created_at" DESC);

-- AddForeignKey
ALTER TABLE "risk_assessments" ADD CONSTRAINT "risk_assessments_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- CreateTable
CREATE TABLE "operator_api_keys" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "secret_hash" CHAR(64) NOT NULL,
    "display_hint" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "operator_api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "operator_api_keys_secret_hash_key" ON "operator_api_keys"("secret_hash");

-- ---------------------------------------------------------------------------
-- Hand-written: what the Prisma schema language cannot say.
-- ---------------------------------------------------------------------------

ALTER TABLE "merchants"
  ADD CONSTRAINT "merchants_risk_thresholds" CHECK (
    "risk_review_threshold" BETWEEN 0 AND 100 AND "risk_decline_threshold" BETWEEN 1 AND 100
    AND "risk_decline_threshold" > "risk_review_threshold");

ALTER TABLE "risk_assessments"
  ADD CONSTRAINT "risk_assessments_score_range" CHECK ("score" BETWEEN 0 AND 100);

-- A decision is evidence: it is never rewritten.
CREATE TRIGGER "risk_assessments_append_only" BEFORE UPDATE OR DELETE ON "risk_assessments"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

-- One entry per list, kind and value per merchant, and once globally (a NULL merchant is one scope).
CREATE UNIQUE INDEX "risk_list_entries_scope_key" ON "risk_list_entries" ("merchant_id", "list", "kind", "value") NULLS NOT DISTINCT;

-- The hold-expiry sweep reads only open holds.
CREATE INDEX "payments_review_expiry_idx" ON "payments" ("review_expires_at") WHERE "status" = 'REQUIRES_REVIEW';
