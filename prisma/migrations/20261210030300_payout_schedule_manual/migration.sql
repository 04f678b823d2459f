-- A merchant can turn a payout schedule off (issue 18): interval MANUAL, with no run time, so the payout-dispatch
-- worker (WHERE next_run_at <= now) never picks it. Every other interval has its next run.
ALTER TABLE "payout_schedules" DROP CONSTRAINT "payout_schedules_interval_known";
ALTER TABLE "payout_schedules" ADD CONSTRAINT "payout_schedules_interval_known"
  CHECK ("interval" IN ('DAILY', 'WEEKLY', 'MONTHLY', 'MANUAL'));
ALTER TABLE "payout_schedules" ALTER COLUMN "next_run_at" DROP NOT NULL;
ALTER TABLE "payout_schedules" ADD CONSTRAINT "payout_schedules_manual_never_runs"
  CHECK (("interval" = 'MANUAL') = ("next_run_at" IS NULL));
