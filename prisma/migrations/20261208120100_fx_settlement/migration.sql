-- Multiple currencies (issue 18): the currencies a merchant settles in and its FX fee, and the conversions that
-- link the two legs (one journal entry per currency) of a converted capture or refund.

-- Without a row (or with no currencies) every payment settles in its own currency. The first currency is the
-- one payments in other currencies convert to; at most 10 currencies.
CREATE TABLE "merchant_settlement" (
  "merchant_id"           TEXT NOT NULL,
  "settlement_currencies" TEXT[] NOT NULL DEFAULT '{}',
  "fx_fee_bps"            INTEGER NOT NULL DEFAULT 0,
  "updated_at"            TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "merchant_settlement_pkey" PRIMARY KEY ("merchant_id"),
  CONSTRAINT "merchant_settlement_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "merchant_settlement_fx_fee_bps" CHECK ("fx_fee_bps" BETWEEN 0 AND 1000),
  CONSTRAINT "merchant_settlement_currencies" CHECK (
    cardinality("settlement_currencies") <= 10
    AND array_to_string("settlement_currencies", ',') ~ '^([A-Z]{3}(,[A-Z]{3})*)?$')
);

-- One conversion: the payment-currency leg (source_entry) and the settlement-currency leg (settlement_entry,
-- NULL only when every converted amount is zero), the exact rate between them, and what it cost or earned.
-- Written in the same statement as both legs; append-only.
CREATE TABLE "fx_conversions" (
  "id"                         TEXT NOT NULL,
  "merchant_id"                TEXT NOT NULL,
  "mode"                       "Mode" NOT NULL,
  "payment_id"                 TEXT NOT NULL,
  "refund_id"                  TEXT,
  "kind"                       TEXT NOT NULL,
  "source_currency"            CHAR(3) NOT NULL,
  "source_amount_minor"        BIGINT NOT NULL,
  "settlement_currency"        CHAR(3) NOT NULL,
  "settlement_amount_minor"    BIGINT NOT NULL,
  "original_settlement_minor"  BIGINT,
  "fee_minor"                  BIGINT NOT NULL DEFAULT 0,
  "fx_fee_minor"               BIGINT NOT NULL DEFAULT 0,
  "gain_loss_minor"            BIGINT NOT NULL DEFAULT 0,
  "rate_numerator"             NUMERIC(60, 0) NOT NULL,
  "rate_denominator"           NUMERIC(60, 0) NOT NULL,
  "rate_source"                TEXT NOT NULL,
  "rate_as_of"                 TIMESTAMPTZ(3) NOT NULL,
  "rate_path"                  TEXT NOT NULL,
  "source_entry_id"            TEXT NOT NULL,
  "settlement_entry_id"        TEXT,
  "created_at"                 TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "fx_conversions_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "fx_conversions_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE RESTRICT,
  CONSTRAINT "fx_conversions_refund_id_fkey" FOREIGN KEY ("refund_id") REFERENCES "refunds"("id") ON DELETE RESTRICT,
  -- Each leg is an entry in its own currency (journal_entries has UNIQUE (id, currency)).
  CONSTRAINT "fx_conversions_source_entry_fkey" FOREIGN KEY ("source_entry_id", "source_currency") REFERENCES "journal_entries"("id", "currency"),
  CONSTRAINT "fx_conversions_settlement_entry_fkey" FOREIGN KEY ("settlement_entry_id", "settlement_currency") REFERENCES "journal_entries"("id", "currency"),
  CONSTRAINT "fx_conversions_kind" CHECK (("kind" = 'CAPTURE' AND "refund_id" IS NULL AND "original_settlement_minor" IS NULL)
                                        OR ("kind" = 'REFUND' AND "refund_id" IS NOT NULL AND "original_settlement_minor" IS NOT NULL)),
  CONSTRAINT "fx_conversions_two_currencies" CHECK ("source_currency" <> "settlement_currency"),
  CONSTRAINT "fx_conversions_amounts" CHECK ("source_amount_minor" > 0 AND "settlement_amount_minor" >= 0
                                             AND "fee_minor" >= 0 AND "fx_fee_minor" >= 0 AND "fx_fee_minor" <= "fee_minor"
                                             AND "fee_minor" <= "settlement_amount_minor"),
  CONSTRAINT "fx_conversions_rate" CHECK ("rate_numerator" > 0 AND "rate_denominator" > 0),
  CONSTRAINT "fx_conversions_settlement_leg" CHECK ("settlement_entry_id" IS NOT NULL
                                                    OR ("settlement_amount_minor" = 0 AND coalesce("original_settlement_minor", 0) = 0))
);
-- One capture conversion per payment (the locked rate), one conversion per refund.
CREATE UNIQUE INDEX "fx_conversions_capture_key" ON "fx_conversions"("payment_id") WHERE "kind" = 'CAPTURE';
CREATE UNIQUE INDEX "fx_conversions_refund_key" ON "fx_conversions"("refund_id") WHERE "refund_id" IS NOT NULL;
CREATE INDEX "fx_conversions_merchant_id_created_at_idx" ON "fx_conversions"("merchant_id", "created_at");
CREATE TRIGGER "fx_conversions_append_only" BEFORE UPDATE OR DELETE ON "fx_conversions"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();
