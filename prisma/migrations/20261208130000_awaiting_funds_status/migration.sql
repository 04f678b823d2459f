-- Bank transfers (issue 18): a payment waiting for the customer's credit transfer.
-- Alone in its migration: a new enum value cannot be used in the transaction that adds it.
ALTER TYPE "PaymentStatus" ADD VALUE 'AWAITING_FUNDS';
