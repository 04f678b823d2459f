-- 3-D Secure (issue 20): the REQUIRES_ACTION state's edges, what the payment records of its authentication,
-- where its customer is sent (the challenge) and returned (the merchant's return URL), and until when a
-- challenge may be completed before the expiry worker cancels the payment.

-- The state machine's new edges (packages/core/src/payments/payment-state-machine.ts holds the same table):
-- a challenge is required; then the authentication succeeded and the PSP authorized (or captured) the
-- payment, or the authentication failed (declined) or errored (failed), or the challenge was abandoned.
INSERT INTO "payment_status_transitions" ("from_status", "to_status") VALUES
  ('PENDING', 'REQUIRES_ACTION'),
  ('REQUIRES_ACTION', 'AUTHORIZED'), ('REQUIRES_ACTION', 'CAPTURED'), ('REQUIRES_ACTION', 'REQUIRES_REVIEW'),
  ('REQUIRES_ACTION', 'DECLINED'), ('REQUIRES_ACTION', 'FAILED'), ('REQUIRES_ACTION', 'CANCELLED');

-- The authentication's outcome as the PSP reported it (status, flow, protocol version, ECI, liability shift):
-- a small JSON object whose shape the core's three-d-secure.ts defines; NULL for a payment never authenticated.
ALTER TABLE "payments" ADD COLUMN "three_d_secure" JSONB;
ALTER TABLE "payments" ADD CONSTRAINT "payments_three_d_secure_shape" CHECK (
  "three_d_secure" IS NULL OR (
    jsonb_typeof("three_d_secure") = 'object'
    AND "three_d_secure"->>'status' IN ('AUTHENTICATED', 'CHALLENGE_REQUIRED', 'FAILED', 'ABANDONED')
    AND jsonb_typeof("three_d_secure"->'liabilityShift') = 'boolean'
  )
);
-- The challenge page the customer must visit (the PSP's), set only while the payment REQUIRES_ACTION.
ALTER TABLE "payments" ADD COLUMN "next_action_url" TEXT;
-- Past this, an uncompleted challenge is abandoned: the expiry worker cancels the payment.
ALTER TABLE "payments" ADD COLUMN "action_expires_at" TIMESTAMPTZ(3);
-- Where paycore sends the customer after the challenge (the merchant's page, or the hosted checkout's).
ALTER TABLE "payments" ADD COLUMN "return_url" TEXT;
ALTER TABLE "payments" ADD CONSTRAINT "payments_return_url_bounded"
  CHECK ("return_url" IS NULL OR length("return_url") <= 2048);
ALTER TABLE "payments" ADD CONSTRAINT "payments_next_action_only_when_required"
  CHECK (("next_action_url" IS NULL AND "action_expires_at" IS NULL) OR "status" = 'REQUIRES_ACTION');

-- The expiry worker's scan: challenges past their time, oldest first.
CREATE INDEX "payments_action_expiry_idx" ON "payments" ("action_expires_at")
  WHERE "status" = 'REQUIRES_ACTION';

-- Merchants' webhooks: a payment waiting for its customer's authentication.
INSERT INTO "webhook_event_types" ("type") VALUES ('payment.requires_action') ON CONFLICT DO NOTHING;
