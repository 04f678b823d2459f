-- Four eyes (issue 16, reusable by manual ledger adjustments and payouts): an operator's action above a
-- threshold waits as a request until a different operator approves it; the approval applies the action in
-- the same transaction. The state machine is the core's approvals/approval-state-machine.ts, guarded here.
CREATE TYPE "ApprovalStatus" AS ENUM ('PENDING', 'APPROVED', 'REJECTED');

CREATE TABLE "approval_requests" (
    "id" TEXT NOT NULL,
    -- What is to be applied: recon.accept_psp_figure, …; each kind has one applier in packages/db.
    "kind" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "status" "ApprovalStatus" NOT NULL DEFAULT 'PENDING',
    "requested_by" TEXT NOT NULL,
    "requested_by_operator_id" TEXT,
    "decided_by" TEXT,
    "decided_by_operator_id" TEXT,
    "decision_note" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_at" TIMESTAMPTZ(3),
    CONSTRAINT "approval_requests_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "approval_requests_amount" CHECK ("amount_minor" >= 0),
    -- The second pair of eyes is another person: checked by the core, and here.
    CONSTRAINT "approval_requests_four_eyes" CHECK ("decided_by" IS NULL OR "decided_by" <> "requested_by"),
    CONSTRAINT "approval_requests_decided" CHECK (("status" = 'PENDING') = ("decided_by" IS NULL))
);
-- One pending request per target and kind.
CREATE UNIQUE INDEX "approval_requests_pending_key" ON "approval_requests" ("kind", "target_id") WHERE "status" = 'PENDING';
CREATE INDEX "approval_requests_status_idx" ON "approval_requests" ("status", "created_at");

CREATE TABLE "approval_transitions" (
    "from_status" "ApprovalStatus" NOT NULL,
    "to_status" "ApprovalStatus" NOT NULL,
    CONSTRAINT "approval_transitions_pkey" PRIMARY KEY ("from_status", "to_status")
);
INSERT INTO "approval_transitions" VALUES ('PENDING', 'APPROVED'), ('PENDING', 'REJECTED');

CREATE FUNCTION "approval_requests_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."status" IS DISTINCT FROM OLD."status" AND NOT EXISTS (
    SELECT 1 FROM "approval_transitions" WHERE "from_status" = OLD."status" AND "to_status" = NEW."status") THEN
    RAISE EXCEPTION 'illegal approval transition % -> %', OLD."status", NEW."status" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."kind" <> OLD."kind" OR NEW."target_id" <> OLD."target_id" OR NEW."payload" <> OLD."payload"
     OR NEW."amount_minor" <> OLD."amount_minor" OR NEW."requested_by" <> OLD."requested_by" THEN
    RAISE EXCEPTION 'an approval request''s content cannot change' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "approval_requests_transition" BEFORE UPDATE ON "approval_requests"
  FOR EACH ROW EXECUTE FUNCTION "approval_requests_guard"();
CREATE TRIGGER "approval_requests_no_delete" BEFORE DELETE ON "approval_requests"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
