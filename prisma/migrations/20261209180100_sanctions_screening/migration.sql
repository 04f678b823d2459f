-- Sanctions screening (issue 22). Every import of a list (the OFAC SDN CSV with its aliases, the EU consolidated
-- XML) is a list version with its names, normalised by the core (packages/core/src/sanctions/name-matching.ts).
-- Every screening of a name (a merchant, its representative, a payout bank account's holder) is recorded with the
-- list versions it used. A possible match is a hit: OPEN until an operator decides FALSE_POSITIVE or CONFIRMED
-- (the hit's state table, guarded by a trigger like the others). An open hit blocks payouts, a confirmed one
-- freezes the merchant (merchants.frozen_at, set once and never cleared here).

CREATE TYPE "SanctionsSource" AS ENUM ('OFAC_SDN', 'EU_CONSOLIDATED');
CREATE TYPE "SanctionsHitStatus" AS ENUM ('OPEN', 'FALSE_POSITIVE', 'CONFIRMED');
CREATE TYPE "ScreeningSubject" AS ENUM ('MERCHANT', 'LEGAL_NAME', 'REPRESENTATIVE', 'BANK_ACCOUNT_HOLDER');

CREATE TABLE "sanctions_list_versions" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "source" "SanctionsSource" NOT NULL,
    "filename" VARCHAR(255) NOT NULL,
    "sha256" CHAR(64) NOT NULL,
    "entry_count" INTEGER NOT NULL CHECK ("entry_count" >= 0),
    "name_count" INTEGER NOT NULL CHECK ("name_count" >= 0),
    "imported_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "sanctions_list_versions_source_idx" ON "sanctions_list_versions" ("source", "created_at" DESC);
CREATE TRIGGER "sanctions_list_versions_append_only" BEFORE UPDATE OR DELETE ON "sanctions_list_versions"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

-- One row per name of a listed party (its main name and each alias).
CREATE TABLE "sanctions_names" (
    "id" BIGSERIAL PRIMARY KEY,
    -- Deferred: an import writes its names first and its version row (with the counts) last, in one transaction.
    "list_version_id" TEXT NOT NULL REFERENCES "sanctions_list_versions"("id") DEFERRABLE INITIALLY DEFERRED,
    "entry_ref" VARCHAR(64) NOT NULL,
    "entry_type" VARCHAR(32) NOT NULL,
    "programs" VARCHAR(500) NOT NULL DEFAULT '',
    "name" VARCHAR(500) NOT NULL,
    "normalized" VARCHAR(500) NOT NULL
);
CREATE INDEX "sanctions_names_version_idx" ON "sanctions_names" ("list_version_id");
-- Candidates are found by trigram similarity of the normalised names, then scored by Jaro-Winkler in the core.
CREATE INDEX "sanctions_names_normalized_trgm_idx" ON "sanctions_names" USING gin ("normalized" gin_trgm_ops);
CREATE TRIGGER "sanctions_names_append_only" BEFORE UPDATE OR DELETE ON "sanctions_names"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

CREATE TABLE "sanctions_screenings" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "merchant_id" TEXT NOT NULL REFERENCES "merchants"("id"),
    "subject_type" "ScreeningSubject" NOT NULL,
    "subject_id" TEXT NOT NULL,
    "name" VARCHAR(500) NOT NULL,
    "normalized" VARCHAR(500) NOT NULL,
    "list_version_ids" TEXT[] NOT NULL,
    "threshold" NUMERIC(5, 4) NOT NULL,
    "best_score" NUMERIC(5, 4),
    "hits" INTEGER NOT NULL CHECK ("hits" >= 0),
    "reason" VARCHAR(32) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "sanctions_screenings_merchant_idx" ON "sanctions_screenings" ("merchant_id", "created_at" DESC);
CREATE TRIGGER "sanctions_screenings_append_only" BEFORE UPDATE OR DELETE ON "sanctions_screenings"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

CREATE TABLE "sanctions_hits" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "merchant_id" TEXT NOT NULL REFERENCES "merchants"("id"),
    "screening_id" TEXT NOT NULL REFERENCES "sanctions_screenings"("id"),
    "sanctions_name_id" BIGINT NOT NULL REFERENCES "sanctions_names"("id"),
    "source" "SanctionsSource" NOT NULL,
    "entry_ref" VARCHAR(64) NOT NULL,
    "subject_type" "ScreeningSubject" NOT NULL,
    "subject_id" TEXT NOT NULL,
    "subject_name" VARCHAR(500) NOT NULL,
    "listed_name" VARCHAR(500) NOT NULL,
    "score" NUMERIC(5, 4) NOT NULL,
    "status" "SanctionsHitStatus" NOT NULL DEFAULT 'OPEN',
    "version" INTEGER NOT NULL DEFAULT 0,
    "decided_by" TEXT,
    "note" VARCHAR(2000),
    "decided_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
-- One hit per subject and listed party: a decision (false positive) holds across later list versions.
CREATE UNIQUE INDEX "sanctions_hits_subject_entry_key" ON "sanctions_hits"
  ("merchant_id", "subject_type", "subject_id", "source", "entry_ref");
CREATE INDEX "sanctions_hits_open_idx" ON "sanctions_hits" ("merchant_id") WHERE "status" = 'OPEN';
CREATE INDEX "sanctions_hits_status_idx" ON "sanctions_hits" ("status", "created_at");

CREATE TABLE "sanctions_hit_transitions" (
  "from_status" "SanctionsHitStatus" NOT NULL,
  "to_status"   "SanctionsHitStatus" NOT NULL,
  PRIMARY KEY ("from_status", "to_status")
);
INSERT INTO "sanctions_hit_transitions" ("from_status", "to_status") VALUES
  ('OPEN', 'FALSE_POSITIVE'), ('OPEN', 'CONFIRMED');

CREATE FUNCTION "sanctions_hits_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."version" <> OLD."version" + 1 THEN
    RAISE EXCEPTION 'sanctions hit % updated without advancing its version', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."status" <> OLD."status" AND NOT EXISTS (
    SELECT 1 FROM "sanctions_hit_transitions" t WHERE t."from_status" = OLD."status" AND t."to_status" = NEW."status"
  ) THEN
    RAISE EXCEPTION 'illegal sanctions hit transition % -> % for %', OLD."status", NEW."status", OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."merchant_id" <> OLD."merchant_id" OR NEW."score" <> OLD."score" OR NEW."entry_ref" <> OLD."entry_ref"
     OR NEW."subject_id" <> OLD."subject_id" THEN
    RAISE EXCEPTION 'sanctions hit % is immutable but for its decision', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "sanctions_hits_guard_update" BEFORE UPDATE ON "sanctions_hits"
  FOR EACH ROW EXECUTE FUNCTION "sanctions_hits_guard_update"();
CREATE TRIGGER "sanctions_hits_no_delete" BEFORE DELETE ON "sanctions_hits"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

ALTER TABLE "merchants" ADD COLUMN "frozen_at" TIMESTAMPTZ(3);

CREATE FUNCTION "merchants_frozen_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD."frozen_at" IS NOT NULL AND NEW."frozen_at" IS DISTINCT FROM OLD."frozen_at" THEN
    RAISE EXCEPTION 'merchant % is frozen: the freeze is lifted only by a reviewed migration', OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "merchants_frozen_guard" BEFORE UPDATE OF "frozen_at" ON "merchants"
  FOR EACH ROW EXECUTE FUNCTION "merchants_frozen_guard"();
