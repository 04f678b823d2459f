-- Settlement reports announced by the PSPs (issue 16): Adyen's REPORT_AVAILABLE, Stripe's succeeded report runs.
-- One row per (PSP, file), so an announcement delivered twice queues one download; the worker downloads QUEUED
-- rows with the PSP's report credentials and imports them through the reconciliation command (which dedupes by
-- file hash and line identity again). IMPORTED and REFUSED are final; the trigger holds the edges.
CREATE TABLE "psp_report_downloads" (
  "id"              BIGSERIAL NOT NULL,
  "psp"             TEXT NOT NULL,
  "file_name"       VARCHAR(255) NOT NULL,
  "url"             VARCHAR(2000) NOT NULL,
  "status"          TEXT NOT NULL DEFAULT 'QUEUED',
  "attempts"        INTEGER NOT NULL DEFAULT 0,
  "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "last_error"      VARCHAR(500),
  "import_id"       TEXT,
  "announced_at"    TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "completed_at"    TIMESTAMPTZ(3),
  CONSTRAINT "psp_report_downloads_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "psp_report_downloads_psp_check" CHECK ("psp" IN ('adyen', 'stripe')),
  CONSTRAINT "psp_report_downloads_status_check" CHECK ("status" IN ('QUEUED', 'IMPORTED', 'REFUSED')),
  CONSTRAINT "psp_report_downloads_attempts_range" CHECK ("attempts" >= 0 AND "attempts" <= 1000),
  CONSTRAINT "psp_report_downloads_completed" CHECK (("status" = 'QUEUED') = ("completed_at" IS NULL))
);
CREATE UNIQUE INDEX "psp_report_downloads_psp_file_name_key" ON "psp_report_downloads"("psp", "file_name");
CREATE INDEX "psp_report_downloads_due_idx" ON "psp_report_downloads"("next_attempt_at") WHERE "status" = 'QUEUED';

CREATE FUNCTION "psp_report_downloads_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD."status" <> 'QUEUED' THEN
    RAISE EXCEPTION 'report download % is % and final', OLD."id", OLD."status" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."psp" <> OLD."psp" OR NEW."file_name" <> OLD."file_name" OR NEW."url" <> OLD."url" THEN
    RAISE EXCEPTION 'report download % is immutable but for its progress', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "psp_report_downloads_guard_update" BEFORE UPDATE ON "psp_report_downloads"
  FOR EACH ROW EXECUTE FUNCTION "psp_report_downloads_guard_update"();
CREATE TRIGGER "psp_report_downloads_no_delete" BEFORE DELETE ON "psp_report_downloads"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
