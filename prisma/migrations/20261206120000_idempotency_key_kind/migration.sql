-- Issue 14, defects 3 and 7.
--
-- Defect 3: a tokenizeCard record's request_hash was an HMAC over the full card
-- number and the CVC, kept beside the card's BIN and last 4: with the hash
-- secret both came back by brute force, and PCI DSS forbids keeping any form of
-- the CVC after authorization. Tokenize hashes now cover the vault fingerprint
-- and the expiry only. The old records go, stored responses with them (the
-- response itself holds no CVC, but it is of no use without its record). A
-- client that retries such a tokenize after the upgrade tokenizes again: a
-- second payment method for the same card, nothing charged. Redis copies are
-- never read again (the cache keys are versioned, idem: became idem2:) and the
-- API deletes them when it starts.
DELETE FROM "idempotency_records" WHERE "operation" = 'tokenizeCard';

-- Defect 7: a publishable key (public) could claim a key the merchant's server
-- was about to use, and probe which keys it had used. A key is now scoped by
-- the kind of API key that used it (not the key's id: a rolled secret key
-- still replays its predecessor's requests), and operators and the system's
-- sweeps get kinds of their own.
CREATE TYPE "IdempotencyKeyKind" AS ENUM ('SECRET', 'PUBLISHABLE', 'OPERATOR', 'SYSTEM');

ALTER TABLE "idempotency_records" ADD COLUMN "key_kind" "IdempotencyKeyKind";

-- Existing records, by who alone can have made them: review decisions are
-- operators' and hold expiry the system's. A console refund's key starts with
-- console: but a merchant may send such a key too, so it counts as the
-- operator's only when its refund was created by an operator. Everything
-- else came from secret keys (publishable keys could only tokenize).
UPDATE "idempotency_records" r SET "key_kind" = CASE
  WHEN r."operation" IN ('approveReview', 'rejectReview') THEN 'OPERATOR'::"IdempotencyKeyKind"
  WHEN r."operation" = 'expireReview' THEN 'SYSTEM'::"IdempotencyKeyKind"
  WHEN r."operation" = 'refundPayment' AND r."key" LIKE 'console:%' AND EXISTS (
    SELECT 1 FROM "refunds" f
      JOIN "payment_events" e ON e."payment_id" = f."payment_id"
     WHERE f."id" = r."resource_id" AND e."type" = 'refund.created' AND e."source" = 'OPERATOR'
       AND e."data"->>'refundId' = f."id"
  ) THEN 'OPERATOR'::"IdempotencyKeyKind"
  ELSE 'SECRET'::"IdempotencyKeyKind"
END;

ALTER TABLE "idempotency_records" ALTER COLUMN "key_kind" SET NOT NULL;

DROP INDEX "idempotency_records_merchant_id_mode_key_key";
CREATE UNIQUE INDEX "idempotency_records_merchant_id_mode_key_kind_key_key"
  ON "idempotency_records" ("merchant_id", "mode", "key_kind", "key");
