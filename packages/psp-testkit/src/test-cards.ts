/**
 * The one table of magic card numbers, served by both sandboxes: the sandbox server
 * (apps/psp-sandbox, both emulated PSPs) and the in-process sandbox (./sandbox-psp.ts).
 * The number alone decides the outcome; any future expiry and any CVC are accepted.
 */
import { luhnValid as digitsLuhnValid } from "@paycore/core/vault/card";

/** A hard no from the issuer: nothing is authorized. Stripe answers 402, Adyen resultCode "Refused". */
export type SandboxDeclineCode =
  | "card_declined"
  | "insufficient_funds"
  | "expired_card"
  | "incorrect_cvc"
  | "lost_card"
  | "stolen_card"
  | "fraudulent";

/** Cards that make the PSP or its network misbehave in one specific, reproducible way. */
export type SandboxScenario =
  /** The first attempt with an idempotency key answers 503 and charges nothing; a retry with that key succeeds. */
  | "transient_5xx"
  /** Charges, then holds the response for `hangMs` so the client times out; a retry with the key replays the success. */
  | "timeout_after_charge"
  /** The first attempt with an idempotency key hangs without charging; a retry processes normally. */
  | "timeout_before_charge"
  /** Stripe: status "processing", later payment_intent.succeeded. Adyen: "Received", later AUTHORISATION true. */
  | "async_approve"
  /** Stripe: status "processing", later payment_intent.payment_failed. Adyen: "Received", later AUTHORISATION false. */
  | "async_decline"
  /** Approved; every webhook for the payment is delivered `lateWebhookDelayMs` late. */
  | "late_webhook"
  /** Approved; every webhook for the payment is delivered two or three times. */
  | "duplicate_webhook"
  /** Approved; webhooks raised within `outOfOrderWindowMs` of the first one are delivered newest first. */
  | "out_of_order_webhooks"
  /** Approved; a capture fails (Stripe: 400 charge_expired_for_capture; Adyen: CAPTURE then CAPTURE_FAILED). */
  | "capture_fails"
  /** Approved; a refund fails after being accepted (Stripe: pending then refund.updated failed; Adyen: REFUND then REFUND_FAILED). */
  | "refund_fails"
  /**
   * Approved and captured, then disputed as fraudulent (a chargeback: the money is withdrawn). Evidence loses.
   * Stripe: charge.dispute.created, .funds_withdrawn; after evidence .updated then .closed lost; undefended past
   * the due date .closed lost. Adyen: NOTIFICATION_OF_CHARGEBACK, CHARGEBACK; after evidence INFORMATION_SUPPLIED,
   * CHARGEBACK_REVERSED then SECOND_CHARGEBACK; undefended DISPUTE_DEFENSE_PERIOD_ENDED.
   */
  | "dispute_fraudulent"
  /**
   * Approved and captured, then an inquiry (retrieval request: no money moves). Stripe: charge.dispute.created
   * warning_needs_response; evidence .updated warning_under_review then .closed warning_closed; undefended
   * .closed warning_closed. Adyen: REQUEST_FOR_INFORMATION; evidence INFORMATION_SUPPLIED.
   */
  | "dispute_inquiry"
  /**
   * Approved and captured, then disputed (a chargeback); WON when evidence is submitted, lost otherwise.
   * Stripe: after evidence .updated, .closed won and .funds_reinstated. Adyen: after evidence
   * INFORMATION_SUPPLIED and CHARGEBACK_REVERSED.
   */
  | "dispute_won_with_evidence";

/**
 * 3-D Secure as the PSPs' test modes simulate it: frictionless (the issuer authenticates without the customer),
 * challenge (the customer must complete the issuer's challenge page, served by the sandbox, then the payment is
 * authorized or, when they fail it, declined), or frictionless_failed (the issuer refuses at once).
 */
export type SandboxThreeDSecureFlow = "frictionless" | "challenge" | "frictionless_failed";

export type SandboxCardOutcome =
  | { kind: "approve" }
  /** 3-D Secure is required for this card; the flow says how the authentication goes. */
  | { kind: "three_d_secure"; flow: SandboxThreeDSecureFlow }
  | { kind: "decline"; code: SandboxDeclineCode }
  /** The PSP failed without charging (Stripe: 402 processing_error; Adyen: resultCode "Error"). */
  | { kind: "processing_error" }
  | { kind: "scenario"; scenario: SandboxScenario };

export interface SandboxCard {
  readonly number: string;
  readonly outcome: SandboxCardOutcome;
  readonly description: string;
}

export const SANDBOX_CARDS: ReadonlyArray<SandboxCard> = Object.freeze([
  { number: "4242424242424242", outcome: { kind: "approve" }, description: "Approved (Visa)" },
  { number: "5555555555554444", outcome: { kind: "approve" }, description: "Approved (Mastercard)" },
  // Funding types (issue 18): approved cards the BIN table knows as debit or prepaid (4242… is credit).
  { number: "4000056655665556", outcome: { kind: "approve" }, description: "Approved (Visa debit)" },
  { number: "5200828282828210", outcome: { kind: "approve" }, description: "Approved (Mastercard debit)" },
  { number: "5105105105105100", outcome: { kind: "approve" }, description: "Approved (Mastercard prepaid)" },
  {
    number: "4000000000000002",
    outcome: { kind: "decline", code: "card_declined" },
    description: "Declined: generic decline",
  },
  {
    number: "4000000000009995",
    outcome: { kind: "decline", code: "insufficient_funds" },
    description: "Declined: insufficient funds",
  },
  {
    number: "4000000000000069",
    outcome: { kind: "decline", code: "expired_card" },
    description: "Declined: expired card",
  },
  {
    number: "4000000000000127",
    outcome: { kind: "decline", code: "incorrect_cvc" },
    description: "Declined: incorrect CVC",
  },
  {
    number: "4000000000009987",
    outcome: { kind: "decline", code: "lost_card" },
    description: "Declined: lost card",
  },
  {
    number: "4000000000009979",
    outcome: { kind: "decline", code: "stolen_card" },
    description: "Declined: stolen card",
  },
  {
    number: "4100000000000019",
    outcome: { kind: "decline", code: "fraudulent" },
    description: "Declined: suspected fraud",
  },
  {
    number: "4000000000000119",
    outcome: { kind: "processing_error" },
    description: "Processing error: nothing is charged (Stripe 402 processing_error, Adyen resultCode Error)",
  },
  {
    number: "4000009900000012",
    outcome: { kind: "scenario", scenario: "transient_5xx" },
    description:
      "First attempt per idempotency key: 503, nothing charged; a retry with the same key succeeds",
  },
  {
    number: "4000009900000020",
    outcome: { kind: "scenario", scenario: "timeout_after_charge" },
    description: "Charges, then holds the response for hangMs; a retry with the same key replays the success",
  },
  {
    number: "4000009900000038",
    outcome: { kind: "scenario", scenario: "timeout_before_charge" },
    description: "First attempt per idempotency key hangs without charging; a retry processes normally",
  },
  {
    number: "4000009900000046",
    outcome: { kind: "scenario", scenario: "async_approve" },
    description: "Outcome only by webhook: pending now (processing / Received), approved later",
  },
  {
    number: "4000009900000053",
    outcome: { kind: "scenario", scenario: "async_decline" },
    description: "Outcome only by webhook: pending now (processing / Received), declined later",
  },
  {
    number: "4000009900000061",
    outcome: { kind: "scenario", scenario: "late_webhook" },
    description: "Approved; its webhooks arrive lateWebhookDelayMs late",
  },
  {
    number: "4000009900000079",
    outcome: { kind: "scenario", scenario: "duplicate_webhook" },
    description: "Approved; each of its webhooks is delivered 2 or 3 times",
  },
  {
    number: "4000009900000087",
    outcome: { kind: "scenario", scenario: "out_of_order_webhooks" },
    description: "Approved; its webhooks raised within outOfOrderWindowMs are delivered newest first",
  },
  {
    number: "4000009900000095",
    outcome: { kind: "scenario", scenario: "capture_fails" },
    description: "Approved; capturing it fails (Stripe 400, Adyen CAPTURE then CAPTURE_FAILED)",
  },
  {
    number: "4000009900000103",
    outcome: { kind: "scenario", scenario: "refund_fails" },
    description:
      "Approved; refunds fail after acceptance (Stripe pending then failed, Adyen REFUND then REFUND_FAILED)",
  },
  // Dispute cards (Stripe's documented numbers; the Adyen-style PSP sends its own notification sequence for them).
  {
    number: "4000000000000259",
    outcome: { kind: "scenario", scenario: "dispute_fraudulent" },
    description: "Captured, then disputed as fraudulent (chargeback); evidence loses",
  },
  {
    number: "4000000000001976",
    outcome: { kind: "scenario", scenario: "dispute_inquiry" },
    description: "Captured, then an inquiry (no money moves); closed after evidence or the due date",
  },
  {
    number: "4000000000002685",
    outcome: { kind: "scenario", scenario: "dispute_won_with_evidence" },
    description: "Captured, then disputed (chargeback); won when evidence is submitted, lost otherwise",
  },
  // 3-D Secure (issue 20). Stripe documents 4000 0027 6000 3184 and 4000 0000 0000 3220 as cards that always
  // ask for a challenge; Adyen documents 4212 3456 7891 0006 (challenge) and 5201 2815 0512 9736 (frictionless)
  // as enrolled 3D Secure 2 cards. 4000 0000 0000 3063 is Stripe's "3DS required" card, which this sandbox
  // authenticates frictionlessly; 4000 0099 0000 0111 is the sandbox's own: the issuer refuses the
  // authentication without a challenge. Both sandbox PSPs serve every card.
  {
    number: "4000000000003063",
    outcome: { kind: "three_d_secure", flow: "frictionless" },
    description: "3-D Secure required: authenticated frictionlessly (liability shift), then approved",
  },
  {
    number: "5201281505129736",
    outcome: { kind: "three_d_secure", flow: "frictionless" },
    description:
      "3-D Secure 2 (Adyen's frictionless Mastercard): authenticated frictionlessly, then approved",
  },
  {
    number: "4000002760003184",
    outcome: { kind: "three_d_secure", flow: "challenge" },
    description:
      "3-D Secure required on every payment: challenge (complete it to approve, fail it to decline)",
  },
  {
    number: "4000000000003220",
    outcome: { kind: "three_d_secure", flow: "challenge" },
    description: "3-D Secure 2 challenge must be completed (complete it to approve, fail it to decline)",
  },
  {
    number: "4212345678910006",
    outcome: { kind: "three_d_secure", flow: "challenge" },
    description:
      "3-D Secure 2 (Adyen's challenge Visa): challenge (complete it to approve, fail it to decline)",
  },
  {
    number: "4000009900000111",
    outcome: { kind: "three_d_secure", flow: "frictionless_failed" },
    description:
      "3-D Secure required: the issuer refuses the authentication (declined authentication_failed)",
  },
] satisfies SandboxCard[]);

/** What a sandbox reports of an authentication (the shape of the core's ThreeDSecureRecord). */
export function sandboxThreeDSecure(
  flow: "FRICTIONLESS" | "CHALLENGE",
  authenticated: boolean | null,
  brand: string,
) {
  // ECI: 05 (Visa) / 02 (Mastercard) fully authenticated, 07 / 00 not authenticated.
  const mastercard = brand === "mastercard";
  const eci =
    authenticated === true
      ? mastercard
        ? "02"
        : "05"
      : authenticated === false
        ? mastercard
          ? "00"
          : "07"
        : null;
  return {
    status:
      authenticated === true ? "AUTHENTICATED" : authenticated === false ? "FAILED" : "CHALLENGE_REQUIRED",
    flow,
    version: "2.2.0",
    eci,
    liabilityShift: authenticated === true,
  } as const;
}

const CARDS_BY_NUMBER: ReadonlyMap<string, SandboxCard> = new Map(
  SANDBOX_CARDS.map((card) => [card.number, card]),
);

/** A 12-19 digit number with a valid Luhn check digit (the core's check, bounded to card lengths). */
export function luhnValid(number: string): boolean {
  return /^\d{12,19}$/.test(number) && digitsLuhnValid(number);
}

/** The table's entry for a number (spaces and dashes ignored), when it has one. */
export function sandboxCard(rawNumber: string): SandboxCard | undefined {
  return CARDS_BY_NUMBER.get(rawNumber.replace(/[\s-]/g, ""));
}

/** The outcome of a card number, or null when it is not a Luhn-valid number at all. */
export function cardOutcome(rawNumber: string): SandboxCardOutcome | null {
  const number = rawNumber.replace(/[\s-]/g, "");
  if (!luhnValid(number)) return null;
  return CARDS_BY_NUMBER.get(number)?.outcome ?? { kind: "approve" };
}

export function cardScenario(outcome: SandboxCardOutcome): SandboxScenario | null {
  return outcome.kind === "scenario" ? outcome.scenario : null;
}

export function cardBrand(number: string): "visa" | "mastercard" | "amex" | "unknown" {
  if (number.startsWith("4")) return "visa";
  if (/^(5[1-5]|2[2-7])/.test(number)) return "mastercard";
  if (/^3[47]/.test(number)) return "amex";
  return "unknown";
}
