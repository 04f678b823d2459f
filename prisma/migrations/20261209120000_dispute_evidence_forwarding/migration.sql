-- Evidence forwarded to the PSP (issue 17): one row per stored evidence, written in the evidence's own
-- transaction before the PSP is called (attempt before call). The PSP is called with `psp_key` every time, so a
-- retry after a timeout (status UNKNOWN) is never a second submission. A lease keeps two processes from sending
-- the same evidence at once. DELIVERED and REJECTED are final; the trigger holds the edges.
CREATE TABLE "dispute_evidence_forwards" (
  "evidence_id"   BIGINT NOT NULL,
  "dispute_id"    TEXT NOT NULL,
  "merchant_id"   TEXT NOT NULL,
  "psp_key"       VARCHAR(255) NOT NULL,
  "status"        TEXT NOT NULL DEFAULT 'PENDING',
  "attempts"      INTEGER NOT NULL DEFAULT 0,
  "lease_until"   TIMESTAMPTZ(3),
  "last_error"    VARCHAR(500),
  "delivered_at"  TIMESTAMPTZ(3),
  "created_at"    TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at"    TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "dispute_evidence_forwards_pkey" PRIMARY KEY ("evidence_id"),
  CONSTRAINT "dispute_evidence_forwards_evidence_id_fkey" FOREIGN KEY ("evidence_id") REFERENCES "dispute_evidence"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "dispute_evidence_forwards_dispute_id_fkey" FOREIGN KEY ("dispute_id") REFERENCES "disputes"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "dispute_evidence_forwards_status_check" CHECK ("status" IN ('PENDING', 'UNKNOWN', 'DELIVERED', 'REJECTED')),
  CONSTRAINT "dispute_evidence_forwards_attempts_range" CHECK ("attempts" >= 0 AND "attempts" <= 1000),
  CONSTRAINT "dispute_evidence_forwards_delivered_at" CHECK (("status" = 'DELIVERED') = ("delivered_at" IS NOT NULL))
);
CREATE UNIQUE INDEX "dispute_evidence_forwards_psp_key_key" ON "dispute_evidence_forwards"("psp_key");
-- The forwarding worker's scan: what is still to send, oldest first.
CREATE INDEX "dispute_evidence_forwards_open_idx" ON "dispute_evidence_forwards"("created_at")
  WHERE "status" IN ('PENDING', 'UNKNOWN');
CREATE INDEX "dispute_evidence_forwards_dispute_id_idx" ON "dispute_evidence_forwards"("dispute_id");

-- Status only along PENDING -> UNKNOWN | DELIVERED | REJECTED, UNKNOWN -> UNKNOWN | DELIVERED | REJECTED;
-- what is forwarded and under which key never changes.
CREATE FUNCTION "dispute_evidence_forwards_guard_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."status" <> OLD."status" AND NOT (
       (OLD."status" = 'PENDING' AND NEW."status" IN ('UNKNOWN', 'DELIVERED', 'REJECTED'))
    OR (OLD."status" = 'UNKNOWN' AND NEW."status" IN ('DELIVERED', 'REJECTED'))
  ) THEN
    RAISE EXCEPTION 'illegal evidence forwarding transition % -> % for evidence %', OLD."status", NEW."status", OLD."evidence_id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF OLD."status" IN ('DELIVERED', 'REJECTED') AND (NEW."attempts" <> OLD."attempts" OR NEW."last_error" IS DISTINCT FROM OLD."last_error") THEN
    RAISE EXCEPTION 'evidence % was forwarded with a final outcome; it is not sent again', OLD."evidence_id"
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."evidence_id" <> OLD."evidence_id" OR NEW."dispute_id" <> OLD."dispute_id"
     OR NEW."merchant_id" <> OLD."merchant_id" OR NEW."psp_key" <> OLD."psp_key" THEN
    RAISE EXCEPTION 'evidence forwarding % identity and key are immutable', OLD."evidence_id" USING ERRCODE = 'check_violation';
  END IF;
  NEW."updated_at" := now();
  RETURN NEW;
END $$;
CREATE TRIGGER "dispute_evidence_forwards_guard_update" BEFORE UPDATE ON "dispute_evidence_forwards"
  FOR EACH ROW EXECUTE FUNCTION "dispute_evidence_forwards_guard_update"();
CREATE TRIGGER "dispute_evidence_forwards_no_delete" BEFORE DELETE ON "dispute_evidence_forwards"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
