-- Announced settlement reports waiting for report credentials (issue 16) are parked instead of retried: a download
-- whose account has no report credentials cannot be attempted, so it must not use up the tries meant for PSP-side
-- failures. AWAITING_CREDENTIALS sits beside QUEUED: parked from QUEUED (its claim's try given back), it goes back
-- to QUEUED only, with its tries unchanged, when the download worker finds credentials for its origin.
ALTER TABLE "psp_report_downloads" DROP CONSTRAINT "psp_report_downloads_status_check";
ALTER TABLE "psp_report_downloads" ADD CONSTRAINT "psp_report_downloads_status_check"
  CHECK ("status" IN ('QUEUED', 'AWAITING_CREDENTIALS', 'IMPORTED', 'REFUSED'));
ALTER TABLE "psp_report_downloads" DROP CONSTRAINT "psp_report_downloads_completed";
ALTER TABLE "psp_report_downloads" ADD CONSTRAINT "psp_report_downloads_completed"
  CHECK (("status" IN ('QUEUED', 'AWAITING_CREDENTIALS')) = ("completed_at" IS NULL));

CREATE OR REPLACE FUNCTION "psp_report_downloads_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD."status" NOT IN ('QUEUED', 'AWAITING_CREDENTIALS') THEN
    RAISE EXCEPTION 'report download % is % and final', OLD."id", OLD."status" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."psp" <> OLD."psp" OR NEW."file_name" <> OLD."file_name" OR NEW."url" <> OLD."url" THEN
    RAISE EXCEPTION 'report download % is immutable but for its progress', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  -- A parked download is only ever put back in the queue, and waiting uses none of its tries.
  IF OLD."status" = 'AWAITING_CREDENTIALS' AND NEW."status" NOT IN ('AWAITING_CREDENTIALS', 'QUEUED') THEN
    RAISE EXCEPTION 'report download % waits for credentials: it can only be queued again', OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF OLD."status" = 'AWAITING_CREDENTIALS' AND NEW."attempts" <> OLD."attempts" THEN
    RAISE EXCEPTION 'report download % waits for credentials: its tries do not change', OLD."id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."status" = 'AWAITING_CREDENTIALS' AND OLD."status" = 'QUEUED' AND NEW."attempts" > OLD."attempts" THEN
    RAISE EXCEPTION 'report download %: parking uses no try', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE INDEX "psp_report_downloads_awaiting_idx" ON "psp_report_downloads"("psp")
  WHERE "status" = 'AWAITING_CREDENTIALS';

-- Downloads already retried for want of credentials are parked now (the tries they used are not given back).
UPDATE "psp_report_downloads" SET "status" = 'AWAITING_CREDENTIALS'
 WHERE "status" = 'QUEUED' AND "last_error" LIKE 'no report credentials configured%';
