-- Multiple currencies (issue 18): exchange rates imported from the ECB's daily XML or a plain CSV, each batch
-- with its source and time, and per-currency fixed fees per merchant.

-- One import (a file, or one scheduled fetch); rates point at it. Append-only.
CREATE TABLE "fx_rate_imports" (
  "id"           TEXT NOT NULL,
  "source"       TEXT NOT NULL,
  "rate_count"   INTEGER NOT NULL,
  "latest_as_of" TIMESTAMPTZ(3),
  "imported_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "fx_rate_imports_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "fx_rate_imports_rate_count" CHECK ("rate_count" >= 0)
);
CREATE TRIGGER "fx_rate_imports_append_only" BEFORE UPDATE OR DELETE ON "fx_rate_imports"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

-- A rate: one major unit of base buys `rate` major units of quote, an exact decimal (numeric, never float).
-- One value per (source, pair, date): a re-import of the same value adds nothing, a different value is refused.
CREATE TABLE "fx_rates" (
  "id"          BIGSERIAL NOT NULL,
  "import_id"   TEXT NOT NULL,
  "source"      TEXT NOT NULL,
  "base"        CHAR(3) NOT NULL,
  "quote"       CHAR(3) NOT NULL,
  "rate"        NUMERIC(24, 12) NOT NULL,
  "as_of"       TIMESTAMPTZ(3) NOT NULL,
  "imported_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "fx_rates_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "fx_rates_import_id_fkey" FOREIGN KEY ("import_id") REFERENCES "fx_rate_imports"("id") ON DELETE RESTRICT ON UPDATE RESTRICT,
  CONSTRAINT "fx_rates_positive" CHECK ("rate" > 0),
  CONSTRAINT "fx_rates_two_currencies" CHECK ("base" <> "quote" AND "base" ~ '^[A-Z]{3}$' AND "quote" ~ '^[A-Z]{3}$')
);
CREATE UNIQUE INDEX "fx_rates_source_base_quote_as_of_key" ON "fx_rates"("source", "base", "quote", "as_of");
-- The rate in force: the newest date of a pair (then the latest import).
CREATE INDEX "fx_rates_base_quote_as_of_idx" ON "fx_rates"("base", "quote", "as_of" DESC, "imported_at" DESC);
CREATE TRIGGER "fx_rates_append_only" BEFORE UPDATE OR DELETE ON "fx_rates"
  FOR EACH ROW EXECUTE FUNCTION "reject_mutation"();

-- A merchant's fixed fee per currency, in that currency's minor units; without a row the default applies
-- (packages/core/src/ledger/fees.ts, fixedFeeDefaultMinor).
CREATE TABLE "merchant_fixed_fees" (
  "merchant_id" TEXT NOT NULL,
  "currency"    CHAR(3) NOT NULL,
  "fixed_minor" BIGINT NOT NULL,
  "updated_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "merchant_fixed_fees_pkey" PRIMARY KEY ("merchant_id", "currency"),
  CONSTRAINT "merchant_fixed_fees_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "merchant_fixed_fees_bounds" CHECK ("fixed_minor" >= 0 AND "fixed_minor" <= 999999999999999)
);
