// The event types a merchant's webhook endpoint can subscribe to, and the events feed's filter. An event type
// is the outbox topic of the change that made it. The migration's webhook_event_types table holds the same
// list (an integration test compares them): an outbox topic not in it makes no event. A new kind of object adds
// its types here, in a migration that inserts them, and its snapshot in webhook_object_snapshot (SQL).

export const WEBHOOK_EVENT_TYPES = [
  "payment.created",
  "payment.authorized",
  "payment.captured",
  "payment.declined",
  "payment.failed",
  "payment.cancelled",
  "payment.requires_review",
  // 3-D Secure (issue 20): the customer must complete a challenge (nextAction on the payment).
  "payment.requires_action",
  "payment.review_decided",
  "refund.created",
  "refund.succeeded",
  "refund.failed",
  // Disputes (outbox topics of packages/core/src/disputes/dispute-commands.ts).
  "dispute.created",
  "dispute.updated",
  "dispute.closed",
  // Invoices (INVOICE_EVENT_TOPICS in packages/core/src/invoices/invoice-state-machine.ts).
  "invoice.finalized",
  "invoice.paid",
  "invoice.voided",
  "invoice.marked_uncollectible",
  // Payouts (PAYOUT_STATUS_TOPICS in packages/core/src/payouts/payout-state-machine.ts) and bank accounts
  // (BANK_ACCOUNT_STATUS_TOPICS in ../payouts/bank-account-state-machine.ts); migration 20261209130000.
  "payout.created",
  "payout.in_transit",
  "payout.paid",
  "payout.failed",
  "payout.canceled",
  "payout.returned",
  "bank_account.verified",
  "bank_account.verification_failed",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Subscribes an endpoint to every type, including types added later. */
export const ALL_EVENTS = "*";

const KNOWN: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES);

export function isWebhookEventType(value: string): value is WebhookEventType {
  return KNOWN.has(value);
}
