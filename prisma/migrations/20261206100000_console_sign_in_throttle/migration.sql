-- Console sign-in throttling replaces the per-account lockout: anyone who
-- knew an email could lock its owner out by failing five times. Failures are
-- now counted per client IP and per (email as typed, IP), and each answers
-- with a growing delay instead of a lock. A key is the kind plus its parts,
-- so one upsert on the primary key counts a failure atomically. The email is
-- whatever was typed (known or not), so throttling reveals nothing about
-- which accounts exist.
CREATE TABLE "console_sign_in_throttles" (
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "email" TEXT,
    "ip" TEXT NOT NULL,
    "failures" INTEGER NOT NULL,
    "last_failure_at" TIMESTAMPTZ(3) NOT NULL,
    "blocked_until" TIMESTAMPTZ(3),
    CONSTRAINT "console_sign_in_throttles_pkey" PRIMARY KEY ("key"),
    CONSTRAINT "console_sign_in_throttles_kind_check" CHECK ("kind" IN ('ip', 'account_ip')),
    CONSTRAINT "console_sign_in_throttles_email_check" CHECK (("kind" = 'account_ip') = ("email" IS NOT NULL)),
    CONSTRAINT "console_sign_in_throttles_failures_check" CHECK ("failures" > 0)
);

-- The admin's list of throttled accounts reads only the rows that earned a
-- delay, most recent failure first.
CREATE INDEX "console_sign_in_throttles_throttled_idx" ON "console_sign_in_throttles" ("last_failure_at")
  WHERE "kind" = 'account_ip' AND "blocked_until" IS NOT NULL;

ALTER TABLE "operators" DROP COLUMN "failed_logins";
ALTER TABLE "operators" DROP COLUMN "locked_until";
