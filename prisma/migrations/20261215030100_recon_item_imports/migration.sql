-- Issue 16, the import's throughput: recon_items.import_id's foreign key was deferred (an import's items are
-- written before its record, in one transaction) and so checked once per item at COMMIT: 1,000,000 checks at the
-- end of a 1,000,000-line import, seconds of the import's wall time with nothing else running. The same rule is
-- now checked once per import: the items' statement triggers note every import id their statement wrote in
-- recon_item_imports (one row per import, ever), whose deferred foreign key checks it at COMMIT. An import is never
-- deleted (recon_imports is append-only) and a write to a partition named directly is refused (20261214020100),
-- so every item's import exists, as the per-item key made sure.

CREATE TABLE "recon_item_imports" (
  "import_id" TEXT NOT NULL,
  CONSTRAINT "recon_item_imports_pkey" PRIMARY KEY ("import_id"),
  CONSTRAINT "recon_item_imports_import_id_fkey" FOREIGN KEY ("import_id") REFERENCES "recon_imports"("id")
    ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED
);
CREATE TRIGGER "recon_item_imports_append_only" BEFORE UPDATE OR DELETE ON "recon_item_imports"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "recon_item_imports_no_truncate" BEFORE TRUNCATE ON "recon_item_imports"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();

INSERT INTO "recon_item_imports" ("import_id")
SELECT DISTINCT "import_id" FROM "recon_items" WHERE "import_id" IS NOT NULL;

ALTER TABLE "recon_items" DROP CONSTRAINT "recon_items_import_id_fkey";

-- As in 20261214020100, and the statement's import ids noted.
CREATE OR REPLACE FUNCTION "recon_items_claim"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "recon_item_imports" ("import_id")
  SELECT DISTINCT n."import_id" FROM new_items n WHERE n."import_id" IS NOT NULL
  ON CONFLICT DO NOTHING;
  INSERT INTO "recon_item_claims" ("kind", "scope", "key", "item_id", "item_created_at")
  SELECT c."kind", c."scope", c."key", n."id", n."created_at"
    FROM new_items n
   CROSS JOIN LATERAL "recon_item_claims_of"(n."psp", n."category", n."status", n."rule", n."line_key",
                                             n."expected_id") c
   WHERE c."kind" <> 'shadow'
      OR NOT EXISTS (SELECT 1 FROM "recon_item_claims" x
                      WHERE x."kind" = 'shadow' AND x."scope" = c."scope" AND x."key" = c."key"
                        AND x."item_id" = n."id");
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION "recon_items_reclaim"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "recon_item_imports" ("import_id")
  SELECT DISTINCT n."import_id" FROM new_items n WHERE n."import_id" IS NOT NULL
  ON CONFLICT DO NOTHING;
  DELETE FROM "recon_item_claims" x
   USING (SELECT o."id", c."kind", c."scope", c."key"
            FROM old_items o
           CROSS JOIN LATERAL "recon_item_claims_of"(o."psp", o."category", o."status", o."rule", o."line_key",
                                                     o."expected_id") c
          EXCEPT
          SELECT n."id", c."kind", c."scope", c."key"
            FROM new_items n
           CROSS JOIN LATERAL "recon_item_claims_of"(n."psp", n."category", n."status", n."rule", n."line_key",
                                                     n."expected_id") c) gone
   WHERE x."kind" = gone."kind" AND x."scope" = gone."scope" AND x."key" = gone."key" AND x."item_id" = gone."id";
  INSERT INTO "recon_item_claims" ("kind", "scope", "key", "item_id", "item_created_at")
  SELECT entered."kind", entered."scope", entered."key", entered."id", n."created_at"
    FROM (SELECT n."id", c."kind", c."scope", c."key"
            FROM new_items n
           CROSS JOIN LATERAL "recon_item_claims_of"(n."psp", n."category", n."status", n."rule", n."line_key",
                                                     n."expected_id") c
          EXCEPT
          SELECT o."id", c."kind", c."scope", c."key"
            FROM old_items o
           CROSS JOIN LATERAL "recon_item_claims_of"(o."psp", o."category", o."status", o."rule", o."line_key",
                                                     o."expected_id") c) entered
    JOIN new_items n ON n."id" = entered."id";
  RETURN NULL;
END $$;
