-- Hosted card fields' allowed parent origins per publishable key (issue 20): the origins that may frame a key's
-- card fields (CSP frame-ancestors) and that its script posts the payment method to (postMessage targetOrigin).
-- They were the merchant's allowed origins (merchants.allowed_origins, which stays the CORS allow-list of the
-- merchant's publishable keys); each publishable key starts with a copy of its merchant's list (its first 20).
-- The command validates them (packages/core/src/merchants/allowed-origins.ts: at most 20 canonical origins,
-- https only, except localhost in test mode); the database bounds the count and keeps them off secret keys.
ALTER TABLE "api_keys" ADD COLUMN "allowed_origins" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_allowed_origins_bounded_check"
  CHECK (cardinality("allowed_origins") <= 20);
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_allowed_origins_publishable_check"
  CHECK ("kind" = 'PUBLISHABLE' OR cardinality("allowed_origins") = 0);

UPDATE "api_keys" k SET "allowed_origins" = m."allowed_origins"[1:20]
  FROM "merchants" m
 WHERE m."id" = k."merchant_id" AND k."kind" = 'PUBLISHABLE' AND cardinality(m."allowed_origins") > 0;
