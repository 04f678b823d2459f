import { createHash } from "node:crypto";
import { readMinorDigits } from "@paycore/core/money/money";
import {
  cardBrand,
  cardOutcome,
  cardScenario,
  type SandboxDeclineCode,
} from "@paycore/psp-testkit/test-cards";
import qs from "qs";
import Stripe from "stripe";
import {
  capturableMinor,
  moneyStatus,
  refundableMinor,
  type SandboxCharge,
  type SandboxRefund,
} from "./charge-ledger";
import { DisputeError, type SandboxDispute, type SandboxDisputeEvent } from "./disputes";
import { headerValue } from "./http-kit";
import type { StoredResponse } from "./idempotency-store";
import { exponentOf, formatMinorUnits } from "./minor-units";
import type { PspCall, PspDialect, PspResult } from "./psp-pipeline";
import { type ReportRun, reportRunJson } from "./report-announcements";
import type { SandboxContext } from "./sandbox-context";
import { stripeId } from "./sandbox-ids";

/** JSON numbers lose precision past 2^53; Stripe caps amounts far lower anyway. */
const AMOUNT_MINOR_MAX = BigInt(Number.MAX_SAFE_INTEGER);

type StripeStatus =
  | "processing"
  | "requires_capture"
  | "succeeded"
  | "canceled"
  | "requires_payment_method"
  | "requires_action";

/** What Stripe keeps about a PaymentIntent beyond the sandbox's ledger of money. */
interface IntentExtras {
  readonly created: number;
  readonly metadata: Record<string, string>;
  readonly paymentMethodId: string;
  lastPaymentError: Record<string, unknown> | null;
  cancellationReason: string | null;
  canceledAt: number | null;
  /** 3-D Secure: how the cardholder was authenticated (result null while the challenge waits). */
  threeDSecure: { flow: "frictionless" | "challenge"; result: "authenticated" | "failed" | null } | null;
  /** 3-D Secure: where the challenge page sends the customer back (return_url). */
  returnUrl: string | null;
  /** The create request asked for latest_charge expanded (expand[]=latest_charge). */
  expandCharge: boolean;
}

interface StripeDecline {
  readonly code: string;
  readonly declineCode: string;
  readonly message: string;
}

const DECLINES: Readonly<
  Record<SandboxDeclineCode | "processing_error" | "authentication_failed", StripeDecline>
> = {
  // 3-D Secure failed (frictionless refusal or a failed challenge): Stripe's payment_intent_authentication_failure.
  authentication_failed: {
    code: "payment_intent_authentication_failure",
    declineCode: "authentication_failed",
    message: "The provided PaymentMethod has failed authentication.",
  },
  card_declined: {
    code: "card_declined",
    declineCode: "generic_decline",
    message: "Your card was declined.",
  },
  insufficient_funds: {
    code: "card_declined",
    declineCode: "insufficient_funds",
    message: "Your card has insufficient funds.",
  },
  expired_card: { code: "expired_card", declineCode: "expired_card", message: "Your card has expired." },
  incorrect_cvc: {
    code: "incorrect_cvc",
    declineCode: "incorrect_cvc",
    message: "Your card's security code is incorrect.",
  },
  lost_card: { code: "card_declined", declineCode: "lost_card", message: "Your card was declined." },
  stolen_card: { code: "card_declined", declineCode: "stolen_card", message: "Your card was declined." },
  fraudulent: { code: "card_declined", declineCode: "fraudulent", message: "Your card was declined." },
  processing_error: {
    code: "processing_error",
    declineCode: "processing_error",
    message: "An error occurred while processing your card. Try again in a little bit.",
  },
};

const CANCELLATION_REASONS = new Set(["duplicate", "fraudulent", "requested_by_customer", "abandoned"]);

type Form = Record<string, unknown>;

class ParamError extends Error {
  constructor(
    readonly code: string,
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}

function asForm(body: unknown): Form {
  return typeof body === "object" && body !== null ? (body as Form) : {};
}

function stringParam(form: Form, name: string): string | undefined {
  const value = form[name];
  return typeof value === "string" ? value : undefined;
}

function amountParam(form: Form, name: string, required: boolean): bigint | undefined {
  const value = form[name];
  if (value === undefined) {
    if (required) throw new ParamError("parameter_missing", name, `Missing required param: ${name}.`);
    return undefined;
  }
  // The core's one rule for amounts as text (canonical digits, bounded length): our adapter never sends another.
  const reading = typeof value === "string" ? readMinorDigits(value) : null;
  if (reading === null || (!reading.ok && reading.reason === "not_canonical")) {
    throw new ParamError("parameter_invalid_integer", name, `Invalid integer: ${String(value)}`);
  }
  if (!reading.ok) throw new ParamError("amount_too_large", name, "Amount is too large.");
  const amount = reading.amountMinor;
  if (amount < 1n) throw new ParamError("amount_too_small", name, "Amount must be at least 1 minor unit.");
  if (amount > AMOUNT_MINOR_MAX) throw new ParamError("amount_too_large", name, "Amount is too large.");
  return amount;
}

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** A file uploaded through Stripe's Files API (`files.create`, multipart), kept in memory with its owner. */
interface SandboxFile {
  readonly id: string;
  /** The uploading account (its key's fingerprint): only it may reference the file. */
  readonly account: string;
  readonly purpose: string;
  readonly filename: string;
  readonly contentType: string;
  readonly bytes: Buffer;
  readonly created: number;
}

/** An upload's file part as parsed: its bytes ride along outside the fingerprinted value (non-enumerable). */
interface UploadedPart {
  name: string;
  type: string;
  size: number;
  sha256: string;
}

const FILES_MAX = 10_000;
/** The purposes the sandbox takes (Stripe has more); the request body bound (1 MiB) bounds each file. */
const FILE_PURPOSES = new Set(["dispute_evidence"]);
/** What Stripe takes as dispute evidence (PDF, JPEG, PNG), by the content's leading bytes, with its file type. */
const EVIDENCE_FILE_SIGNATURES: ReadonlyArray<{ type: string; mime: string; bytes: readonly number[] }> = [
  { type: "pdf", mime: "application/pdf", bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  { type: "jpg", mime: "image/jpeg", bytes: [0xff, 0xd8, 0xff] },
  { type: "png", mime: "image/png", bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
];
/** Stripe's dispute evidence fields that take a file id (the rest are text). */
export const STRIPE_EVIDENCE_FILE_FIELDS: ReadonlySet<string> = new Set([
  "cancellation_policy",
  "customer_communication",
  "customer_signature",
  "duplicate_charge_documentation",
  "receipt",
  "refund_policy",
  "service_documentation",
  "shipping_documentation",
  "uncategorized_file",
]);

/** Parses a multipart/form-data body (WHATWG's parser, as Node's fetch Request implements it). */
async function parseMultipart(bytes: Buffer, contentType: string): Promise<Form | null> {
  let data: FormData;
  try {
    data = await new Request("http://sandbox.invalid/", {
      method: "POST",
      headers: { "content-type": contentType },
      body: new Uint8Array(bytes),
    }).formData();
  } catch {
    return null;
  }
  const form: Form = {};
  for (const [name, value] of data.entries()) {
    if (typeof value === "string") {
      form[name] = value;
      continue;
    }
    const content = Buffer.from(await value.arrayBuffer());
    const part: UploadedPart = {
      name: value.name,
      type: value.type,
      size: content.length,
      sha256: createHash("sha256").update(content).digest("hex"),
    };
    Object.defineProperty(part, "content", { value: content, enumerable: false });
    form[name] = part;
  }
  return form;
}

/** The Stripe-style API under /v1, driven by the official `stripe` SDK. */
export function createStripeApi(context: SandboxContext): {
  dialect: PspDialect;
  announceReportRun(run: ReportRun): void;
  clear(): void;
} {
  const { ledger } = context;
  const intents = new Map<string, IntentExtras>();
  const refundIntentIds = new Map<string, string>();
  const chargeIntentIds = new Map<string, string>();
  const files = new Map<string, SandboxFile>();

  function respond(status: number, body: unknown, store: boolean, holdMs?: number): PspResult {
    return holdMs === undefined
      ? { kind: "respond", status, body, store }
      : { kind: "respond", status, body, store, holdMs };
  }

  function invalidRequest(code: string | null, message: string, param?: string) {
    return { error: { type: "invalid_request_error", ...(code === null ? {} : { code }), message, param } };
  }

  function stripeStatus(charge: SandboxCharge, extras: IntentExtras): StripeStatus {
    if (extras.canceledAt !== null) return "canceled";
    switch (charge.status) {
      case "pending":
        return "processing";
      case "authorized":
        return "requires_capture";
      case "captured":
      case "partially_refunded":
      case "refunded":
        return "succeeded";
      case "voided":
        return "canceled";
      case "declined":
      case "failed":
        return "requires_payment_method";
      case "requires_action":
        return "requires_action";
    }
  }

  /** What Stripe's Charge says of 3-D Secure (payment_method_details.card.three_d_secure). */
  function threeDSecureJson(charge: SandboxCharge, extras: IntentExtras): Record<string, unknown> | null {
    const authentication = extras.threeDSecure;
    if (authentication === null || authentication.result === null) return null;
    const authenticated = authentication.result === "authenticated";
    const mastercard = charge.cardBrand === "mastercard";
    return {
      authentication_flow: authentication.flow,
      result: authentication.result,
      version: "2.2.0",
      electronic_commerce_indicator: authenticated ? (mastercard ? "02" : "05") : mastercard ? "00" : "07",
    };
  }

  function intentJson(charge: SandboxCharge): Record<string, unknown> {
    const extras = intents.get(charge.pspReference)!;
    const status = stripeStatus(charge, extras);
    return {
      ...(extras.expandCharge ? { latest_charge: chargeJson(charge) } : {}),
      next_action:
        status === "requires_action"
          ? {
              type: "redirect_to_url",
              redirect_to_url: {
                url: `${context.publicUrl()}/3ds/challenge/stripe/${charge.pspReference}`,
                return_url: extras.returnUrl,
              },
            }
          : null,
      id: charge.pspReference,
      object: "payment_intent",
      amount: Number(charge.amountMinor),
      amount_capturable: status === "requires_capture" ? Number(capturableMinor(charge)) : 0,
      amount_received: Number(charge.capturedMinor),
      canceled_at: extras.canceledAt,
      cancellation_reason: extras.cancellationReason,
      capture_method: charge.captureMethod,
      created: extras.created,
      currency: charge.currency.toLowerCase(),
      description: null,
      last_payment_error: extras.lastPaymentError,
      ...(extras.expandCharge ? {} : { latest_charge: charge.chargeId }),
      livemode: false,
      metadata: extras.metadata,
      payment_method: extras.paymentMethodId,
      payment_method_types: ["card"],
      status,
    };
  }

  function chargeJson(charge: SandboxCharge): Record<string, unknown> {
    const extras = intents.get(charge.pspReference)!;
    return {
      id: charge.chargeId,
      object: "charge",
      amount: Number(charge.amountMinor),
      amount_captured: Number(charge.capturedMinor),
      amount_refunded: Number(charge.refundedMinor),
      captured: charge.capturedMinor > 0n,
      created: extras.created,
      currency: charge.currency.toLowerCase(),
      livemode: false,
      metadata: extras.metadata,
      paid: charge.authorizedMinor > 0n,
      payment_intent: charge.pspReference,
      payment_method_details: {
        type: "card",
        card: {
          brand: charge.cardBrand,
          last4: charge.cardLast4,
          three_d_secure: threeDSecureJson(charge, extras),
        },
      },
      refunded: charge.capturedMinor > 0n && charge.refundedMinor >= charge.capturedMinor,
      status: charge.authorizedMinor > 0n ? "succeeded" : "failed",
    };
  }

  function refundJson(charge: SandboxCharge, refund: SandboxRefund): Record<string, unknown> {
    return {
      id: refund.id,
      object: "refund",
      amount: Number(refund.amountMinor),
      charge: charge.chargeId,
      created: unixSeconds(new Date(refund.createdAt)),
      currency: charge.currency.toLowerCase(),
      metadata: {},
      payment_intent: charge.pspReference,
      reason: null,
      status: refund.status,
      ...(refund.status === "failed" ? { failure_reason: "expired_or_canceled_card" } : {}),
    };
  }

  function emit(charge: SandboxCharge, type: string, expanded: Record<string, unknown>, key: string | null) {
    // Events never carry expansions: a PaymentIntent names its latest charge by id.
    const object =
      expanded.object === "payment_intent" && typeof expanded.latest_charge === "object"
        ? { ...expanded, latest_charge: charge.chargeId }
        : expanded;
    ledger.note(charge, "webhook_raised", { detail: type });
    send(type, object, key, context.schedule.delaysFor(charge), charge.pspReference);
  }

  /** Signs and queues one event (per copy), with or without a payment behind it. */
  function send(
    type: string,
    object: Record<string, unknown>,
    key: string | null,
    delays: number[],
    paymentPspReference: string,
  ) {
    const config = context.webhooks.stripe;
    if (config === undefined) return;
    const event = {
      id: stripeId("evt"),
      object: "event",
      api_version: Stripe.API_VERSION,
      created: unixSeconds(context.now()),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: key },
      type,
    };
    const body = JSON.stringify(event, null, 2);
    for (const delayMs of delays) {
      context.dispatcher.enqueue({
        psp: "stripe",
        eventId: event.id,
        eventType: type,
        paymentPspReference,
        body,
        delayMs,
        endpoint: {
          url: config.url,
          // Signed per attempt with the current time, as Stripe does.
          headersFor: (payload) => ({
            "Stripe-Signature": Stripe.webhooks.generateTestHeaderString({ payload, secret: config.secret }),
          }),
          accepted: (statusCode) => statusCode >= 200 && statusCode < 300,
        },
      });
    }
  }

  function authorize(charge: SandboxCharge, key: string | null): void {
    charge.authorizedMinor = charge.amountMinor;
    ledger.note(charge, "authorized", { amountMinor: charge.amountMinor });
    if (charge.captureMethod === "automatic") {
      charge.capturedMinor = charge.amountMinor;
      ledger.note(charge, "captured", { amountMinor: charge.amountMinor });
      ledger.addSettlement({
        kind: "capture",
        id: stripeId("txn"),
        charge,
        sourceId: charge.chargeId!,
        amountMinor: charge.amountMinor,
      });
    }
    charge.status = moneyStatus(charge);
    if (charge.captureMethod === "automatic") {
      emit(charge, "payment_intent.succeeded", intentJson(charge), key);
      context.disputes.afterCapture(charge);
    } else {
      emit(charge, "payment_intent.amount_capturable_updated", intentJson(charge), key);
    }
  }

  function decline(
    charge: SandboxCharge,
    reason: SandboxDeclineCode | "processing_error" | "authentication_failed",
    key: string | null,
  ) {
    const decline = DECLINES[reason];
    const extras = intents.get(charge.pspReference)!;
    charge.status = reason === "processing_error" ? "failed" : "declined";
    charge.declineCode = decline.declineCode;
    extras.lastPaymentError = {
      type: "card_error",
      code: decline.code,
      decline_code: decline.declineCode,
      message: decline.message,
      charge: charge.chargeId,
      payment_method: { id: extras.paymentMethodId, object: "payment_method", type: "card" },
    };
    ledger.note(charge, charge.status, { detail: decline.declineCode });
    emit(charge, "payment_intent.payment_failed", intentJson(charge), key);
  }

  function cardErrorBody(charge: SandboxCharge): Record<string, unknown> {
    const extras = intents.get(charge.pspReference)!;
    return { error: { ...extras.lastPaymentError, payment_intent: intentJson(charge) } };
  }

  function notFound(kind: string, id: string, param: string): PspResult {
    return respond(404, invalidRequest("resource_missing", `No such ${kind}: '${id}'`, param), false);
  }

  function createPaymentIntent(call: PspCall): PspResult {
    const form = asForm(call.body);
    const amountMinor = amountParam(form, "amount", true)!;
    const currency = stringParam(form, "currency");
    if (currency === undefined)
      throw new ParamError("parameter_missing", "currency", "Missing required param: currency.");
    if (exponentOf(currency) === null)
      throw new ParamError("parameter_invalid", "currency", `Invalid currency: ${currency}.`);
    if (stringParam(form, "confirm") !== "true") {
      throw new ParamError(
        "parameter_invalid",
        "confirm",
        "The sandbox only creates PaymentIntents with confirm=true.",
      );
    }
    const captureMethodParam = stringParam(form, "capture_method") ?? "automatic";
    if (!["automatic", "automatic_async", "manual"].includes(captureMethodParam)) {
      throw new ParamError(
        "parameter_invalid",
        "capture_method",
        `Invalid capture_method: ${captureMethodParam}.`,
      );
    }
    const methodData = asForm(form.payment_method_data);
    const card = asForm(methodData.card);
    const number = stringParam(card, "number");
    if (stringParam(methodData, "type") !== "card" || number === undefined) {
      throw new ParamError(
        "parameter_missing",
        "payment_method_data[card][number]",
        "Missing required param: payment_method_data[card][number] (with payment_method_data[type]=card).",
      );
    }
    const metadataForm = asForm(form.metadata);
    const metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(metadataForm))
      if (typeof value === "string") metadata[name] = value;
    const reference = metadata.reference ?? "";

    const outcome = cardOutcome(number);
    if (outcome === null) {
      return respond(
        402,
        {
          error: { type: "card_error", code: "incorrect_number", message: "Your card number is incorrect." },
        },
        true,
      );
    }
    const scenario = cardScenario(outcome);
    const attemptToken = call.idempotencyKey ?? `reference:${reference}`;
    if (scenario === "transient_5xx" && context.attempts.firstTime(`stripe:5xx:${attemptToken}`)) {
      return respond(
        503,
        { error: { type: "api_error", message: "The service is temporarily unavailable." } },
        false,
      );
    }
    if (scenario === "timeout_before_charge" && context.attempts.firstTime(`stripe:hang:${attemptToken}`)) {
      return { kind: "hang_without_processing" };
    }

    const digits = number.replace(/[\s-]/g, "");
    const now = context.now();
    const charge: SandboxCharge = {
      psp: "stripe",
      pspReference: stripeId("pi"),
      chargeId: stripeId("ch"),
      reference,
      merchantAccount: null,
      amountMinor,
      currency: currency.toUpperCase(),
      captureMethod: captureMethodParam === "manual" ? "manual" : "automatic",
      authorizedMinor: 0n,
      capturedMinor: 0n,
      refundedMinor: 0n,
      voidedMinor: 0n,
      status: "pending",
      declineCode: null,
      cardLast4: digits.slice(-4),
      cardBrand: cardBrand(digits),
      scenario,
      idempotencyKeys: [],
      refunds: [],
      timeline: [],
      createdAt: now.toISOString(),
    };
    intents.set(charge.pspReference, {
      created: unixSeconds(now),
      metadata,
      paymentMethodId: stripeId("pm"),
      lastPaymentError: null,
      cancellationReason: null,
      canceledAt: null,
      threeDSecure: null,
      returnUrl: stringParam(form, "return_url") ?? null,
      expandCharge: Array.isArray(form.expand) && form.expand.includes("latest_charge"),
    });
    ledger.add(charge);
    chargeIntentIds.set(charge.chargeId!, charge.pspReference);
    ledger.rememberKey(charge, call.idempotencyKey);
    ledger.note(charge, "created", { amountMinor, detail: call.idempotencyKey ?? undefined });

    if (outcome.kind === "decline" || outcome.kind === "processing_error") {
      decline(charge, outcome.kind === "decline" ? outcome.code : "processing_error", call.idempotencyKey);
      return respond(402, cardErrorBody(charge), true);
    }
    if (outcome.kind === "three_d_secure") return authenticate(charge, outcome.flow, call.idempotencyKey);
    if (scenario === "async_approve" || scenario === "async_decline") {
      const key = call.idempotencyKey;
      context.deferred.later(context.timings.asyncOutcomeDelayMs, () => {
        if (charge.status !== "pending") return;
        if (scenario === "async_approve") authorize(charge, key);
        else decline(charge, "card_declined", key);
      });
      return respond(200, intentJson(charge), true);
    }
    authorize(charge, call.idempotencyKey);
    return respond(
      200,
      intentJson(charge),
      true,
      scenario === "timeout_after_charge" ? context.hangMs() : undefined,
    );
  }

  /**
   * 3-D Secure as Stripe's test cards behave: frictionless cards authenticate (or are refused) within the confirm;
   * a challenge leaves the PaymentIntent requires_action with next_action.redirect_to_url, and the customer's
   * choice on this server's challenge page authorizes it (as Stripe does itself after a challenge) or fails it
   * with payment_intent_authentication_failure.
   */
  function authenticate(
    charge: SandboxCharge,
    flow: "frictionless" | "challenge" | "frictionless_failed",
    key: string | null,
  ): PspResult {
    const extras = intents.get(charge.pspReference)!;
    if (flow === "frictionless_failed") {
      extras.threeDSecure = { flow: "frictionless", result: "failed" };
      decline(charge, "authentication_failed", key);
      return respond(402, cardErrorBody(charge), true);
    }
    if (flow === "frictionless") {
      extras.threeDSecure = { flow: "frictionless", result: "authenticated" };
      authorize(charge, key);
      return respond(200, intentJson(charge), true);
    }
    if (extras.returnUrl === null) {
      throw new ParamError(
        "parameter_missing",
        "return_url",
        "This card requires authentication: return_url is required to confirm it.",
      );
    }
    const authentication = { flow: "challenge" as const, result: null as "authenticated" | "failed" | null };
    extras.threeDSecure = authentication;
    charge.status = "requires_action";
    ledger.note(charge, "requires_action", { detail: "3ds_challenge" });
    context.challenges.add({
      psp: "stripe",
      reference: charge.pspReference,
      amountMinor: charge.amountMinor,
      currency: charge.currency,
      returnUrl: extras.returnUrl,
      returnParam: "payment_intent",
      returnValue: charge.pspReference,
      state: "pending",
      decide: (result) => {
        if (charge.status !== "requires_action" || extras.canceledAt !== null) return false;
        authentication.result = result;
        if (result === "authenticated") authorize(charge, null);
        else decline(charge, "authentication_failed", null);
        return true;
      },
    });
    return respond(200, intentJson(charge), true);
  }

  function retrieveCharge(call: PspCall): PspResult {
    const intentId = chargeIntentIds.get(call.params.id!);
    const charge = intentId === undefined ? undefined : ledger.get("stripe", intentId);
    if (charge === undefined) return notFound("charge", call.params.id!, "id");
    return respond(200, chargeJson(charge), false);
  }

  function retrievePaymentIntent(call: PspCall): PspResult {
    const charge = ledger.get("stripe", call.params.id!);
    if (charge === undefined) return notFound("payment_intent", call.params.id!, "intent");
    return respond(200, intentJson(charge), false);
  }

  function unexpectedState(charge: SandboxCharge, action: string, allowed: string): PspResult {
    const status = stripeStatus(charge, intents.get(charge.pspReference)!);
    return respond(
      400,
      {
        error: {
          type: "invalid_request_error",
          code: "payment_intent_unexpected_state",
          message: `This PaymentIntent could not be ${action} because it has a status of ${status}. Only a PaymentIntent with one of the following statuses may be ${action}: ${allowed}.`,
          payment_intent: intentJson(charge),
        },
      },
      true,
    );
  }

  function capturePaymentIntent(call: PspCall): PspResult {
    const charge = ledger.get("stripe", call.params.id!);
    if (charge === undefined) return notFound("payment_intent", call.params.id!, "intent");
    const amountToCapture = amountParam(asForm(call.body), "amount_to_capture", false);
    if (charge.status !== "authorized" || intents.get(charge.pspReference)!.canceledAt !== null) {
      return unexpectedState(charge, "captured", "requires_capture");
    }
    ledger.rememberKey(charge, call.idempotencyKey);
    const capturable = capturableMinor(charge);
    const amountMinor = amountToCapture ?? capturable;
    if (amountMinor > capturable) {
      return respond(
        400,
        invalidRequest(
          "amount_too_large",
          `The amount_to_capture (${amountMinor}) is greater than amount_capturable (${capturable}).`,
          "amount_to_capture",
        ),
        true,
      );
    }
    if (charge.scenario === "capture_fails") {
      // The authorization has expired: Stripe cancels the PaymentIntent.
      const extras = intents.get(charge.pspReference)!;
      charge.voidedMinor += capturable;
      charge.status = moneyStatus(charge);
      extras.canceledAt = unixSeconds(context.now());
      extras.cancellationReason = "automatic";
      ledger.note(charge, "capture_failed", { amountMinor, detail: "charge_expired_for_capture" });
      emit(charge, "payment_intent.canceled", intentJson(charge), call.idempotencyKey);
      return respond(
        400,
        {
          error: {
            type: "invalid_request_error",
            code: "charge_expired_for_capture",
            message: "The charge has expired and can no longer be captured.",
            payment_intent: intentJson(charge),
          },
        },
        true,
      );
    }
    charge.capturedMinor += amountMinor;
    // Stripe releases whatever a partial capture leaves.
    charge.voidedMinor += capturable - amountMinor;
    charge.status = moneyStatus(charge);
    ledger.note(charge, "captured", { amountMinor });
    ledger.addSettlement({
      kind: "capture",
      id: stripeId("txn"),
      charge,
      sourceId: charge.chargeId!,
      amountMinor,
    });
    emit(charge, "payment_intent.succeeded", intentJson(charge), call.idempotencyKey);
    context.disputes.afterCapture(charge);
    return respond(200, intentJson(charge), true);
  }

  function cancelPaymentIntent(call: PspCall): PspResult {
    const charge = ledger.get("stripe", call.params.id!);
    if (charge === undefined) return notFound("payment_intent", call.params.id!, "intent");
    const reason = stringParam(asForm(call.body), "cancellation_reason");
    if (reason !== undefined && !CANCELLATION_REASONS.has(reason)) {
      throw new ParamError(
        "parameter_invalid",
        "cancellation_reason",
        `Invalid cancellation_reason: ${reason}.`,
      );
    }
    const extras = intents.get(charge.pspReference)!;
    const cancellable =
      extras.canceledAt === null &&
      ["authorized", "declined", "failed", "requires_action"].includes(charge.status);
    if (!cancellable) {
      return unexpectedState(
        charge,
        "canceled",
        "requires_payment_method, requires_capture, requires_confirmation, requires_action",
      );
    }
    ledger.rememberKey(charge, call.idempotencyKey);
    const released = capturableMinor(charge);
    charge.voidedMinor += released;
    charge.status = moneyStatus(charge);
    extras.canceledAt = unixSeconds(context.now());
    extras.cancellationReason = reason ?? null;
    ledger.note(charge, "voided", { amountMinor: released });
    emit(charge, "payment_intent.canceled", intentJson(charge), call.idempotencyKey);
    return respond(200, intentJson(charge), true);
  }

  function createRefund(call: PspCall): PspResult {
    const form = asForm(call.body);
    const intentId = stringParam(form, "payment_intent");
    const chargeId = stringParam(form, "charge");
    if (intentId === undefined && chargeId === undefined) {
      throw new ParamError("parameter_missing", "payment_intent", "Missing required param: payment_intent.");
    }
    const amountParamValue = amountParam(form, "amount", false);
    const resolvedIntentId = intentId ?? (chargeId === undefined ? undefined : chargeIntentIds.get(chargeId));
    const charge = resolvedIntentId === undefined ? undefined : ledger.get("stripe", resolvedIntentId);
    if (charge === undefined) {
      return intentId !== undefined
        ? notFound("payment_intent", intentId, "payment_intent")
        : notFound("charge", chargeId!, "charge");
    }
    if (charge.capturedMinor === 0n) {
      return respond(
        400,
        {
          error: {
            type: "invalid_request_error",
            code: "charge_not_refundable",
            message: `This PaymentIntent (${charge.pspReference}) does not have a successful charge to refund.`,
          },
        },
        true,
      );
    }
    ledger.rememberKey(charge, call.idempotencyKey);
    const refundable = refundableMinor(charge);
    if (refundable === 0n) {
      return respond(
        400,
        invalidRequest("charge_already_refunded", `Charge ${charge.chargeId} has already been refunded.`),
        true,
      );
    }
    const amountMinor = amountParamValue ?? refundable;
    if (amountMinor > refundable) {
      const currency = charge.currency;
      return respond(
        400,
        invalidRequest(
          "amount_too_large",
          `Refund amount (${formatMinorUnits(amountMinor, currency)} ${currency}) is greater than unrefunded amount on charge (${formatMinorUnits(refundable, currency)} ${currency})`,
          "amount",
        ),
        true,
      );
    }
    const failsLater = charge.scenario === "refund_fails";
    const refund: SandboxRefund = {
      id: stripeId("re"),
      amountMinor,
      status: failsLater ? "pending" : "succeeded",
      idempotencyKey: call.idempotencyKey,
      createdAt: context.now().toISOString(),
    };
    charge.refunds.push(refund);
    refundIntentIds.set(refund.id, charge.pspReference);
    if (failsLater) {
      ledger.note(charge, "refund_pending", { amountMinor, modificationReference: refund.id });
      const key = call.idempotencyKey;
      context.deferred.later(context.timings.followUpFailureDelayMs, () => {
        refund.status = "failed";
        ledger.note(charge, "refund_failed", { amountMinor, modificationReference: refund.id });
        emit(charge, "refund.updated", refundJson(charge, refund), key);
      });
    } else {
      charge.refundedMinor += amountMinor;
      charge.status = moneyStatus(charge);
      ledger.note(charge, "refund_succeeded", { amountMinor, modificationReference: refund.id });
      ledger.addSettlement({ kind: "refund", id: stripeId("txn"), charge, sourceId: refund.id, amountMinor });
      emit(charge, "charge.refunded", chargeJson(charge), call.idempotencyKey);
    }
    return respond(200, refundJson(charge, refund), true);
  }

  function retrieveRefund(call: PspCall): PspResult {
    const refundId = call.params.id!;
    const intentId = refundIntentIds.get(refundId);
    const charge = intentId === undefined ? undefined : ledger.get("stripe", intentId);
    const refund = charge?.refunds.find((candidate) => candidate.id === refundId);
    if (charge === undefined || refund === undefined) return notFound("refund", refundId, "id");
    return respond(200, refundJson(charge, refund), false);
  }

  /** Stripe's dispute statuses: an inquiry's carry the warning_ prefix. */
  function disputeStatus(dispute: SandboxDispute): string {
    if (dispute.kind === "inquiry") {
      return dispute.status === "needs_response"
        ? "warning_needs_response"
        : dispute.status === "under_review"
          ? "warning_under_review"
          : "warning_closed";
    }
    return dispute.status === "closed" ? "lost" : dispute.status;
  }

  function disputeJson(dispute: SandboxDispute): Record<string, unknown> {
    const charge = ledger.get("stripe", dispute.paymentPspReference);
    const latest = dispute.evidence.at(-1);
    return {
      id: dispute.id,
      object: "dispute",
      amount: Number(dispute.amountMinor),
      balance_transactions: [],
      charge: charge?.chargeId ?? null,
      created: unixSeconds(new Date(dispute.createdAt)),
      currency: dispute.currency.toLowerCase(),
      evidence: latest?.fields ?? {},
      evidence_details: {
        due_by: unixSeconds(new Date(dispute.dueBy)),
        has_evidence: dispute.evidence.length > 0,
        past_due: dispute.closedAt !== null && dispute.evidence.length === 0,
        submission_count: dispute.evidence.length,
      },
      is_charge_refundable: false,
      livemode: false,
      metadata: {},
      payment_intent: dispute.paymentPspReference,
      payment_method_details: {
        type: "card",
        card: { brand: charge?.cardBrand ?? "visa", network_reason_code: dispute.networkReasonCode },
      },
      reason: dispute.reason,
      status: disputeStatus(dispute),
    };
  }

  /** The engine's events as Stripe's charge.dispute.* events; each carries the whole dispute object. */
  function announceDispute(dispute: SandboxDispute, event: SandboxDisputeEvent, charge: SandboxCharge): void {
    const object = disputeJson(dispute);
    switch (event) {
      case "opened":
        emit(charge, "charge.dispute.created", object, null);
        return;
      case "funds_withdrawn":
        emit(charge, "charge.dispute.funds_withdrawn", object, null);
        return;
      case "evidence_received":
        emit(charge, "charge.dispute.updated", object, null);
        return;
      case "won":
        emit(charge, "charge.dispute.closed", object, null);
        if (dispute.kind === "chargeback") emit(charge, "charge.dispute.funds_reinstated", object, null);
        return;
      case "lost":
      case "expired":
        emit(charge, "charge.dispute.closed", object, null);
        return;
    }
  }
  context.disputes.register("stripe", () => stripeId("du"), announceDispute);

  function disputeError(error: DisputeError): PspResult {
    return respond(
      error.status,
      invalidRequest(error.status === 404 ? "resource_missing" : null, error.message, "dispute"),
      error.status !== 404,
    );
  }

  function retrieveDispute(call: PspCall): PspResult {
    const dispute = context.disputes.get(call.params.id!);
    if (dispute === undefined || dispute.psp !== "stripe")
      return notFound("dispute", call.params.id!, "dispute");
    return respond(200, disputeJson(dispute), false);
  }

  /** POST /v1/disputes/:id with evidence[...] and submit=true: what Stripe's disputes.update sends. */
  function updateDispute(call: PspCall): PspResult {
    const dispute = context.disputes.get(call.params.id!);
    if (dispute === undefined || dispute.psp !== "stripe")
      return notFound("dispute", call.params.id!, "dispute");
    const form = asForm(call.body);
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(asForm(form.evidence))) {
      if (typeof value !== "string") {
        throw new ParamError("parameter_invalid", `evidence[${name}]`, `Invalid evidence[${name}].`);
      }
      fields[name] = value;
    }
    // A file field names an upload of this account, for dispute evidence (Stripe: "No such file upload").
    const documents: Array<{ name: string; bytes: number; contentType: string }> = [];
    for (const [name, value] of Object.entries(fields)) {
      if (!STRIPE_EVIDENCE_FILE_FIELDS.has(name)) continue;
      const file = files.get(value);
      if (file === undefined || file.account !== call.account || file.purpose !== "dispute_evidence") {
        return respond(
          400,
          invalidRequest("resource_missing", `No such file upload: '${value}'`, `evidence[${name}]`),
          false,
        );
      }
      documents.push({ name, bytes: file.bytes.length, contentType: file.contentType });
    }
    try {
      context.disputes.receiveEvidence(
        dispute.id,
        { idempotencyKey: call.idempotencyKey, fields, documents },
        stringParam(form, "submit") === "true",
      );
    } catch (error) {
      if (error instanceof DisputeError) return disputeError(error);
      throw error;
    }
    return respond(200, disputeJson(dispute), true);
  }

  function closeDispute(call: PspCall): PspResult {
    const dispute = context.disputes.get(call.params.id!);
    if (dispute === undefined || dispute.psp !== "stripe")
      return notFound("dispute", call.params.id!, "dispute");
    try {
      context.disputes.accept(dispute.id);
    } catch (error) {
      if (error instanceof DisputeError) return disputeError(error);
      throw error;
    }
    return respond(200, disputeJson(dispute), true);
  }

  function fileJson(file: SandboxFile): Record<string, unknown> {
    const type = EVIDENCE_FILE_SIGNATURES.find((signature) => signature.mime === file.contentType)?.type;
    return {
      id: file.id,
      object: "file",
      created: file.created,
      expires_at: null,
      filename: file.filename,
      links: null,
      purpose: file.purpose,
      size: file.bytes.length,
      title: null,
      type: type ?? null,
      url: null,
    };
  }

  /**
   * POST /v1/files (multipart/form-data: purpose and file), what `stripe.files.create` sends to its files host.
   * The sandbox serves it on its one origin (the SDK sends files to the host it is configured with). The type is
   * read from the content, as Stripe does; the file belongs to the uploading account.
   */
  function createFile(call: PspCall): PspResult {
    const form = asForm(call.body);
    const purpose = stringParam(form, "purpose");
    if (purpose === undefined)
      throw new ParamError("parameter_missing", "purpose", "Missing required param: purpose.");
    if (!FILE_PURPOSES.has(purpose)) {
      throw new ParamError(
        "parameter_invalid",
        "purpose",
        "The sandbox takes files for dispute_evidence only.",
      );
    }
    const part = form.file as UploadedPart | undefined;
    const content = (part as { content?: Buffer } | undefined)?.content;
    if (part === undefined || content === undefined || content.length === 0) {
      throw new ParamError("parameter_missing", "file", "Missing required param: file.");
    }
    const signature = EVIDENCE_FILE_SIGNATURES.find((candidate) =>
      candidate.bytes.every((byte, at) => content[at] === byte),
    );
    if (signature === undefined) {
      throw new ParamError(
        "file_invalid",
        "file",
        "The file is not a PDF, JPEG or PNG: dispute evidence must be one of these.",
      );
    }
    if (call.account === null) throw new ParamError("parameter_invalid", "file", "No account.");
    if (files.size >= FILES_MAX) return respond(429, invalidRequest("rate_limit", "Too many files."), false);
    const file: SandboxFile = {
      id: stripeId("file"),
      account: call.account,
      purpose,
      filename: part.name.slice(0, 255) || "upload",
      contentType: signature.mime,
      bytes: content,
      created: unixSeconds(context.now()),
    };
    files.set(file.id, file);
    return respond(200, fileJson(file), true);
  }

  /** GET /v1/files/:id: the uploading account's file only (another account's is as unknown as a missing one). */
  function retrieveFile(call: PspCall): PspResult {
    const file = files.get(call.params.id!);
    if (file === undefined || file.account !== call.account) return notFound("file", call.params.id!, "id");
    return respond(200, fileJson(file), false);
  }

  /** A report run that succeeded: `reporting.report_run.succeeded`, announced without a payment behind it. */
  function announceReportRun(run: ReportRun): void {
    send("reporting.report_run.succeeded", reportRunJson(run, context.baseUrl()), null, [0], run.id);
  }

  /** POST /v1/reporting/report_runs: the itemized balance change report of one UTC day. */
  function createReportRun(call: PspCall): PspResult {
    const form = asForm(call.body);
    const reportType = stringParam(form, "report_type");
    if (reportType !== "balance_change_from_activity.itemized.1") {
      throw new ParamError(
        "parameter_invalid",
        "report_type",
        "The sandbox runs balance_change_from_activity.itemized.1 only.",
      );
    }
    const parameters = asForm(form.parameters);
    const start = Number(stringParam(parameters, "interval_start"));
    const end = Number(stringParam(parameters, "interval_end"));
    if (!Number.isSafeInteger(start) || end !== start + 86_400 || start % 86_400 !== 0) {
      throw new ParamError(
        "parameter_invalid",
        "parameters[interval_start]",
        "The sandbox reports whole UTC days: interval_start at midnight, interval_end a day later.",
      );
    }
    const run = context.reports.createRun(new Date(start * 1000).toISOString().slice(0, 10));
    return respond(200, reportRunJson(run, context.baseUrl()), true);
  }

  /** GET /v1/reporting/report_runs?limit=&created[gte]=: recent runs, newest first (how a poller finds them). */
  function listReportRuns(call: PspCall): PspResult {
    const query = asForm(qs.parse(call.query, { depth: 2, parameterLimit: 20 }));
    const limit = query.limit === undefined ? 10 : Number(stringParam(query, "limit"));
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100) {
      throw new ParamError("parameter_invalid_integer", "limit", "limit must be an integer from 1 to 100.");
    }
    const created = asForm(query.created);
    const gte = created.gte === undefined ? 0 : Number(stringParam(created, "gte"));
    if (!Number.isSafeInteger(gte)) {
      throw new ParamError("parameter_invalid_integer", "created[gte]", "created[gte] must be an integer.");
    }
    const runs = context.reports.recentRuns(limit + 1, gte);
    return respond(
      200,
      {
        object: "list",
        url: "/v1/reporting/report_runs",
        has_more: runs.length > limit,
        data: runs.slice(0, limit).map((run) => reportRunJson(run, context.baseUrl())),
      },
      false,
    );
  }

  function retrieveReportRun(call: PspCall): PspResult {
    const run = context.reports.run(call.params.id!);
    if (run === undefined) return notFound("reporting.report_run", call.params.id!, "id");
    return respond(200, reportRunJson(run, context.baseUrl()), false);
  }

  /** Parameter errors are 400s that store nothing, like Stripe's validation. */
  function withParamErrors(handler: (call: PspCall) => PspResult): (call: PspCall) => PspResult {
    return (call) => {
      try {
        return handler(call);
      } catch (error) {
        if (!(error instanceof ParamError)) throw error;
        return respond(400, invalidRequest(error.code, error.message, error.param), false);
      }
    };
  }

  const dialect: PspDialect = {
    psp: "stripe",
    pathPrefix: "/v1",
    routes: [
      { method: "POST", pattern: /^\/payment_intents$/, handle: withParamErrors(createPaymentIntent) },
      {
        method: "GET",
        pattern: /^\/payment_intents\/(?<id>[\w-]+)$/,
        handle: withParamErrors(retrievePaymentIntent),
      },
      {
        method: "POST",
        pattern: /^\/payment_intents\/(?<id>[\w-]+)\/capture$/,
        handle: withParamErrors(capturePaymentIntent),
      },
      {
        method: "POST",
        pattern: /^\/payment_intents\/(?<id>[\w-]+)\/cancel$/,
        handle: withParamErrors(cancelPaymentIntent),
      },
      { method: "GET", pattern: /^\/charges\/(?<id>[\w-]+)$/, handle: withParamErrors(retrieveCharge) },
      { method: "POST", pattern: /^\/refunds$/, handle: withParamErrors(createRefund) },
      { method: "GET", pattern: /^\/refunds\/(?<id>[\w-]+)$/, handle: withParamErrors(retrieveRefund) },
      { method: "GET", pattern: /^\/disputes\/(?<id>[\w-]+)$/, handle: withParamErrors(retrieveDispute) },
      { method: "POST", pattern: /^\/disputes\/(?<id>[\w-]+)$/, handle: withParamErrors(updateDispute) },
      {
        method: "POST",
        pattern: /^\/disputes\/(?<id>[\w-]+)\/close$/,
        handle: withParamErrors(closeDispute),
      },
      { method: "POST", pattern: /^\/files$/, handle: withParamErrors(createFile) },
      { method: "GET", pattern: /^\/files\/(?<id>[\w-]+)$/, handle: withParamErrors(retrieveFile) },
      { method: "POST", pattern: /^\/reporting\/report_runs$/, handle: withParamErrors(createReportRun) },
      { method: "GET", pattern: /^\/reporting\/report_runs$/, handle: withParamErrors(listReportRuns) },
      {
        method: "GET",
        pattern: /^\/reporting\/report_runs\/(?<id>[\w-]+)$/,
        handle: withParamErrors(retrieveReportRun),
      },
    ],

    authenticate(request): StoredResponse | null {
      const authorization = headerValue(request, "authorization") ?? "";
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (match === null) {
        return render(401, {
          error: {
            type: "invalid_request_error",
            message:
              "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
          },
        });
      }
      const key = match[1]!;
      const testKey = key.startsWith("sk_test_") && key.length > "sk_test_".length;
      if (!testKey && !context.liveStripeKeys.has(key)) {
        return render(401, {
          error: {
            type: "invalid_request_error",
            code: "api_key_invalid",
            message: `Invalid API Key provided: ${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`,
          },
        });
      }
      return null;
    },

    async parseBody(raw, request, bytes) {
      const contentType = headerValue(request, "content-type") ?? "";
      if (/^multipart\/form-data;/i.test(contentType)) {
        const form = await parseMultipart(bytes, contentType);
        return form === null ? { ok: false, status: 400 } : { ok: true, value: form };
      }
      if (raw === "") return { ok: true, value: {} };
      return { ok: true, value: qs.parse(raw, { depth: 5, parameterLimit: 500, arrayLimit: 50 }) };
    },

    /** The account is the secret key (its fingerprint: the key itself is not kept). */
    accountOf(request) {
      const match = /^Bearer\s+(\S+)$/i.exec(headerValue(request, "authorization") ?? "");
      return match === null ? null : createHash("sha256").update(match[1]!).digest("hex").slice(0, 32);
    },

    render: (status, body, idempotencyKey) => render(status, body, idempotencyKey),

    errorResponse(error, idempotencyKey) {
      switch (error.kind) {
        case "server_error":
          return render(
            error.status,
            { error: { type: "api_error", message: "An unknown error occurred; please retry." } },
            idempotencyKey,
            { "Stripe-Should-Retry": "true" },
          );
        case "bad_request":
          return render(error.status, invalidRequest(null, error.message), idempotencyKey);
        case "not_found":
          return render(
            404,
            invalidRequest(null, `Unrecognized request URL (${error.path}).`),
            idempotencyKey,
          );
        case "idempotency_mismatch":
          return render(
            400,
            {
              error: {
                type: "idempotency_error",
                message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
              },
            },
            idempotencyKey,
          );
        case "idempotency_in_progress":
          return render(
            409,
            {
              error: {
                type: "idempotency_error",
                message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${idempotencyKey}. Please try again later.`,
              },
            },
            idempotencyKey,
          );
      }
    },
  };

  function render(
    status: number,
    body: unknown,
    idempotencyKey: string | null = null,
    extraHeaders: Record<string, string> = {},
  ): StoredResponse {
    return {
      status,
      headers: {
        "Content-Type": "application/json",
        "Request-Id": stripeId("req"),
        "Stripe-Version": Stripe.API_VERSION,
        ...(idempotencyKey === null ? {} : { "Idempotency-Key": idempotencyKey }),
        ...extraHeaders,
      },
      body: JSON.stringify(body, null, 2),
    };
  }

  return {
    dialect,
    announceReportRun,
    clear() {
      intents.clear();
      refundIntentIds.clear();
      chargeIntentIds.clear();
      files.clear();
    },
  };
}
