-- Bank transfers as a way to pay (issue 18, part 3): the payment's instructions, the credits the bank notified
-- (each once), the returns owed to payers, the new state's edges, and the source-event key of journal entries.

-- A bank-transfer payment has no card.
ALTER TABLE "payments" ALTER COLUMN "payment_method_id" DROP NOT NULL;

-- The state machine's new edges (packages/core/src/payments/payment-state-machine.ts holds the same table):
-- the whole amount arrived, or the instructions expired first.
INSERT INTO "payment_status_transitions" ("from_status", "to_status") VALUES
  ('AWAITING_FUNDS', 'CAPTURED'), ('AWAITING_FUNDS', 'CANCELLED');

-- Every journal entry that does not come from an API request names the event it comes from (the bank's event id):
-- journal_entries.source_event_key (unique) comes from the payouts migration (20261208110000), which runs first.

CREATE TABLE "bank_transfers" (
    "payment_id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "mode" "Mode" NOT NULL,
    "reference" TEXT NOT NULL,
    "iban" TEXT NOT NULL,
    "bic" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "amount_due_minor" BIGINT NOT NULL,
    "amount_received_minor" BIGINT NOT NULL DEFAULT 0,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "bank_transfers_pkey" PRIMARY KEY ("payment_id"),
    CONSTRAINT "bank_transfers_payment_fkey" FOREIGN KEY ("payment_id") REFERENCES "payments"("id"),
    CONSTRAINT "bank_transfers_reference_format" CHECK ("reference" ~ '^PC[0-9A-Z]{12}$'),
    CONSTRAINT "bank_transfers_amounts" CHECK ("amount_due_minor" > 0 AND "amount_received_minor" >= 0)
);
CREATE UNIQUE INDEX "bank_transfers_reference_key" ON "bank_transfers"("reference");
CREATE UNIQUE INDEX "bank_transfers_iban_key" ON "bank_transfers"("iban");
CREATE INDEX "bank_transfers_expires_at_idx" ON "bank_transfers"("expires_at");
CREATE INDEX "bank_transfers_merchant_id_mode_idx" ON "bank_transfers"("merchant_id", "mode");

CREATE TABLE "bank_transfer_credits" (
    "id" BIGSERIAL NOT NULL,
    "event_id" TEXT NOT NULL,
    "transfer_id" TEXT NOT NULL,
    "payment_id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "outcome" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "bank_transfer_credits_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "bank_transfer_credits_payment_fkey" FOREIGN KEY ("payment_id") REFERENCES "bank_transfers"("payment_id"),
    CONSTRAINT "bank_transfer_credits_amount_positive" CHECK ("amount_minor" > 0),
    CONSTRAINT "bank_transfer_credits_outcome" CHECK ("outcome" IN ('partial', 'completed', 'overpaid', 'returned'))
);
CREATE UNIQUE INDEX "bank_transfer_credits_event_id_key" ON "bank_transfer_credits"("event_id");
CREATE UNIQUE INDEX "bank_transfer_credits_transfer_id_key" ON "bank_transfer_credits"("transfer_id");
CREATE INDEX "bank_transfer_credits_payment_id_idx" ON "bank_transfer_credits"("payment_id");

CREATE TABLE "bank_transfer_returns" (
    "id" TEXT NOT NULL,
    "payment_id" TEXT NOT NULL,
    "merchant_id" TEXT NOT NULL,
    "mode" "Mode" NOT NULL,
    "transfer_id" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "bank_reference" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),
    CONSTRAINT "bank_transfer_returns_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "bank_transfer_returns_payment_fkey" FOREIGN KEY ("payment_id") REFERENCES "bank_transfers"("payment_id"),
    CONSTRAINT "bank_transfer_returns_amount_positive" CHECK ("amount_minor" > 0),
    CONSTRAINT "bank_transfer_returns_reason" CHECK ("reason" IN ('excess', 'expired', 'not_awaiting_funds')),
    CONSTRAINT "bank_transfer_returns_status" CHECK ("status" IN ('PENDING', 'SENT', 'FAILED'))
);
CREATE INDEX "bank_transfer_returns_status_created_at_idx" ON "bank_transfer_returns"("status", "created_at");
CREATE INDEX "bank_transfer_returns_payment_id_idx" ON "bank_transfer_returns"("payment_id");

-- Card funding types (issue 18): credit, debit or prepaid from the BIN table, stored with the card so routing
-- rules can match on it. Cards tokenized before are "unknown" (their BIN stays, a backfill may classify them).
ALTER TABLE "payment_methods" ADD COLUMN "funding_type" TEXT NOT NULL DEFAULT 'unknown',
  ADD CONSTRAINT "payment_methods_funding_type" CHECK ("funding_type" IN ('credit', 'debit', 'prepaid', 'unknown'));
