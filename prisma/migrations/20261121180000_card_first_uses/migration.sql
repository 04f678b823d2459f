-- Whether a card is new at a merchant (a fraud signal read on every
-- createPayment) was a NOT EXISTS over payments through the
-- (merchant_id, card_fingerprint) index. Its prepared statement's generic plan
-- follows the table's statistics: when the last ANALYZE saw payments as mostly
-- one merchant's one card (a single-merchant deployment testing with one test
-- card), the planner expects every row to match and scans the whole table for
-- a new card (docs/benchmarks.md, "What would close the remaining gaps").
-- A probe of this table's primary key finds at most one row whatever the
-- statistics, and stays one probe when payments are partitioned by time.
-- The payment's insert statement adds the row (ON CONFLICT DO NOTHING), in the
-- same statement as the payment, so the two cannot disagree.
-- No foreign keys: the row is derived from the payment like an index entry,
-- and a key check would lock the new payment row on every insert.
CREATE TABLE "card_first_uses" (
    "merchant_id" TEXT NOT NULL,
    "mode" "Mode" NOT NULL,
    "card_fingerprint" CHAR(64) NOT NULL,
    "payment_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "card_first_uses_pkey" PRIMARY KEY ("merchant_id", "mode", "card_fingerprint")
);

INSERT INTO "card_first_uses" ("merchant_id", "mode", "card_fingerprint", "payment_id", "created_at")
SELECT DISTINCT ON ("merchant_id", "mode", "card_fingerprint")
       "merchant_id", "mode", "card_fingerprint", "id", "created_at"
  FROM "payments"
 WHERE "card_fingerprint" IS NOT NULL
 ORDER BY "merchant_id", "mode", "card_fingerprint", "created_at", "id";

-- Only the first-use check read payments by merchant and card.
DROP INDEX "payments_merchant_id_card_fingerprint_idx";
