-- The operator console: operators, their sessions and the audit log of what they did.

-- CreateEnum
CREATE TYPE "OperatorRole" AS ENUM ('VIEWER', 'OPERATOR', 'ADMIN');

-- CreateTable
CREATE TABLE "operators" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "role" "OperatorRole" NOT NULL,
    "failed_logins" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "disabled_at" TIMESTAMPTZ(3),

    CONSTRAINT "operators_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "operator_sessions" (
    "id" TEXT NOT NULL,
    "operator_id" TEXT NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "csrf_token_hash" CHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "operator_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "operator_audit_log" (
    "id" BIGSERIAL NOT NULL,
    "operator_id" TEXT,
    "action" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT,
    "before" JSONB,
    "after" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "operator_audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "operators_email_key" ON "operators"("email");

-- CreateIndex
CREATE UNIQUE INDEX "operator_sessions_token_hash_key" ON "operator_sessions"("token_hash");

-- CreateIndex
CREATE INDEX "operator_sessions_operator_id_idx" ON "operator_sessions"("operator_id");

-- CreateIndex
CREATE INDEX "operator_audit_log_created_at_id_idx" ON "operator_audit_log"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "operator_audit_log_operator_id_created_at_idx" ON "operator_audit_log"("operator_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "operator_audit_log_target_id_idx" ON "operator_audit_log"("target_id");

-- CreateIndex
CREATE INDEX "payment_methods_last4_idx" ON "payment_methods"("last4");

-- CreateIndex
CREATE INDEX "payments_created_at_id_idx" ON "payments"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "payments_status_created_at_idx" ON "payments"("status", "created_at");

-- CreateIndex
CREATE INDEX "payments_psp_reference_idx" ON "payments"("psp_reference");

-- CreateIndex
CREATE INDEX "payments_customer_email_idx" ON "payments"("customer_email");

-- AddForeignKey
ALTER TABLE "operator_sessions" ADD CONSTRAINT "operator_sessions_operator_id_fkey" FOREIGN KEY ("operator_id") REFERENCES "operators"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Emails are compared lower-cased: the unique index above then means one account per address.
ALTER TABLE "operators"
  ADD CONSTRAINT "operators_email_lower_case" CHECK ("email" = lower("email")),
  ADD CONSTRAINT "operators_failed_logins_non_negative" CHECK ("failed_logins" >= 0);

ALTER TABLE "operator_sessions"
  ADD CONSTRAINT "operator_sessions_expiry_after_creation" CHECK ("expires_at" > "created_at");

-- What operators did is evidence: the audit log is never rewritten.
CREATE TRIGGER "operator_audit_log_append_only" BEFORE UPDATE OR DELETE ON "operator_audit_log"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
CREATE TRIGGER "operator_audit_log_no_truncate" BEFORE TRUNCATE ON "operator_audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION "reject_mutation"();
