import { randomBytes } from "node:crypto";
import { hmacValidator, type Types } from "@adyen/api-library";
import {
  cardBrand,
  cardOutcome,
  cardScenario,
  type SandboxDeclineCode,
} from "@paycore/psp-testkit/test-cards";
import { applicableDefenseReasons, documentTypeApplies } from "./adyen-defense-reasons";
import { capturableMinor, moneyStatus, type SandboxCharge, type SandboxRefund } from "./charge-ledger";
import { DisputeError, type SandboxDispute, type SandboxDisputeEvent } from "./disputes";
import { headerValue } from "./http-kit";
import type { StoredResponse } from "./idempotency-store";
import { exponentOf } from "./minor-units";
import type { PspCall, PspDialect, PspResult } from "./psp-pipeline";
import type { SandboxContext } from "./sandbox-context";
import { adyenPspReference } from "./sandbox-ids";

export type AdyenEventCode =
  | "AUTHORISATION"
  | "CAPTURE"
  | "CAPTURE_FAILED"
  | "CANCELLATION"
  | "REFUND"
  | "REFUND_FAILED"
  // Disputes (./disputes.ts): the dispute's own pspReference, the payment's as originalReference.
  | "REQUEST_FOR_INFORMATION"
  | "NOTIFICATION_OF_CHARGEBACK"
  | "CHARGEBACK"
  | "INFORMATION_SUPPLIED"
  | "CHARGEBACK_REVERSED"
  | "SECOND_CHARGEBACK"
  | "DISPUTE_DEFENSE_PERIOD_ENDED"
  | "REPORT_AVAILABLE";

/** One NotificationRequestItem as Adyen posts it (amount.value is a JSON number). */
export interface AdyenNotificationItem {
  additionalData: Record<string, string>;
  amount: { currency: string; value: number };
  eventCode: AdyenEventCode;
  eventDate: string;
  merchantAccountCode: string;
  merchantReference: string;
  originalReference?: string;
  paymentMethod: string;
  pspReference: string;
  reason: string;
  success: "true" | "false";
  operations?: string[];
}

const AMOUNT_MINOR_MAX = Number.MAX_SAFE_INTEGER;

interface AdyenRefusal {
  readonly reason: string;
  readonly code: string;
  readonly raw: string;
}

/** Adyen's refusalReason / refusalReasonCode for each decline; refusalReasonRaw tells lost from stolen. */
const REFUSALS: Readonly<Record<SandboxDeclineCode, AdyenRefusal>> = {
  card_declined: { reason: "Refused", code: "2", raw: "05 : Do not honor" },
  insufficient_funds: { reason: "Not enough balance", code: "12", raw: "51 : Insufficient funds" },
  expired_card: { reason: "Expired Card", code: "6", raw: "54 : Expired card" },
  incorrect_cvc: { reason: "CVC Declined", code: "24", raw: "N7 : CVV2 failure" },
  lost_card: { reason: "Blocked Card", code: "5", raw: "41 : Lost card" },
  stolen_card: { reason: "Blocked Card", code: "5", raw: "43 : Stolen card" },
  fraudulent: { reason: "FRAUD", code: "20", raw: "59 : Suspected fraud" },
};

/** 3-D Secure failed: Adyen's refusal reason 11. */
const NOT_AUTHENTICATED: AdyenRefusal = {
  reason: "3D Not Authenticated",
  code: "11",
  raw: "3D Not Authenticated",
};

const PROCESSING_ERROR: AdyenRefusal = {
  reason: "Acquirer Error",
  code: "4",
  raw: "96 : System malfunction",
};

type Json = Record<string, unknown>;

class ValidationError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

/** What Adyen's live Disputes API takes as a defence document, with each type's leading bytes. */
const DEFENSE_DOCUMENT_TYPES: Readonly<Record<string, ReadonlyArray<readonly number[]>>> = {
  "application/pdf": [[0x25, 0x50, 0x44, 0x46, 0x2d]], // %PDF-
  "image/jpeg": [[0xff, 0xd8, 0xff]],
  "image/tiff": [
    [0x49, 0x49, 0x2a, 0x00],
    [0x4d, 0x4d, 0x00, 0x2a],
  ],
};

/** Null when the document is one Adyen takes (its declared type, and content that starts as that type does). */
export function defenseDocumentRefusal(contentType: unknown, bytes: Uint8Array): string | null {
  const signatures = typeof contentType === "string" ? DEFENSE_DOCUMENT_TYPES[contentType] : undefined;
  if (signatures === undefined) return "contentType must be application/pdf, image/jpeg or image/tiff";
  const matches = signatures.some((signature) => signature.every((byte, at) => bytes[at] === byte));
  return matches ? null : `the content is not a ${contentType} document`;
}

function asObject(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function requiredString(body: Json, name: string, errorCode: string): string {
  const value = body[name];
  if (typeof value !== "string" || value.length === 0) {
    throw new ValidationError(errorCode, `Required field '${name}' is not provided.`);
  }
  return value;
}

function parseAmount(value: unknown): { valueMinor: bigint; currency: string } {
  const amount = asObject(value);
  if (typeof amount.value !== "number" || !Number.isSafeInteger(amount.value) || amount.value < 1) {
    throw new ValidationError("137", "Invalid amount specified");
  }
  if (amount.value > AMOUNT_MINOR_MAX) throw new ValidationError("137", "Invalid amount specified");
  if (typeof amount.currency !== "string" || exponentOf(amount.currency) === null) {
    throw new ValidationError("138", "Unsupported currency specified");
  }
  return { valueMinor: BigInt(amount.value), currency: amount.currency.toUpperCase() };
}

/** "2026-05-01T10:15:30+00:00": Adyen's eventDate shape. */
function eventDate(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+00:00`;
}

/** A six-digit authorisation code derived from the reference, so replays and notifications agree. */
function authCodeOf(pspReference: string): string {
  let code = 0;
  for (const character of pspReference) code = (code * 31 + character.charCodeAt(0)) % 1_000_000;
  return String(code).padStart(6, "0");
}

function paymentMethodVariant(brand: string): string {
  return brand === "mastercard" ? "mc" : brand;
}

/** The Adyen-style Checkout API under /adyen/v72, driven by @adyen/api-library. */
export function createAdyenApi(context: SandboxContext): {
  dialect: PspDialect;
  disputesDialect: PspDialect;
  notifyReportAvailable(fileName: string, downloadUrl: string): void;
  clear(): void;
} {
  const { ledger } = context;
  const validator = new hmacValidator();

  function respond(status: number, body: unknown, store: boolean, holdMs?: number): PspResult {
    return holdMs === undefined
      ? { kind: "respond", status, body, store }
      : { kind: "respond", status, body, store, holdMs };
  }

  function errorBody(status: number, errorCode: string, message: string, errorType: string) {
    return { status, errorCode, message, errorType };
  }

  function notify(
    charge: SandboxCharge,
    notification: {
      eventCode: AdyenEventCode;
      success: boolean;
      pspReference: string;
      originalReference?: string;
      amountMinor: bigint;
      reason?: string;
      operations?: string[];
      additionalData?: Record<string, string>;
    },
  ): void {
    ledger.note(charge, "webhook_raised", {
      detail: `${notification.eventCode} success=${notification.success}`,
      modificationReference: notification.pspReference,
    });
    const item: AdyenNotificationItem = {
      additionalData: { ...notification.additionalData },
      amount: { currency: charge.currency, value: Number(notification.amountMinor) },
      eventCode: notification.eventCode,
      eventDate: eventDate(context.now()),
      merchantAccountCode: charge.merchantAccount ?? "",
      merchantReference: charge.reference,
      ...(notification.originalReference === undefined
        ? {}
        : { originalReference: notification.originalReference }),
      paymentMethod: paymentMethodVariant(charge.cardBrand),
      pspReference: notification.pspReference,
      reason: notification.reason ?? "",
      success: notification.success ? "true" : "false",
      ...(notification.operations === undefined ? {} : { operations: notification.operations }),
    };
    enqueueItem(item, context.schedule.delaysFor(charge), charge.pspReference);
  }

  /** Signs one notification item and queues it (one copy per delay). */
  function enqueueItem(item: AdyenNotificationItem, delays: number[], paymentPspReference: string): void {
    const config = context.webhooks.adyen;
    if (config === undefined) return;
    item.additionalData.hmacSignature = validator.calculateHmac(
      item as unknown as Types.notification.NotificationRequestItem,
      config.hmacKeyHex,
    );
    const body = JSON.stringify({ live: "false", notificationItems: [{ NotificationRequestItem: item }] });
    for (const delayMs of delays) {
      context.dispatcher.enqueue({
        psp: "adyen",
        eventId: `${item.eventCode}:${item.pspReference}`,
        eventType: item.eventCode,
        paymentPspReference,
        body,
        delayMs,
        endpoint: {
          url: config.url,
          headersFor: () => ({}),
          // Adyen retries until the receiver answers "[accepted]".
          accepted: (statusCode, responseBody) =>
            statusCode >= 200 && statusCode < 300 && responseBody.includes("[accepted]"),
        },
      });
    }
  }

  function authorise(charge: SandboxCharge, manualCapture: boolean): void {
    charge.authorizedMinor = charge.amountMinor;
    charge.status = moneyStatus(charge);
    ledger.note(charge, "authorized", { amountMinor: charge.amountMinor });
    notify(charge, {
      eventCode: "AUTHORISATION",
      success: true,
      pspReference: charge.pspReference,
      amountMinor: charge.amountMinor,
      // Adyen's "authCode:cardSummary" (expiry omitted: the sandbox does not keep it).
      reason: `${authCodeOf(charge.pspReference)}:${charge.cardLast4}`,
      operations: ["CANCEL", "CAPTURE", "REFUND"],
    });
    if (!manualCapture) {
      const captureReference = adyenPspReference();
      charge.capturedMinor = charge.amountMinor;
      charge.status = moneyStatus(charge);
      ledger.note(charge, "captured", {
        amountMinor: charge.amountMinor,
        modificationReference: captureReference,
      });
      ledger.addSettlement({
        kind: "capture",
        id: captureReference,
        charge,
        sourceId: captureReference,
        amountMinor: charge.amountMinor,
      });
      notify(charge, {
        eventCode: "CAPTURE",
        success: true,
        pspReference: captureReference,
        originalReference: charge.pspReference,
        amountMinor: charge.amountMinor,
      });
      context.disputes.afterCapture(charge);
    }
  }

  function refuse(charge: SandboxCharge, refusal: AdyenRefusal, status: "declined" | "failed", code: string) {
    charge.status = status;
    charge.declineCode = code;
    ledger.note(charge, status, { detail: `${refusal.code} ${refusal.reason}` });
    notify(charge, {
      eventCode: "AUTHORISATION",
      success: false,
      pspReference: charge.pspReference,
      amountMinor: charge.amountMinor,
      reason: refusal.reason,
    });
  }

  /** 3-D Secure: what each charge's authentication was (frictionless or challenge) and how it ended. */
  const authentications = new Map<
    string,
    {
      flow: "frictionless" | "challenge";
      result: "authenticated" | "failed" | null;
      manualCapture: boolean;
      returnUrl: string;
    }
  >();
  /**
   * A challenge's opaque redirectResult -> its charge's reference. Live Adyen sends the shopper back with an
   * opaque `redirectResult` (never the pspReference) that only /payments/details reads; so does the sandbox.
   * Bounded like the challenge book: the oldest are forgotten first.
   */
  const redirectResults = new Map<string, string>();
  const REDIRECT_RESULTS_MAX = 50_000;
  function newRedirectResult(pspReference: string): string {
    // Random, not derived from the reference: a shopper cannot make another payment's result.
    const token = randomBytes(48).toString("base64url");
    if (redirectResults.size >= REDIRECT_RESULTS_MAX) {
      const oldest = redirectResults.keys().next().value;
      if (oldest !== undefined) redirectResults.delete(oldest);
    }
    redirectResults.set(token, pspReference);
    return token;
  }

  /** Adyen's 3-D Secure additionalData (threeDAuthenticated, liabilityShift, threeDSVersion, eci). */
  function threeDSecureData(charge: SandboxCharge): Record<string, string> {
    const authentication = authentications.get(charge.pspReference);
    if (!authentication || authentication.result === null) return {};
    const authenticated = authentication.result === "authenticated";
    const mastercard = charge.cardBrand === "mastercard";
    return {
      threeDOffered: "true",
      threeDAuthenticated: String(authenticated),
      threeDAuthenticatedResponse: authenticated ? "Y" : "N",
      liabilityShift: String(authenticated),
      threeDSVersion: "2.2.0",
      eci: authenticated ? (mastercard ? "02" : "05") : mastercard ? "00" : "07",
      // Not Adyen's field name: the sandbox says which flow it ran (Adyen reports it in its Customer Area).
      threeDSAuthenticationFlow: authentication.flow,
    };
  }

  function paymentResponse(charge: SandboxCharge, resultCode: string, refusal: AdyenRefusal | null): Json {
    const secure = threeDSecureData(charge);
    return {
      ...(Object.keys(secure).length > 0 && refusal === null ? { additionalData: secure } : {}),
      amount: { currency: charge.currency, value: Number(charge.amountMinor) },
      merchantReference: charge.reference,
      pspReference: charge.pspReference,
      resultCode,
      ...(refusal === null
        ? {}
        : {
            refusalReason: refusal.reason,
            refusalReasonCode: refusal.code,
            additionalData: { refusalReasonRaw: refusal.raw, ...secure },
          }),
    };
  }

  /** The redirect a challenge needs: the action of a RedirectShopper answer. */
  function redirectShopper(charge: SandboxCharge): Json {
    return {
      ...paymentResponse(charge, "RedirectShopper", null),
      action: {
        type: "redirect",
        method: "GET",
        paymentMethodType: "scheme",
        url: `${context.publicUrl()}/3ds/challenge/adyen/${charge.pspReference}`,
        // The sandbox's paymentData is the payment's reference: /payments/details takes it back.
        paymentData: charge.pspReference,
      },
    };
  }

  /**
   * 3-D Secure as Adyen's test cards behave: frictionless cards authenticate (or are refused, reason 11) within
   * /payments; a challenge answers RedirectShopper with the challenge page (on this server's origin) and waits;
   * /payments/details then authorises it if the shopper completed the challenge, or refuses it.
   */
  function authenticate(
    charge: SandboxCharge,
    flow: "frictionless" | "challenge" | "frictionless_failed",
    manualCapture: boolean,
    returnUrl: string | null,
  ): PspResult {
    if (flow === "frictionless_failed") {
      authentications.set(charge.pspReference, {
        flow: "frictionless",
        result: "failed",
        manualCapture,
        returnUrl: "",
      });
      refuse(charge, NOT_AUTHENTICATED, "declined", "authentication_failed");
      return respond(200, paymentResponse(charge, "Refused", NOT_AUTHENTICATED), true);
    }
    if (flow === "frictionless") {
      authentications.set(charge.pspReference, {
        flow: "frictionless",
        result: "authenticated",
        manualCapture,
        returnUrl: "",
      });
      authorise(charge, manualCapture);
      return respond(200, paymentResponse(charge, "Authorised", null), true);
    }
    if (returnUrl === null)
      throw new ValidationError("14_012", "Required field 'returnUrl' is not provided.");
    const authentication = { flow: "challenge" as const, result: null, manualCapture, returnUrl };
    authentications.set(charge.pspReference, authentication);
    charge.status = "requires_action";
    ledger.note(charge, "requires_action", { detail: "3ds_challenge" });
    context.challenges.add({
      psp: "adyen",
      reference: charge.pspReference,
      amountMinor: charge.amountMinor,
      currency: charge.currency,
      returnUrl,
      returnParam: "redirectResult",
      returnValue: newRedirectResult(charge.pspReference),
      state: "pending",
      decide: (result) => {
        if (charge.status !== "requires_action") return false;
        const held = authentications.get(charge.pspReference);
        if (held) held.result = result;
        return true;
      },
    });
    return respond(200, redirectShopper(charge), true);
  }

  /**
   * /payments/details: the outcome of a challenged payment, authorised once (the charge's own state decides). As
   * live Adyen: `details.redirectResult` from the shopper's return; or, without a return (a server asking after
   * a lost answer or before expiring the challenge), the `paymentData` of the RedirectShopper action (the
   * sandbox's is the payment's reference).
   */
  function paymentDetails(call: PspCall): PspResult {
    const body = asObject(call.body);
    const redirectResult = asObject(body.details).redirectResult;
    let pspReference: string;
    if (typeof redirectResult === "string" && redirectResult !== "") {
      const known = redirectResults.get(redirectResult);
      if (known === undefined)
        return respond(422, errorBody(422, "14_002", "Invalid redirectResult", "validation"), false);
      pspReference = known;
    } else {
      pspReference = requiredString(body, "paymentData", "14_003");
    }
    const charge = ledger.get("adyen", pspReference);
    const authentication = charge && authentications.get(charge.pspReference);
    if (!charge || !authentication || authentication.flow !== "challenge") {
      return respond(422, errorBody(422, "14_002", "Invalid payment data", "validation"), false);
    }
    if (charge.status === "requires_action") {
      if (authentication.result === null) return respond(200, redirectShopper(charge), false);
      if (authentication.result === "failed") {
        refuse(charge, NOT_AUTHENTICATED, "declined", "authentication_failed");
      } else {
        authorise(charge, authentication.manualCapture);
      }
    }
    if (charge.status === "voided") return respond(200, paymentResponse(charge, "Cancelled", null), true);
    if (charge.status === "declined")
      return respond(200, paymentResponse(charge, "Refused", NOT_AUTHENTICATED), true);
    return respond(200, paymentResponse(charge, "Authorised", null), true);
  }

  /** The payment methods a merchant account offers: what integrations call to check their credentials. */
  function paymentMethods(call: PspCall): PspResult {
    requiredString(asObject(call.body), "merchantAccount", "901");
    return respond(
      200,
      { paymentMethods: [{ type: "scheme", name: "Cards", brands: ["visa", "mc"] }] },
      false,
    );
  }

  function payments(call: PspCall): PspResult {
    const body = asObject(call.body);
    const { valueMinor, currency } = parseAmount(body.amount);
    const reference = requiredString(body, "reference", "130");
    const merchantAccount = requiredString(body, "merchantAccount", "901");
    const paymentMethod = asObject(body.paymentMethod);
    if (paymentMethod.type !== "scheme" || typeof paymentMethod.number !== "string") {
      throw new ValidationError(
        "101",
        "Required field 'paymentMethod.number' of a scheme card is not provided.",
      );
    }
    const manualCapture = asObject(body.additionalData).manualCapture === "true";
    const outcome = cardOutcome(paymentMethod.number);
    if (outcome === null) throw new ValidationError("101", "Invalid card number");

    const scenario = cardScenario(outcome);
    const attemptToken = call.idempotencyKey ?? `reference:${reference}`;
    if (scenario === "transient_5xx" && context.attempts.firstTime(`adyen:5xx:${attemptToken}`)) {
      return respond(503, errorBody(503, "000", "Service temporarily unavailable", "internal"), false);
    }
    if (scenario === "timeout_before_charge" && context.attempts.firstTime(`adyen:hang:${attemptToken}`)) {
      return { kind: "hang_without_processing" };
    }

    const digits = paymentMethod.number.replace(/[\s-]/g, "");
    const charge: SandboxCharge = {
      psp: "adyen",
      pspReference: adyenPspReference(),
      chargeId: null,
      reference,
      merchantAccount,
      amountMinor: valueMinor,
      currency,
      captureMethod: manualCapture ? "manual" : "automatic",
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
      createdAt: context.now().toISOString(),
    };
    ledger.add(charge);
    ledger.rememberKey(charge, call.idempotencyKey);
    ledger.note(charge, "created", { amountMinor: valueMinor, detail: call.idempotencyKey ?? undefined });

    if (outcome.kind === "decline") {
      const refusal = REFUSALS[outcome.code];
      refuse(charge, refusal, "declined", outcome.code);
      return respond(200, paymentResponse(charge, "Refused", refusal), true);
    }
    if (outcome.kind === "processing_error") {
      refuse(charge, PROCESSING_ERROR, "failed", "processing_error");
      return respond(200, paymentResponse(charge, "Error", PROCESSING_ERROR), true);
    }
    if (outcome.kind === "three_d_secure") {
      const returnUrl = typeof body.returnUrl === "string" ? body.returnUrl : null;
      return authenticate(charge, outcome.flow, manualCapture, returnUrl);
    }
    if (scenario === "async_approve" || scenario === "async_decline") {
      context.deferred.later(context.timings.asyncOutcomeDelayMs, () => {
        if (charge.status !== "pending") return;
        if (scenario === "async_approve") authorise(charge, manualCapture);
        else refuse(charge, REFUSALS.card_declined, "declined", "card_declined");
      });
      return respond(200, paymentResponse(charge, "Received", null), true);
    }
    authorise(charge, manualCapture);
    return respond(
      200,
      paymentResponse(charge, "Authorised", null),
      true,
      scenario === "timeout_after_charge" ? context.hangMs() : undefined,
    );
  }

  type ModificationKind = "capture" | "cancel" | "refund";

  function modification(kind: ModificationKind) {
    return (call: PspCall): PspResult => {
      const paymentPspReference = call.params.pspReference!;
      const body = asObject(call.body);
      const merchantAccount = requiredString(body, "merchantAccount", "901");
      const requested = kind === "cancel" ? null : parseAmount(body.amount);
      const charge = ledger.get("adyen", paymentPspReference);
      if (charge === undefined) {
        return respond(
          422,
          errorBody(422, "167", "Original pspReference required for this operation", "validation"),
          false,
        );
      }
      const modificationReference = adyenPspReference();
      const reference = typeof body.reference === "string" ? body.reference : undefined;
      ledger.rememberKey(charge, call.idempotencyKey);
      ledger.note(charge, `${kind}_received`, {
        amountMinor: requested?.valueMinor,
        modificationReference,
      });
      let pendingRefund: SandboxRefund | null = null;
      if (kind === "refund") {
        pendingRefund = {
          id: modificationReference,
          amountMinor: requested!.valueMinor,
          status: "pending",
          idempotencyKey: call.idempotencyKey,
          createdAt: context.now().toISOString(),
        };
        charge.refunds.push(pendingRefund);
      }
      context.deferred.later(context.timings.modificationDelayMs, () => {
        if (kind === "capture") applyCapture(charge, modificationReference, requested!);
        else if (kind === "cancel") applyCancel(charge, modificationReference);
        else applyRefund(charge, pendingRefund!, requested!.currency);
      });
      return respond(
        201,
        {
          merchantAccount,
          paymentPspReference,
          pspReference: modificationReference,
          ...(reference === undefined ? {} : { reference }),
          status: "received",
          ...(requested === null
            ? {}
            : { amount: { currency: requested.currency, value: Number(requested.valueMinor) } }),
        },
        true,
      );
    };
  }

  function applyCapture(
    charge: SandboxCharge,
    modificationReference: string,
    requested: { valueMinor: bigint; currency: string },
  ): void {
    const fail = (reason: string) => {
      ledger.note(charge, "capture_refused", {
        amountMinor: requested.valueMinor,
        modificationReference,
        detail: reason,
      });
      notify(charge, {
        eventCode: "CAPTURE",
        success: false,
        pspReference: modificationReference,
        originalReference: charge.pspReference,
        amountMinor: requested.valueMinor,
        reason,
      });
    };
    const capturable = capturableMinor(charge);
    const refusal =
      requested.currency !== charge.currency
        ? "Modification in different currency than authorisation"
        : charge.status !== "authorized"
          ? `Payment is ${charge.status}, not authorised`
          : requested.valueMinor > capturable
            ? "Insufficient balance on payment"
            : null;
    if (refusal !== null) {
      fail(refusal);
      return;
    }
    charge.capturedMinor += requested.valueMinor;
    // Like Stripe, the uncaptured rest of a partial capture is released.
    charge.voidedMinor += capturable - requested.valueMinor;
    charge.status = moneyStatus(charge);
    ledger.note(charge, "captured", { amountMinor: requested.valueMinor, modificationReference });
    ledger.addSettlement({
      kind: "capture",
      id: modificationReference,
      charge,
      sourceId: modificationReference,
      amountMinor: requested.valueMinor,
    });
    notify(charge, {
      eventCode: "CAPTURE",
      success: true,
      pspReference: modificationReference,
      originalReference: charge.pspReference,
      amountMinor: requested.valueMinor,
    });
    context.disputes.afterCapture(charge);
    if (charge.scenario !== "capture_fails") return;
    context.deferred.later(context.timings.followUpFailureDelayMs, () => {
      // The scheme rejected the capture after Adyen accepted it: nothing was taken after all.
      charge.capturedMinor -= requested.valueMinor;
      charge.voidedMinor += requested.valueMinor;
      charge.status = moneyStatus(charge);
      ledger.reverseSettlement(modificationReference);
      ledger.note(charge, "capture_failed", { amountMinor: requested.valueMinor, modificationReference });
      notify(charge, {
        eventCode: "CAPTURE_FAILED",
        success: true,
        pspReference: modificationReference,
        originalReference: charge.pspReference,
        amountMinor: requested.valueMinor,
        reason: "Capture failed: authorisation expired",
      });
    });
  }

  function applyCancel(charge: SandboxCharge, modificationReference: string): void {
    if (charge.status === "requires_action") {
      // 3-D Secure: an abandoned challenge is cancelled before anything was authorised.
      charge.status = "voided";
      ledger.note(charge, "voided", {
        amountMinor: 0n,
        modificationReference,
        detail: "challenge abandoned",
      });
      notify(charge, {
        eventCode: "CANCELLATION",
        success: true,
        pspReference: modificationReference,
        originalReference: charge.pspReference,
        amountMinor: charge.amountMinor,
      });
      return;
    }
    if (charge.status !== "authorized") {
      const reason = `Payment is ${charge.status}, not authorised`;
      ledger.note(charge, "cancel_refused", { modificationReference, detail: reason });
      notify(charge, {
        eventCode: "CANCELLATION",
        success: false,
        pspReference: modificationReference,
        originalReference: charge.pspReference,
        amountMinor: charge.amountMinor,
        reason,
      });
      return;
    }
    const released = capturableMinor(charge);
    charge.voidedMinor += released;
    charge.status = moneyStatus(charge);
    ledger.note(charge, "voided", { amountMinor: released, modificationReference });
    notify(charge, {
      eventCode: "CANCELLATION",
      success: true,
      pspReference: modificationReference,
      originalReference: charge.pspReference,
      amountMinor: charge.amountMinor,
    });
  }

  function applyRefund(charge: SandboxCharge, refund: SandboxRefund, currency: string): void {
    const fail = (reason: string) => {
      refund.status = "failed";
      ledger.note(charge, "refund_refused", {
        amountMinor: refund.amountMinor,
        modificationReference: refund.id,
        detail: reason,
      });
      notify(charge, {
        eventCode: "REFUND",
        success: false,
        pspReference: refund.id,
        originalReference: charge.pspReference,
        amountMinor: refund.amountMinor,
        reason,
      });
    };
    // Refunds are processed in the order they were received; pending ones behind this one don't count yet.
    const refundedSoFar = charge.refunds
      .filter((candidate) => candidate.status === "succeeded")
      .reduce((sum, candidate) => sum + candidate.amountMinor, 0n);
    const refusal =
      currency !== charge.currency
        ? "Modification in different currency than authorisation"
        : refund.amountMinor > charge.capturedMinor - refundedSoFar
          ? "Insufficient balance on payment"
          : null;
    if (refusal !== null) {
      fail(refusal);
      return;
    }
    refund.status = "succeeded";
    charge.refundedMinor += refund.amountMinor;
    charge.status = moneyStatus(charge);
    ledger.note(charge, "refund_succeeded", {
      amountMinor: refund.amountMinor,
      modificationReference: refund.id,
    });
    ledger.addSettlement({
      kind: "refund",
      id: refund.id,
      charge,
      sourceId: refund.id,
      amountMinor: refund.amountMinor,
    });
    notify(charge, {
      eventCode: "REFUND",
      success: true,
      pspReference: refund.id,
      originalReference: charge.pspReference,
      amountMinor: refund.amountMinor,
    });
    if (charge.scenario !== "refund_fails") return;
    context.deferred.later(context.timings.followUpFailureDelayMs, () => {
      refund.status = "failed";
      charge.refundedMinor -= refund.amountMinor;
      charge.status = moneyStatus(charge);
      ledger.reverseSettlement(refund.id);
      ledger.note(charge, "refund_failed", {
        amountMinor: refund.amountMinor,
        modificationReference: refund.id,
      });
      notify(charge, {
        eventCode: "REFUND_FAILED",
        success: true,
        pspReference: refund.id,
        originalReference: charge.pspReference,
        amountMinor: refund.amountMinor,
        reason: "Refund failed: the card account is closed",
      });
    });
  }

  /**
   * REPORT_AVAILABLE, as Adyen sends it: the file name as pspReference, the download URL as reason; no payment.
   */
  function notifyReportAvailable(fileName: string, downloadUrl: string): void {
    enqueueItem(
      {
        additionalData: {},
        amount: { currency: "EUR", value: 0 },
        eventCode: "REPORT_AVAILABLE",
        eventDate: eventDate(context.now()),
        merchantAccountCode: "PaycoreSandboxECOM",
        merchantReference: "",
        paymentMethod: "",
        pspReference: fileName,
        reason: downloadUrl,
        success: "true",
      },
      [0],
      fileName,
    );
  }

  /** Adyen's dispute reason texts for the sandbox's reasons. */
  const ADYEN_DISPUTE_REASONS: Readonly<Record<string, string>> = {
    fraudulent: "Fraud",
    product_not_received: "Goods/Services Not Provided",
    product_unacceptable: "Not as Described",
    duplicate: "Duplicate Processing",
    credit_not_processed: "Credit Not Processed",
    subscription_canceled: "Cancelled Recurring Transaction",
  };

  function notifyDispute(
    dispute: SandboxDispute,
    charge: SandboxCharge,
    eventCode: AdyenEventCode,
    disputeStatus: string,
  ): void {
    notify(charge, {
      eventCode,
      success: true,
      pspReference: dispute.id,
      originalReference: dispute.paymentPspReference,
      amountMinor: dispute.amountMinor,
      reason: ADYEN_DISPUTE_REASONS[dispute.reason] ?? "General",
      additionalData: {
        disputePspReference: dispute.id,
        chargebackReasonCode: dispute.networkReasonCode,
        chargebackSchemeCode: charge.cardBrand === "mastercard" ? "mc" : charge.cardBrand,
        defensePeriodEndsAt: `${dispute.dueBy.slice(0, 19)}+00:00`,
        disputeStatus,
        defendable: "true",
      },
    });
  }

  /** The engine's events as Adyen's dispute notifications (its own sequence, not Stripe's). */
  function announceDispute(dispute: SandboxDispute, event: SandboxDisputeEvent, charge: SandboxCharge): void {
    const inquiry = dispute.kind === "inquiry";
    switch (event) {
      case "opened":
        notifyDispute(
          dispute,
          charge,
          inquiry ? "REQUEST_FOR_INFORMATION" : "NOTIFICATION_OF_CHARGEBACK",
          "Undefended",
        );
        return;
      case "funds_withdrawn":
        notifyDispute(dispute, charge, "CHARGEBACK", "Undefended");
        return;
      case "evidence_received":
        notifyDispute(dispute, charge, "INFORMATION_SUPPLIED", "Pending");
        return;
      case "won":
        // An inquiry just ends: Adyen has no notification for a request for information that was answered.
        if (!inquiry) notifyDispute(dispute, charge, "CHARGEBACK_REVERSED", "Won");
        return;
      case "lost":
        // The defence reverses the chargeback, then the issuer declines it: the amount is deducted again.
        notifyDispute(dispute, charge, "CHARGEBACK_REVERSED", "Pending");
        notifyDispute(dispute, charge, "SECOND_CHARGEBACK", "Lost");
        return;
      case "expired":
        if (!inquiry) notifyDispute(dispute, charge, "DISPUTE_DEFENSE_PERIOD_ENDED", "Lost");
        return;
    }
  }
  context.disputes.register("adyen", adyenPspReference, announceDispute);

  /** Adyen's Disputes API (DisputeService v30): defence documents, defend, accept. */
  function disputeCall(kind: "supply" | "defend" | "accept" | "reasons") {
    return (call: PspCall): PspResult => {
      const body = asObject(call.body);
      const id = requiredString(body, "disputePspReference", "000");
      requiredString(body, "merchantAccountCode", "901");
      const dispute = context.disputes.get(id);
      if (dispute === undefined || dispute.psp !== "adyen") {
        return respond(
          200,
          { disputeServiceResult: { success: false, errorMessage: "Dispute not found" } },
          true,
        );
      }
      if (kind === "reasons") {
        return respond(
          200,
          {
            defenseReasons: applicableDefenseReasons(dispute.reason),
            disputeServiceResult: { success: true },
          },
          false,
        );
      }
      try {
        if (kind === "accept") {
          context.disputes.accept(id);
        } else if (kind === "defend") {
          const reason = requiredString(body, "defenseReasonCode", "000");
          context.disputes.receiveEvidence(
            id,
            { idempotencyKey: call.idempotencyKey, fields: { defenseReasonCode: reason }, documents: [] },
            true,
          );
        } else {
          const documents = Array.isArray(body.defenseDocuments) ? body.defenseDocuments.map(asObject) : [];
          if (documents.length === 0 || documents.length > 20) {
            throw new ValidationError("000", "defenseDocuments must hold 1 to 20 documents");
          }
          const received = documents.map((document, index) => {
            const content = typeof document.content === "string" ? document.content : "";
            const type =
              typeof document.defenseDocumentTypeCode === "string" ? document.defenseDocumentTypeCode : "";
            if (content === "" || type === "")
              throw new ValidationError("000", `defenseDocuments[${index}] is incomplete`);
            if (!documentTypeApplies(dispute.reason, type))
              throw new DisputeError(400, `defenseDocuments[${index}]: document type ${type} does not apply`);
            const bytes = Buffer.from(content, "base64");
            const refusal = defenseDocumentRefusal(document.contentType, bytes);
            if (refusal !== null) throw new DisputeError(400, `defenseDocuments[${index}]: ${refusal}`);
            return { name: type, bytes: bytes.length, contentType: String(document.contentType) };
          });
          context.disputes.receiveEvidence(
            id,
            { idempotencyKey: call.idempotencyKey, fields: {}, documents: received },
            false,
          );
        }
      } catch (error) {
        if (!(error instanceof DisputeError)) throw error;
        return respond(200, { disputeServiceResult: { success: false, errorMessage: error.message } }, true);
      }
      return respond(200, { disputeServiceResult: { success: true } }, true);
    };
  }

  /** Validation errors are 422s that store nothing. */
  function withValidation(handler: (call: PspCall) => PspResult): (call: PspCall) => PspResult {
    return (call) => {
      try {
        return handler(call);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return respond(422, errorBody(422, error.errorCode, error.message, "validation"), false);
      }
    };
  }

  const dialect: PspDialect = {
    psp: "adyen",
    pathPrefix: "/adyen/v72",
    routes: [
      { method: "POST", pattern: /^\/payments$/, handle: withValidation(payments) },
      { method: "POST", pattern: /^\/paymentMethods$/, handle: withValidation(paymentMethods) },
      { method: "POST", pattern: /^\/payments\/details$/, handle: withValidation(paymentDetails) },
      {
        method: "POST",
        pattern: /^\/payments\/(?<pspReference>[A-Za-z0-9]+)\/captures$/,
        handle: withValidation(modification("capture")),
      },
      {
        method: "POST",
        pattern: /^\/payments\/(?<pspReference>[A-Za-z0-9]+)\/cancels$/,
        handle: withValidation(modification("cancel")),
      },
      {
        method: "POST",
        pattern: /^\/payments\/(?<pspReference>[A-Za-z0-9]+)\/refunds$/,
        handle: withValidation(modification("refund")),
      },
    ],

    authenticate(request) {
      const apiKey = headerValue(request, "x-api-key");
      if (apiKey !== null && apiKey.length > 0) return null;
      return render(401, errorBody(401, "000", "HTTP Status Response - Unauthorized", "security"), null);
    },

    parseBody(raw) {
      if (raw === "") return { ok: true, value: {} };
      try {
        return { ok: true, value: JSON.parse(raw) as unknown };
      } catch {
        return { ok: false, status: 400 };
      }
    },

    render: (status, body, idempotencyKey) => render(status, body, idempotencyKey),

    errorResponse(error, idempotencyKey) {
      switch (error.kind) {
        case "server_error":
          return render(
            error.status,
            errorBody(
              error.status,
              "000",
              error.status === 503 ? "Service unavailable" : "Internal error",
              "internal",
            ),
            idempotencyKey,
          );
        case "bad_request":
          return render(
            error.status,
            errorBody(error.status, "702", error.message, "validation"),
            idempotencyKey,
          );
        case "not_found":
          return render(404, errorBody(404, "000", `Not found: ${error.path}`, "validation"), idempotencyKey);
        case "idempotency_mismatch":
          return render(
            422,
            errorBody(422, "704", "Idempotency key was already used with a different request", "validation"),
            idempotencyKey,
          );
        case "idempotency_in_progress":
          return render(
            409,
            errorBody(409, "704", "request already processed or in progress", "validation"),
            idempotencyKey,
            { "Transient-Error": "true" },
          );
      }
    },
  };

  function render(
    status: number,
    body: unknown,
    idempotencyKey: string | null,
    extraHeaders: Record<string, string> = {},
  ): StoredResponse {
    return {
      status,
      headers: {
        "Content-Type": "application/json;charset=UTF-8",
        ...(idempotencyKey === null ? {} : { "Idempotency-Key": idempotencyKey }),
        ...extraHeaders,
      },
      body: JSON.stringify(body),
    };
  }

  /** The Disputes API beside the Checkout API: the adapter maps Adyen's ca-test host here. */
  const disputesDialect: PspDialect = {
    ...dialect,
    pathPrefix: "/adyen/ca/services/DisputeService/v30",
    routes: [
      { method: "POST", pattern: /^\/supplyDefenseDocument$/, handle: withValidation(disputeCall("supply")) },
      { method: "POST", pattern: /^\/defendDispute$/, handle: withValidation(disputeCall("defend")) },
      { method: "POST", pattern: /^\/acceptDispute$/, handle: withValidation(disputeCall("accept")) },
      {
        method: "POST",
        pattern: /^\/retrieveApplicableDefenseReasons$/,
        handle: withValidation(disputeCall("reasons")),
      },
    ],
  };

  return {
    dialect,
    disputesDialect,
    notifyReportAvailable,
    clear() {
      authentications.clear();
      redirectResults.clear();
    },
  };
}
