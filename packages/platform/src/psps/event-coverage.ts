// Nothing a PSP says is ignored: every event type is either handled (mapped onto a payment or dispute
// notification), or on the explicit informational list (stored in psp_webhook_events and shown in the console's
// webhook list, nothing to apply), or dead-lettered with the reason `unsupported event type` for an operator.
// Adding a type to a PSP means adding it to one of these lists.
import { ADYEN_DISPUTE_EVENT_CODES } from "./adyen/disputes";
import { STRIPE_DISPUTE_EVENT_TYPES } from "./stripe/disputes";

export type EventCoverage = "handled" | "informational" | "unsupported";

export const STRIPE_HANDLED_TYPES: ReadonlySet<string> = new Set([
  "payment_intent.succeeded",
  "payment_intent.amount_capturable_updated",
  "payment_intent.payment_failed",
  "payment_intent.canceled",
  "refund.created",
  "refund.updated",
  "refund.failed",
  "charge.refunded",
  "charge.refund.updated",
  ...STRIPE_DISPUTE_EVENT_TYPES,
  // A settlement report is ready: queued for download and import (issue 16).
  "reporting.report_run.succeeded",
]);

/** Stripe events that repeat what a handled event says, or change nothing of ours. */
export const STRIPE_INFORMATIONAL_TYPES: ReadonlySet<string> = new Set([
  "payment_intent.created",
  "payment_intent.processing",
  "payment_intent.requires_action",
  "charge.succeeded",
  "charge.captured",
  "charge.failed",
  "charge.pending",
  "charge.updated",
  "payment_method.attached",
  "reporting.report_run.failed",
]);

export const ADYEN_HANDLED_CODES: ReadonlySet<string> = new Set([
  "AUTHORISATION",
  "CAPTURE",
  "CAPTURE_FAILED",
  "CANCELLATION",
  "REFUND",
  "REFUND_FAILED",
  ...ADYEN_DISPUTE_EVENT_CODES,
  // A settlement report is ready: queued for download with the report user's credentials (issue 16).
  "REPORT_AVAILABLE",
]);

/** Adyen notifications that tell an operator something but change no payment or dispute of ours. */
export const ADYEN_INFORMATIONAL_CODES: ReadonlySet<string> = new Set([
  "ISSUER_COMMENTS",
  "ISSUER_RESPONSE_TIMEFRAME_EXPIRED",
  "PENDING",
]);

export function stripeEventCoverage(type: string): EventCoverage {
  if (STRIPE_HANDLED_TYPES.has(type)) return "handled";
  return STRIPE_INFORMATIONAL_TYPES.has(type) ? "informational" : "unsupported";
}

export function adyenEventCoverage(eventCode: string): EventCoverage {
  if (ADYEN_HANDLED_CODES.has(eventCode)) return "handled";
  return ADYEN_INFORMATIONAL_CODES.has(eventCode) ? "informational" : "unsupported";
}

/** The dead-letter reason of an event type on neither list. */
export const UNSUPPORTED_EVENT_TYPE = "unsupported event type";
