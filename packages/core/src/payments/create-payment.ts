// Creates a payment: validates the request, routes it, scores it with the risk rules, records the payment
// with its first attempt (the intent, claiming the idempotency key), then asks the PSPs in routing order,
// failing over only when a PSP certainly charged nothing, and records the outcome.

import { parseEmailAddress } from "../documents/email-address";
import { DomainError, invariant } from "../errors/domain-error";
import { validateCustomer } from "../fraud/customer-context";
import type { ScoreResult } from "../fraud/risk-scorer";
import type { IdempotencyContext, IdempotentOutcome, RunOptions } from "../idempotency/idempotency-service";
import { type IdempotencyKey, newId, type PaymentId, parseId, parseIdempotencyKey } from "../ids/ids";
import { parseCurrency } from "../money/currency";
import { parseAmountMinor } from "../money/money";
import type { CardContext } from "../ports/risk-data";
import type { PaymentServiceProvider, PspOutcome } from "../psp/psp-port";
import { decryptPan, type EncryptedPan } from "../vault/card-vault";
import { apiEvent, failureData, newAttempt, routingRecord, settle, statusMessage } from "./payment-changes";
import {
  callPsp,
  type PaymentCommandsDependencies,
  paymentMethodNotFound,
  requestKeyOf,
  scope,
  withField,
} from "./payment-deps";
import { checkConversionRate } from "./payment-fx";
import { validateDescription, validateMetadata } from "./payment-input";
import type { MerchantActor, PaymentMethodRecord, PaymentRecord, PspAttemptDraft } from "./payment-record";
import type { CreatePaymentInput } from "./payment-requests";
import type { PaymentResult } from "./payment-responses";
import { settleAuthorization } from "./record-authorization";

type Deps = PaymentCommandsDependencies;
const RETURN_URL_LENGTH_MAX = 2048;
type NewPaymentRequest = ReturnType<typeof parseCreatePayment>;
type Routed = Awaited<ReturnType<Deps["psps"]["routeAuthorization"]>>;
type StoredMethod = { method: PaymentMethodRecord; encryptedPan: EncryptedPan };

/** Validates the request: a bad input writes nothing. */
function parseCreatePayment(input: CreatePaymentInput) {
  const currency = parseCurrency(input.currency);
  if (currency === null) {
    throw new DomainError("CURRENCY_INVALID", "currency must be an ISO 4217 code such as USD.", {
      field: ["currency"],
    });
  }
  const amountMinor = withField(["amount"], () => parseAmountMinor(input.amount, { currency }));
  const paymentMethodId = parseId("paymentMethod", input.paymentMethodId);
  if (paymentMethodId === null) throw paymentMethodNotFound();
  const description = validateDescription(input.description ?? null);
  const metadata = validateMetadata(input.metadata ?? {});
  const customer = validateCustomer(input.customer);
  const captureMethod = input.captureMethod;
  const receiptEmail = parseEmailAddress(input.receiptEmail, ["receiptEmail"]);
  const returnUrl = parseReturnUrl(input.returnUrl);
  // Only present when asked for, so the request hash of a payment without a receipt is what it always was.
  return {
    amountMinor,
    currency,
    paymentMethodId,
    captureMethod,
    description,
    metadata,
    customer,
    ...(receiptEmail === null ? {} : { receiptEmail }),
    ...(returnUrl === null ? {} : { returnUrl }),
  };
}

export async function createPayment(
  deps: Deps,
  actor: MerchantActor,
  input: CreatePaymentInput,
  options: Pick<RunOptions, "gate"> = {},
): Promise<IdempotentOutcome<PaymentResult>> {
  let key: IdempotencyKey;
  let request: NewPaymentRequest;
  try {
    key = parseIdempotencyKey(input.idempotencyKey);
    request = parseCreatePayment(input);
  } catch (error) {
    // A refused input is still a request: the gate (the caller's limits) decides first.
    await options.gate?.();
    throw error;
  }
  // The key is claimed by the intent write: everything before it only reads, and the velocity counters count
  // a request once whatever its retries.
  return deps.idempotency.runClaimedByWrite(
    scope(actor, key),
    "createPayment",
    request,
    (context) => authorizeNewPayment(deps, actor, key, request, context),
    options,
  );
}

async function authorizeNewPayment(
  deps: Deps,
  actor: MerchantActor,
  key: IdempotencyKey,
  request: NewPaymentRequest,
  context: IdempotencyContext,
): Promise<PaymentResult> {
  // Onboarding (issue 22): an unverified merchant's live payments stop at its limit; restricted or frozen ones take
  // none. Asked before routing: a refused merchant learns why, whatever its PSP accounts.
  // The insert enforces the limit again under a lock (liveVolumeCapMinor): this early check only answers sooner.
  const liveVolumeCapMinor =
    actor.mode === "LIVE" && deps.admission
      ? await deps.admission.checkLivePayment(actor.merchantId, request.amountMinor, request.currency)
      : null;
  const { stored, routed, psp } = await routeForCard(deps, actor, request);
  const now = deps.now();
  if (isExpired(stored.method, now)) {
    throw new DomainError("CARD_EXPIRED", "The card of this payment method has expired.", {
      field: ["paymentMethodId"],
    });
  }
  // Multiple currencies (issue 18): a payment that will convert needs a fresh rate now (fail fast, lock nothing).
  await checkConversionRate(deps, actor, request.currency);
  const paymentId = newId("payment");
  const scored = await scorePayment(deps, actor, key, paymentId, request, stored, now);
  const decision = scored?.assessment.decision ?? "APPROVE";
  const firstAttempt =
    decision === "DECLINE"
      ? null
      : {
          ...newAttempt("AUTHORIZE", psp.name, request.amountMinor, request.currency, null),
          routing: routingRecord(routed.decision),
        };
  const created = await insertPayment(deps, actor, context, {
    liveVolumeCapMinor,
    paymentId,
    request,
    stored,
    psp,
    firstAttempt,
    scored,
  });
  context.markSideEffects();
  if (firstAttempt === null) {
    // Declined by the risk rules: the PSP is never asked.
    return settleAuthorization(deps, actor, context, created, null, {
      outcome: "declined",
      code: "fraud_suspected",
      message: `Declined by the risk rules (score ${scored?.assessment.score ?? "?"}).`,
    });
  }
  const holdForReview = decision === "REVIEW";
  const tried = await authorizeInRoutingOrder(
    deps,
    actor,
    { routed, stored, request, holdForReview },
    created,
    firstAttempt,
  );
  if ("settledElsewhere" in tried) return { payment: tried.settledElsewhere, errors: [] };
  if (tried.outcome.outcome === "declined" && scored) await deps.risk?.recordDecline(scored.attempt);
  const holdUntil = holdForReview ? new Date(now.getTime() + deps.reviewHoldTtlMs) : null;
  return settleAuthorization(deps, actor, context, tried.payment, tried.attempt, tried.outcome, holdUntil);
}

/** A merchant's return URL after 3-D Secure: an absolute http(s) URL with no credentials, bounded. */
function parseReturnUrl(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const invalid = () =>
    new DomainError(
      "RETURN_URL_INVALID",
      "returnUrl must be an absolute http or https URL of at most 2048 characters.",
      {
        field: ["returnUrl"],
      },
    );
  if (typeof value !== "string" || value.length > RETURN_URL_LENGTH_MAX) throw invalid();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid();
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username !== "" || url.password !== "")
    throw invalid();
  return url.toString();
}

/**
 * The stored card and the PSPs to ask for it, best first. With none: PSP_NOT_REACHED when a PSP would take it but
 * its breaker is open (a passing outage, nothing was done), PSP_NOT_CONFIGURED otherwise.
 */
async function routeForCard(deps: Deps, actor: MerchantActor, request: NewPaymentRequest) {
  // With risk scoring, the card's fraud context (list hits, first use) comes in the card's round trip.
  const cardContextFor = deps.risk
    ? { email: request.customer.email, ipAddress: request.customer.ipAddress }
    : undefined;
  const stored = await deps.store.findPaymentMethodWithPan(actor, request.paymentMethodId, cardContextFor);
  if (stored === null) throw paymentMethodNotFound();
  const routed = await deps.psps.routeAuthorization(actor.mode, {
    merchantId: actor.merchantId,
    currency: request.currency,
    brand: stored.method.brand,
    cardCountry: stored.method.cardCountry,
    amountMinor: request.amountMinor,
    ...(stored.method.fundingType ? { fundingType: stored.method.fundingType } : {}),
  });
  const psp = routed.candidates[0];
  if (psp === undefined) {
    if (routed.decision.skipped.some((skip) => skip.reason === "breaker_open")) {
      throw new DomainError(
        "PSP_NOT_REACHED",
        "No payment service provider can be reached right now; nothing was done, retry later.",
      );
    }
    throw new DomainError(
      "PSP_NOT_CONFIGURED",
      `No payment service provider is configured for ${actor.mode} mode and ${request.currency}.`,
    );
  }
  return { stored, routed, psp };
}

function scorePayment(
  deps: Deps,
  actor: MerchantActor,
  key: IdempotencyKey,
  paymentId: PaymentId,
  request: NewPaymentRequest,
  { method, cardContext }: { method: PaymentMethodRecord; cardContext?: CardContext },
  now: Date,
): Promise<ScoreResult | null> {
  const { risk } = deps;
  if (!risk) return Promise.resolve(null);
  return deps.store.merchantSettings(actor).then((settings) =>
    risk.score({
      merchantId: actor.merchantId,
      mode: actor.mode,
      paymentId,
      requestKey: requestKeyOf(actor, key),
      amountMinor: request.amountMinor,
      currency: request.currency,
      card: {
        fingerprint: method.fingerprint,
        bin: method.bin,
        brand: method.brand,
        country: method.cardCountry,
      },
      customer: request.customer,
      settings: settings.risk,
      now,
      ...(cardContext ? { cardContext } : {}),
    }),
  );
}

interface NewPaymentParts {
  /** An unverified merchant's live limit, enforced by the insert; null: none. */
  liveVolumeCapMinor: bigint | null;
  paymentId: PaymentId;
  request: NewPaymentRequest;
  stored: StoredMethod;
  psp: PaymentServiceProvider;
  /** Null when the risk rules declined it: no PSP is asked. */
  firstAttempt: PspAttemptDraft | null;
  scored: ScoreResult | null;
}

/** The intent write: the payment, its first attempt and risk assessment, claiming the request's key. */
function insertPayment(
  deps: Deps,
  actor: MerchantActor,
  context: IdempotencyContext,
  { liveVolumeCapMinor, paymentId, request, stored, psp, firstAttempt, scored }: NewPaymentParts,
): Promise<PaymentRecord> {
  const { amountMinor, currency, captureMethod, customer } = request;
  const toPsp = firstAttempt !== null;
  const decision = scored?.assessment.decision ?? "APPROVE";
  return deps.store.insertPayment({
    payment: {
      id: paymentId,
      merchantId: actor.merchantId,
      mode: actor.mode,
      status: "PENDING",
      amountMinor,
      currency,
      amountCapturableMinor: 0n,
      amountCapturedMinor: 0n,
      amountRefundedMinor: 0n,
      amountRefundPendingMinor: 0n,
      amountDisputedMinor: 0n,
      captureMethod,
      paymentMethodId: request.paymentMethodId,
      description: request.description,
      metadata: request.metadata,
      pspName: toPsp ? psp.name : null,
      pspReference: null,
      failureCode: null,
      failureMessage: null,
      pendingOperation: toPsp ? "AUTHORIZE" : null,
      cardFingerprint: stored.method.fingerprint,
      customerEmail: customer.email,
      ipAddress: customer.ipAddress,
      deviceId: customer.deviceId,
      billingCountry: customer.billingCountry,
      geoLatitude: scored?.location?.latitude ?? null,
      geoLongitude: scored?.location?.longitude ?? null,
      reviewExpiresAt: null,
      threeDSecure: null,
      nextActionUrl: null,
      actionExpiresAt: null,
      returnUrl: request.returnUrl ?? null,
    },
    receiptEmail: request.receiptEmail ?? null,
    liveVolumeCapMinor,
    attempt: firstAttempt,
    risk: scored && {
      id: newId("riskAssessment"),
      score: scored.assessment.score,
      decision: scored.assessment.decision,
      signals: scored.assessment.signals,
      degraded: scored.assessment.degraded,
      velocitySource: scored.velocitySource,
    },
    event: apiEvent(actor, "payment.created", null, "PENDING", {
      amountMinor,
      currency,
      captureMethod,
      ...(scored ? { riskScore: scored.assessment.score, riskDecision: decision } : {}),
    }),
    outbox: [statusMessage("payment.created", paymentId, "PENDING")],
    idempotency: context.claim(),
  });
}

interface Authorization {
  routed: Routed;
  stored: StoredMethod;
  request: NewPaymentRequest;
  holdForReview: boolean;
}

type Tried =
  | { payment: PaymentRecord; attempt: PspAttemptDraft; outcome: PspOutcome }
  | { settledElsewhere: PaymentRecord };

/**
 * Asks the routed PSPs in order, recording a failover before each next one. Fails over only when a PSP
 * certainly charged nothing; an unknown outcome is resolved, never re-tried elsewhere. Bounded by the candidates.
 */
async function authorizeInRoutingOrder(
  deps: Deps,
  actor: MerchantActor,
  { routed, stored, request, holdForReview }: Authorization,
  created: PaymentRecord,
  firstAttempt: PspAttemptDraft,
): Promise<Tried> {
  const card = {
    number: decryptPan(deps.vault, stored.encryptedPan, stored.method.id),
    expMonth: stored.method.expMonth,
    expYear: stored.method.expYear,
  };
  let payment = created;
  let attempt = firstAttempt;
  let outcome: PspOutcome = { outcome: "unavailable", message: "not attempted" };
  for (let index = 0; index < routed.candidates.length; index++) {
    const candidate = routed.candidates[index] as PaymentServiceProvider;
    const sent = attempt;
    outcome = await callPspAuthorize(candidate, {
      idempotencyKey: sent.idempotencyKey,
      reference: payment.id,
      amountMinor: request.amountMinor,
      currency: request.currency,
      card,
      // A held payment is only authorized: the money is reserved, not taken, until an operator decides.
      capture: request.captureMethod === "AUTOMATIC" && !holdForReview,
      ...(deps.threeDSecure ? { returnUrl: deps.threeDSecure.returnUrlFor(payment.id) } : {}),
    });
    if (outcome.outcome === "succeeded" || outcome.outcome === "declined") {
      deps.psps.recordAuthorization(candidate.name, outcome.outcome === "succeeded");
    }
    const next = routed.candidates[index + 1];
    const certainlyNotCharged =
      outcome.outcome === "unavailable" || (outcome.outcome === "failed" && outcome.retryable);
    if (!certainlyNotCharged || next === undefined) break;
    const following = {
      ...newAttempt("AUTHORIZE", next.name, request.amountMinor, request.currency, null),
      routing: routingRecord(routed.decision),
    };
    const moved = await deps.store.applyPaymentChange(actor, {
      decidedOn: payment,
      patch: { pspName: next.name },
      events: [
        apiEvent(actor, "payment.failover", payment.status, payment.status, {
          from: candidate.name,
          to: next.name,
          ...failureData(outcome),
        }),
      ],
      attemptSettlement: settle(attempt.id, outcome),
      attemptInsert: following,
      outbox: [],
    });
    if (moved === null) {
      // A notification settled the payment meanwhile: that outcome stands, no other PSP is tried.
      const settledElsewhere = await deps.store.findPayment(actor, payment.id);
      invariant(settledElsewhere !== null, `payment ${payment.id} vanished during failover`);
      return { settledElsewhere };
    }
    payment = moved.payment;
    attempt = following;
  }
  return { payment, attempt, outcome };
}

function callPspAuthorize(
  psp: PaymentServiceProvider,
  request: Parameters<PaymentServiceProvider["authorize"]>[0],
): Promise<PspOutcome> {
  return callPsp(() => psp.authorize(request));
}

function isExpired(method: PaymentMethodRecord, now: Date): boolean {
  // A card is valid through the last day of its expiry month.
  const firstDayAfter = Date.UTC(method.expYear, method.expMonth, 1);
  return now.getTime() >= firstDayAfter;
}
