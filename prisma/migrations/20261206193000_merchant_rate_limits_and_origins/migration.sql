-- Per-merchant rate-limit overrides (null: the API's configured default) and
-- the browser origins its publishable keys may be used from (CORS allow-list).
ALTER TABLE "merchants"
  ADD COLUMN "rate_limit_key_per_second" INTEGER,
  ADD COLUMN "rate_limit_tokenize_per_minute" INTEGER,
  ADD COLUMN "concurrent_queries_max" SMALLINT,
  ADD COLUMN "allowed_origins" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];

-- Limits are positive and bounded, so a typo can neither switch a limit off nor overflow a counter.
ALTER TABLE "merchants"
  ADD CONSTRAINT "merchants_rate_limit_key_per_second_check"
    CHECK ("rate_limit_key_per_second" BETWEEN 1 AND 100000),
  ADD CONSTRAINT "merchants_rate_limit_tokenize_per_minute_check"
    CHECK ("rate_limit_tokenize_per_minute" BETWEEN 1 AND 100000),
  ADD CONSTRAINT "merchants_concurrent_queries_max_check"
    CHECK ("concurrent_queries_max" BETWEEN 1 AND 1000),
  ADD CONSTRAINT "merchants_allowed_origins_bounded_check"
    CHECK (cardinality("allowed_origins") <= 50);
