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
  "payment.canceled",
  "payment.requires_review",
  // 3-D Secure (issue 20): the customer must complete a challenge (nextAction on the payment).
  "payment.requires_action",
  "payment.review_decided",
  "refund.created",
  "refund.succeeded",
  "refund.failed",
  // A bank-transfer refund sent back by the payer's bank after it was paid (issue 18, migration 20261211020300).
  "refund.returned",
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
  // The merchant's account: its onboarding status changed, or it was frozen (ONBOARDING_TOPIC in
  // ../onboarding/onboarding-state-machine.ts and the sanctions store); migration 20261210060100.
  "account.updated",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * Former names, still accepted in an endpoint's enabledEvents and in the events feed's filter: an endpoint that
 * enabled one receives its current name. One spelling across every type, "canceled" as Stripe and our payout
 * events spell it (migration 20261210060100 keeps the same map in webhook_event_types.replaced_by).
 */
export const DEPRECATED_WEBHOOK_EVENT_TYPES = {
  "payment.cancelled": "payment.canceled",
} as const satisfies Record<string, WebhookEventType>;

export type DeprecatedWebhookEventType = keyof typeof DEPRECATED_WEBHOOK_EVENT_TYPES;

/** Subscribes an endpoint to every type, including types added later. */
export const ALL_EVENTS = "*";

const KNOWN: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES);

export function isWebhookEventType(value: string): value is WebhookEventType {
  return KNOWN.has(value);
}

export function isDeprecatedWebhookEventType(value: string): value is DeprecatedWebhookEventType {
  return Object.hasOwn(DEPRECATED_WEBHOOK_EVENT_TYPES, value);
}

/** The type's current name: itself, or the current name of a deprecated one. */
export function currentWebhookEventType(value: string): string {
  return isDeprecatedWebhookEventType(value) ? DEPRECATED_WEBHOOK_EVENT_TYPES[value] : value;
}

/** Every name a type has had (itself and its deprecated aliases): what the events feed matches for a filter. */
export function webhookEventTypeNames(value: string): string[] {
  const current = currentWebhookEventType(value);
  const aliases = Object.entries(DEPRECATED_WEBHOOK_EVENT_TYPES)
    .filter(([, to]) => to === current)
    .map(([from]) => from);
  return [current, ...aliases];
}
