-- 3-D Secure (issue 20): a payment waiting for the customer to complete the card issuer's challenge.
-- Alone in its migration: a new enum value cannot be used in the transaction that adds it.
ALTER TYPE "PaymentStatus" ADD VALUE 'REQUIRES_ACTION';
