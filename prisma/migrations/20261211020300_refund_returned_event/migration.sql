-- refund.returned as a merchant webhook event type (issue 18). A bank-transfer refund the payer's bank sent back
-- after it was paid (SUCCEEDED -> RETURNED, packages/core/src/bank-transfers/bank-refunds.ts) already writes a
-- refund.returned outbox message in the transaction of its state change; with the type listed here the outbox
-- trigger (webhook_event_from_outbox) makes an event of it in that same transaction, with the refund's snapshot
-- (the refund branch of webhook_object_snapshot: status RETURNED, the payment's version), delivered to endpoints
-- that enable it or "*", and shown in the events feed.
INSERT INTO "webhook_event_types" ("type") VALUES ('refund.returned') ON CONFLICT DO NOTHING;
