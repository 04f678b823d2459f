-- Merchant onboarding and KYC (issue 22): an onboarding status per merchant with its state table, the business
-- details a payment platform asks for, and the onboarding's own append-only event trail.
--
-- The statuses and their edges are packages/core/src/merchants/onboarding-state-machine.ts. The table
-- merchant_onboarding_transitions holds the same edges and a trigger on merchants refuses any other status change,
-- and any status change that does not advance onboarding_version by exactly one. Merchants that exist before this
-- migration were operating already: they start VERIFIED. A merchant created afterwards starts PENDING_VERIFICATION
-- (an insert trigger refuses any other first status).

CREATE TYPE "OnboardingStatus" AS ENUM ('PENDING_VERIFICATION', 'VERIFIED', 'RESTRICTED', 'REJECTED');

ALTER TABLE "merchants"
  ADD COLUMN "onboarding_status" "OnboardingStatus" NOT NULL DEFAULT 'PENDING_VERIFICATION',
  ADD COLUMN "onboarding_version" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "legal_name" VARCHAR(200),
  ADD COLUMN "country" CHAR(2),
  ADD COLUMN "registration_number" VARCHAR(64),
  ADD COLUMN "representative_name" VARCHAR(200),
  ADD COLUMN "representative_birth_date" DATE,
  ADD COLUMN "website" VARCHAR(300),
  ADD COLUMN "expected_monthly_volume_minor" BIGINT CHECK ("expected_monthly_volume_minor" >= 0),
  ADD COLUMN "expected_volume_currency" CHAR(3),
  ADD COLUMN "details_submitted_at" TIMESTAMPTZ(3),
  ADD COLUMN "onboarding_decided_at" TIMESTAMPTZ(3);

ALTER TABLE "merchants" ADD CONSTRAINT "merchants_expected_volume_has_currency"
  CHECK (("expected_monthly_volume_minor" IS NULL) = ("expected_volume_currency" IS NULL));

UPDATE "merchants" SET "onboarding_status" = 'VERIFIED', "onboarding_decided_at" = now();

CREATE INDEX "merchants_onboarding_status_idx" ON "merchants" ("onboarding_status", "created_at");

CREATE TABLE "merchant_onboarding_transitions" (
  "from_status" "OnboardingStatus" NOT NULL,
  "to_status"   "OnboardingStatus" NOT NULL,
  PRIMARY KEY ("from_status", "to_status")
);
INSERT INTO "merchant_onboarding_transitions" ("from_status", "to_status") VALUES
  ('PENDING_VERIFICATION', 'VERIFIED'), ('PENDING_VERIFICATION', 'RESTRICTED'), ('PENDING_VERIFICATION', 'REJECTED'),
  ('VERIFIED', 'RESTRICTED'),
  ('RESTRICTED', 'VERIFIED'), ('RESTRICTED', 'REJECTED');

CREATE FUNCTION "merchants_onboarding_guard_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."onboarding_status" <> 'PENDING_VERIFICATION' OR NEW."onboarding_version" <> 0 THEN
    RAISE EXCEPTION 'merchant % must start PENDING_VERIFICATION at version 0', NEW."id"
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "merchants_onboarding_guard_insert" BEFORE INSERT ON "merchants"
  FOR EACH ROW EXECUTE FUNCTION "merchants_onboarding_guard_insert"();

CREATE FUNCTION "merchants_onboarding_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."onboarding_version" <> OLD."onboarding_version" AND NEW."onboarding_version" <> OLD."onboarding_version" + 1 THEN
    RAISE EXCEPTION 'merchant % onboarding version must advance by one (% -> %)', OLD."id",
      OLD."onboarding_version", NEW."onboarding_version" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."onboarding_status" <> OLD."onboarding_status" THEN
    IF NEW."onboarding_version" <> OLD."onboarding_version" + 1 THEN
      RAISE EXCEPTION 'merchant % onboarding status changed without advancing its version', OLD."id"
        USING ERRCODE = 'check_violation';
    END IF;
    IF NOT EXISTS (
      SELECT 1 FROM "merchant_onboarding_transitions" t
       WHERE t."from_status" = OLD."onboarding_status" AND t."to_status" = NEW."onboarding_status"
    ) THEN
      RAISE EXCEPTION 'illegal onboarding transition % -> % for %', OLD."onboarding_status",
        NEW."onboarding_status", OLD."id" USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "merchants_onboarding_guard_update" BEFORE UPDATE ON "merchants"
  FOR EACH ROW EXECUTE FUNCTION "merchants_onboarding_guard_update"();

-- The onboarding's audit trail: details submitted, documents added, decisions (operator or rule). Append-only.
CREATE TABLE "merchant_onboarding_events" (
    "id" BIGSERIAL PRIMARY KEY,
    "merchant_id" TEXT NOT NULL REFERENCES "merchants"("id"),
    "type" TEXT NOT NULL,
    "old_status" "OnboardingStatus",
    "new_status" "OnboardingStatus" NOT NULL,
    "source" "EventSource" NOT NULL,
    "actor" TEXT NOT NULL,
    "rule" TEXT,
    "note" VARCHAR(2000),
    "data" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "merchant_onboarding_events_merchant_idx" ON "merchant_onboarding_events" ("merchant_id", "id");
CREATE TRIGGER "merchant_onboarding_events_append_only" BEFORE UPDATE OR DELETE ON "merchant_onboarding_events"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
