-- Fee rules per card funding type (issue 18): a merchant's own rate, and optionally its own fixed fee (hundredths
-- of a major unit, scaled to each currency's exponent like the default), for credit, debit or prepaid cards.
-- Without a row a card of that funding type (and a card of unknown funding) takes the merchant's default schedule
-- (packages/core/src/ledger/fees.ts, feeScheduleForFunding). Written only by MerchantCurrencyCommands with its
-- operator audit row.
CREATE TABLE "merchant_funding_fees" (
  "merchant_id"      TEXT NOT NULL,
  "funding_type"     TEXT NOT NULL,
  "rate_bps"         INTEGER NOT NULL,
  "fixed_hundredths" BIGINT,
  "updated_at"       TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "merchant_funding_fees_pkey" PRIMARY KEY ("merchant_id", "funding_type"),
  CONSTRAINT "merchant_funding_fees_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "merchant_funding_fees_funding_type" CHECK ("funding_type" IN ('credit', 'debit', 'prepaid')),
  CONSTRAINT "merchant_funding_fees_rate" CHECK ("rate_bps" BETWEEN 0 AND 10000),
  CONSTRAINT "merchant_funding_fees_fixed" CHECK ("fixed_hundredths" IS NULL
                                                 OR ("fixed_hundredths" >= 0 AND "fixed_hundredths" <= 999999999999999))
);
