-- AlterEnum
ALTER TYPE "PspAttemptStatus" ADD VALUE 'ACKNOWLEDGED';

-- AlterTable
ALTER TABLE "merchants" ADD COLUMN     "route_by_authorization_rate" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "psp_attempts" ADD COLUMN     "escalated_at" TIMESTAMPTZ(3),
ADD COLUMN     "next_resolve_at" TIMESTAMPTZ(3),
ADD COLUMN     "resolve_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "routing" JSONB;

-- CreateTable
CREATE TABLE "routing_rules" (
    "id" TEXT NOT NULL,
    "merchant_id" TEXT,
    "priority" INTEGER NOT NULL,
    "match" JSONB NOT NULL,
    "psp_names" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "routing_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "psp_webhook_events" (
    "id" BIGSERIAL NOT NULL,
    "psp_name" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMPTZ(3),

    CONSTRAINT "psp_webhook_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dead_letters" (
    "id" BIGSERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "reference" TEXT,
    "reason" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "replayed_at" TIMESTAMPTZ(3),

    CONSTRAINT "dead_letters_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "routing_rules_merchant_id_priority_idx" ON "routing_rules"("merchant_id", "priority");

-- CreateIndex
CREATE UNIQUE INDEX "psp_webhook_events_psp_name_event_id_key" ON "psp_webhook_events"("psp_name", "event_id");

-- CreateIndex
CREATE INDEX "dead_letters_created_at_idx" ON "dead_letters"("created_at");


-- ---------------------------------------------------------------------------
-- Hand-written: what the Prisma schema language cannot say.
-- ---------------------------------------------------------------------------

ALTER TABLE "routing_rules"
  ADD CONSTRAINT "routing_rules_psp_names_not_empty" CHECK (cardinality("psp_names") > 0);

-- The resolver reads only attempts whose outcome is unknown and not yet escalated.
CREATE INDEX "psp_attempts_resolve_idx" ON "psp_attempts" ("next_resolve_at")
  WHERE "status" = 'UNKNOWN' AND "escalated_at" IS NULL;

-- An accepted webhook is evidence: kept as received.
CREATE TRIGGER "psp_webhook_events_no_delete" BEFORE DELETE ON "psp_webhook_events"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
