-- Two-factor authentication for console operators (TOTP, RFC 6238).
-- The secret is stored only encrypted (AES-256-GCM under a key derived from
-- the vault keyring), and a secret without totp_enabled_at is an enrolment not yet
-- confirmed with a code. totp_last_time_step is the 30-second step of the last
-- code accepted: a code is accepted only for a later step, so it cannot be
-- replayed within its window.
ALTER TABLE "operators" ADD COLUMN "totp_secret_encrypted" TEXT;
ALTER TABLE "operators" ADD COLUMN "totp_enabled_at" TIMESTAMPTZ(3);
ALTER TABLE "operators" ADD COLUMN "totp_last_time_step" BIGINT;
ALTER TABLE "operators" ADD CONSTRAINT "operators_totp_enabled_has_secret"
  CHECK ("totp_enabled_at" IS NULL OR "totp_secret_encrypted" IS NOT NULL);

-- A session made by the password step of an operator with TOTP: it may only
-- complete the second step until second_factor_pending is cleared.
ALTER TABLE "operator_sessions" ADD COLUMN "second_factor_pending" BOOLEAN NOT NULL DEFAULT false;

-- One-time recovery codes: SHA-256 of 80 random bits each (not brute-forceable
-- offline), spent by setting used_at in the same statement that checks it.
CREATE TABLE "operator_recovery_codes" (
    "id" BIGSERIAL NOT NULL,
    "operator_id" TEXT NOT NULL,
    "code_hash" CHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "used_at" TIMESTAMPTZ(3),
    CONSTRAINT "operator_recovery_codes_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "operator_recovery_codes_operator_id_fkey" FOREIGN KEY ("operator_id")
      REFERENCES "operators"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "operator_recovery_codes_operator_id_code_hash_key"
  ON "operator_recovery_codes" ("operator_id", "code_hash");
