-- Which process made a PSP call, and whether that process is still alive.
-- Each API process registers a row and heartbeats it; an attempt records the
-- process that inserted it. A PENDING attempt whose process stopped
-- heartbeating will never have its call's answer recorded by that process,
-- so a PSP notification about it is applied at once, and the resolver takes
-- it over, instead of both waiting out a fixed staleness window.
-- Times come from the database's clock only, so process clocks never matter.
CREATE TABLE "process_instances" (
    "id" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "process_instances_pkey" PRIMARY KEY ("id")
);

-- No foreign key: an instance row is deleted when its process stops (or a day
-- after its last heartbeat), and a missing row means a process that is gone.
ALTER TABLE "psp_attempts" ADD COLUMN "owner_instance_id" TEXT;

-- The resolver asks the PSP about modifications it acknowledged but never
-- decided (no notification came) once they are past their deadline.
CREATE INDEX "psp_attempts_acknowledged_idx" ON "psp_attempts" ("updated_at")
  WHERE "status" = 'ACKNOWLEDGED' AND "escalated_at" IS NULL AND "operation" <> 'AUTHORIZE';
