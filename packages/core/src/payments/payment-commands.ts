// The payment commands: the one write path for payments. The GraphQL API and
// the operator console both call these. Each command validates its input (a bad
// input writes nothing), runs under the caller's idempotency key, persists its
// intent before calling the PSP, never holds a database transaction open across
// a PSP call, and records the outcome through the state machine in one
// transaction together with the audit event, ledger entry and outbox message.
import { createHash } from "node:crypto";
import { DomainError, type ErrorCode, invariant } from "../errors/domain-error";
import { binOf, cardCountryFromBin } from "../fraud/bin-country";
import { type CustomerInput, validateCustomer } from "../fraud/customer-context";
import type { RiskScorer } from "../fraud/risk-scorer";
import type {
  IdempotencyContext,
  IdempotencyService,
  IdempotentOutcome,
} from "../idempotency/idempotency-service";
import { encodeResult } from "../idempotency/result-codec";
import { tokenizeRequestIdentity } from "../idempotency/tokenize-request";
import {
  type IdempotencyKey,
  newId,
  type PaymentId,
  type PaymentMethodId,
  type PspAttemptId,
  parseId,
  parseIdempotencyKey,
  type RefundId,
} from "../ids/ids";
import { computeFee, type FeeSchedule } from "../ledger/fees";
import { capturePosting, refundPosting } from "../ledger/postings";
import { type CurrencyCode, parseCurrency } from "../money/currency";
import { parseAmountMinor } from "../money/money";
import type { IdempotencyScope } from "../ports/idempotency-store";
import type { PaymentChange, PaymentStore, StoredAttempt } from "../ports/payment-store";
import type { PspRouter } from "../ports/psp-router";
import type { PaymentServiceProvider, PspOutcome } from "../psp/psp-port";
import type { RoutingDecision } from "../psp/routing";
import { type CardInput, validateCard } from "../vault/card";
import { decryptPan, encryptPan, fingerprintPan, type VaultKeyring } from "../vault/card-vault";
import {
  validateDescription,
  validateMetadata,
  validateOperatorNote,
  validateRefundReason,
} from "./payment-input";
import type {
  CaptureMethod,
  IdempotencyKeyKind,
  MerchantActor,
  PaymentChangeResult,
  PaymentEventDraft,
  PaymentMethodRecord,
  PaymentRecord,
  PspAttemptDraft,
  PspAttemptSettlement,
  RefundRecord,
} from "./payment-record";
import { planCancel, planCapture, planRefund, refundEvent } from "./payment-rules";
import { type PaymentEvent, type PaymentStatus, transition } from "./payment-state-machine";

export {
  DESCRIPTION_MAX_LENGTH,
  METADATA_KEY_MAX_LENGTH,
  METADATA_MAX_KEYS,
  METADATA_VALUE_MAX_LENGTH,
  OPERATOR_NOTE_MAX_LENGTH,
  REFUND_REASON_MAX_LENGTH,
} from "./payment-input";

/** A lost optimistic-lock race is retried on fresh data this many times before giving up. */
const CONFLICT_RETRY_MAX = 20;
/** A change built on a payment that changed before it was applied: nothing was written. */
const LOST_RACE = Symbol("lost race");

export interface UserErrorData {
  code: ErrorCode;
  message: string;
  field: string[] | null;
}

export interface PaymentResult {
  payment: PaymentRecord;
  errors: UserErrorData[];
}

export interface RefundResult {
  refund: RefundRecord;
  payment: PaymentRecord;
  errors: UserErrorData[];
}

export interface TokenizeCardResult {
  paymentMethod: PaymentMethodRecord;
}

export interface TokenizeCardInput {
  idempotencyKey: string;
  card: CardInput;
}

export interface CreatePaymentInput {
  idempotencyKey: string;
  /** Who pays, from where: optional context for the fraud rules. */
  customer?: CustomerInput | null;
  amount: unknown;
  currency: string;
  paymentMethodId: string;
  captureMethod: CaptureMethod;
  description?: string | null;
  metadata?: Record<string, string> | null;
}

export interface CapturePaymentInput {
  idempotencyKey: string;
  paymentId: string;
  amount?: unknown;
}

export interface CancelPaymentInput {
  idempotencyKey: string;
  paymentId: string;
}

export interface RefundPaymentInput {
  idempotencyKey: string;
  paymentId: string;
  amount?: unknown;
  reason?: string | null;
}

export interface ReviewDecisionInput {
  idempotencyKey: string;
  paymentId: string;
  note?: string | null;
}

/** An operator acting from the console or the CLI. */
export interface OperatorActor {
  operatorId: string;
}

export interface PaymentCommandsDependencies {
  store: PaymentStore;
  idempotency: IdempotencyService;
  /** Routing and PSP lookup; test mode only ever reaches sandbox PSPs. */
  psps: PspRouter;
  vault: VaultKeyring;
  /** Scores every payment before authorization; null turns fraud checks off (unit tests only). */
  risk: RiskScorer | null;
  /** How long a payment held for review waits for an operator before it is voided. */
  reviewHoldTtlMs: number;
  now(): Date;
}

/** A PSP's notification, normalised from its webhook format. */
export type PspNotification =
  | {
      kind: "authorization";
      pspName: string;
      pspReference: string;
      /** Our payment id as the PSP echoes it: finds the payment before its PSP reference is recorded. */
      reference: string | null;
      success: boolean;
      code: string | null;
    }
  | {
      kind: "capture" | "void" | "refund";
      pspName: string;
      /** The payment's reference at the PSP. */
      paymentPspReference: string;
      /** The modification's own reference, when the PSP gives one. */
      modificationReference: string | null;
      /** Our attempt id as the PSP echoes it (the reference we sent with the modification), when it does. */
      attemptReference?: string | null;
      success: boolean;
      code: string | null;
    };

export type NotificationResult =
  | { applied: true; paymentId: PaymentId; status: PaymentStatus }
  /**
   * in_flight: our own call for it is still running, or the payment kept changing under it; either way the PSP
   * should redeliver later.
   */
  | { applied: false; reason: "unknown_payment" | "already_applied" | "contradicts_confirmed" | "in_flight" };

export interface ResolutionSummary {
  resolved: number;
  rescheduled: number;
  escalated: number;
}

/** When the resolver asks again after each inconclusive try; past the last, operators are asked to look. */
export const RESOLVE_SCHEDULE_MS = [
  0,
  5_000,
  15_000,
  60_000,
  5 * 60_000,
  15 * 60_000,
  60 * 60_000,
  6 * 60 * 60_000,
];
/**
 * A try that did not reach the PSP (its breaker open, the connection refused) learned nothing about the earlier
 * call: it is repeated after the wait that came before it, at least this long, without moving the attempt along
 * the schedule, so an outage alone neither stretches the waits nor escalates, until the attempt is older than the
 * whole schedule.
 */
const RESOLVE_UNAVAILABLE_RETRY_MIN_MS = 5_000;
const RESOLVE_SCHEDULE_TOTAL_MS = RESOLVE_SCHEDULE_MS.reduce((sum, ms) => sum + ms, 0);
/**
 * A PENDING attempt older than this had its process die mid-call (PSP calls time out well before). Only for
 * attempts with no recorded owner: the others are taken over as soon as their process stops heartbeating.
 */
const RESOLVE_STALE_AFTER_MS = 2 * 60_000;
/**
 * A capture, void or refund the PSP acknowledged is first looked up this long after, if no notification decided
 * it meanwhile; then on RESOLVE_SCHEDULE_MS, and escalated after its last step.
 */
export const DEFAULT_ACKNOWLEDGED_DEADLINE_MS = 10 * 60_000;
const RESOLVE_BATCH_MAX = 500;

/** The audit event of a modification the PSP accepted without deciding yet. */
const ACKNOWLEDGED_EVENTS = {
  CAPTURE: "payment.capture_acknowledged",
  VOID: "payment.cancel_acknowledged",
  REFUND: "refund.acknowledged",
} as const;

/** Failure codes that mean "nothing charged, another try may work", as a PSP may report them by notification. */
const RETRYABLE_FAILURE_CODES = new Set(["processing_error", "try_again_later", "issuer_not_available"]);

/** Holds voided per sweep; the sweep runs again soon, so a backlog drains in bounded steps. */
export const HOLD_EXPIRY_BATCH_MAX = 100;

export class PaymentCommands {
  constructor(private readonly deps: PaymentCommandsDependencies) {}

  async tokenizeCard(
    actor: MerchantActor,
    input: TokenizeCardInput,
  ): Promise<IdempotentOutcome<TokenizeCardResult>> {
    const key = parseIdempotencyKey(input.idempotencyKey);
    const card = validateCard(input.card, this.deps.now());
    // The CVC was checked for format and is dropped here: it is never stored, not even hashed.
    const fingerprint = fingerprintPan(this.deps.vault, card.number);
    const identity = tokenizeRequestIdentity(card, fingerprint);
    return this.deps.idempotency.run(scope(actor, key), "tokenizeCard", identity, async (context) => {
      const id = newId("paymentMethod");
      const bin = binOf(card.number);
      const record: PaymentMethodRecord = {
        id,
        merchantId: actor.merchantId,
        mode: actor.mode,
        brand: card.brand,
        last4: card.last4,
        expMonth: card.expMonth,
        expYear: card.expYear,
        fingerprint,
        bin,
        // Matched on the whole number while we have it: some issuers need more digits than the stored BIN.
        cardCountry: cardCountryFromBin(card.number),
        createdAt: this.deps.now(),
      };
      const paymentMethod = await this.deps.store.insertPaymentMethod({
        record,
        encryptedPan: encryptPan(this.deps.vault, card.number, id),
        idempotency: {
          ...context.completeWith((method: PaymentMethodRecord) => ({ paymentMethod: method })),
          lockedUntil: context.lockedUntil,
        },
      });
      return { paymentMethod };
    });
  }

  async createPayment(
    actor: MerchantActor,
    input: CreatePaymentInput,
  ): Promise<IdempotentOutcome<PaymentResult>> {
    const key = parseIdempotencyKey(input.idempotencyKey);
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
    const normalized = {
      amountMinor,
      currency,
      paymentMethodId,
      captureMethod,
      description,
      metadata,
      customer,
    };

    // The key is claimed by the intent write: everything before it only reads, and the velocity counters count
    // a request once whatever its retries.
    const { idempotency } = this.deps;
    return idempotency.runClaimedByWrite(scope(actor, key), "createPayment", normalized, async (context) => {
      const stored = await this.deps.store.findPaymentMethodWithPan(actor, paymentMethodId);
      if (stored === null) throw paymentMethodNotFound();
      const routed = await this.deps.psps.routeAuthorization(actor.mode, {
        merchantId: actor.merchantId,
        currency,
        brand: stored.method.brand,
        cardCountry: stored.method.cardCountry,
        amountMinor,
      });
      const psp = routed.candidates[0];
      if (psp === undefined) {
        throw new DomainError(
          "PSP_UNAVAILABLE",
          `No payment service provider is available for ${actor.mode} mode.`,
          {
            retryable: true,
          },
        );
      }
      const routing = routingRecord(routed.decision);
      const now = this.deps.now();
      if (isExpired(stored.method, now)) {
        throw new DomainError("CARD_EXPIRED", "The card of this payment method has expired.", {
          field: ["paymentMethodId"],
        });
      }

      const paymentId = newId("payment");
      const settings = await this.deps.store.merchantSettings(actor);
      const scored = this.deps.risk
        ? await this.deps.risk.score({
            merchantId: actor.merchantId,
            mode: actor.mode,
            paymentId,
            requestKey: requestKeyOf(actor, key),
            amountMinor,
            currency,
            card: {
              fingerprint: stored.method.fingerprint,
              bin: stored.method.bin,
              brand: stored.method.brand,
              country: stored.method.cardCountry,
            },
            customer,
            settings: settings.risk,
            now,
          })
        : null;
      const decision = scored?.assessment.decision ?? "APPROVE";
      const declinedByRisk = decision === "DECLINE";
      const firstAttempt = declinedByRisk
        ? null
        : { ...newAttempt("AUTHORIZE", psp.name, amountMinor, currency, null), routing };
      const created = await this.deps.store.insertPayment({
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
          captureMethod,
          paymentMethodId,
          description,
          metadata,
          pspName: declinedByRisk ? null : psp.name,
          pspReference: null,
          failureCode: null,
          failureMessage: null,
          pendingOperation: declinedByRisk ? null : "AUTHORIZE",
          cardFingerprint: stored.method.fingerprint,
          customerEmail: customer.email,
          ipAddress: customer.ipAddress,
          deviceId: customer.deviceId,
          billingCountry: customer.billingCountry,
          geoLatitude: scored?.location?.latitude ?? null,
          geoLongitude: scored?.location?.longitude ?? null,
          reviewExpiresAt: null,
        },
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
        outbox: [],
        idempotency: context.claim(),
      });
      context.markSideEffects();

      if (firstAttempt === null) {
        // Declined by the risk rules: the PSP is never asked.
        return this.settleAuthorization(actor, context, created, null, {
          outcome: "declined",
          code: "fraud_suspected",
          message: `Declined by the risk rules (score ${scored?.assessment.score ?? "?"}).`,
        });
      }
      const card = {
        number: decryptPan(this.deps.vault, stored.encryptedPan, stored.method.id),
        expMonth: stored.method.expMonth,
        expYear: stored.method.expYear,
      };
      const holdForReview = decision === "REVIEW";
      let payment = created;
      let attempt = firstAttempt;
      let outcome: PspOutcome = { outcome: "unavailable", message: "not attempted" };
      for (let index = 0; index < routed.candidates.length; index++) {
        const candidate = routed.candidates[index] as PaymentServiceProvider;
        const sent = attempt;
        outcome = await callPsp(() =>
          candidate.authorize({
            idempotencyKey: sent.idempotencyKey,
            reference: paymentId,
            amountMinor,
            currency,
            card,
            // A held payment is only authorized: the money is reserved, not taken, until an operator decides.
            capture: captureMethod === "AUTOMATIC" && !holdForReview,
          }),
        );
        if (outcome.outcome === "succeeded" || outcome.outcome === "declined") {
          this.deps.psps.recordAuthorization(candidate.name, outcome.outcome === "succeeded");
        }
        const next = routed.candidates[index + 1];
        // Fail over only when this PSP certainly charged nothing; an unknown outcome is resolved, never re-tried elsewhere.
        const certainlyNotCharged =
          outcome.outcome === "unavailable" || (outcome.outcome === "failed" && outcome.retryable);
        if (!certainlyNotCharged || next === undefined) break;
        const following = { ...newAttempt("AUTHORIZE", next.name, amountMinor, currency, null), routing };
        const moved = await this.deps.store.applyPaymentChange(actor, {
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
          const settledElsewhere = await this.deps.store.findPayment(actor, paymentId);
          invariant(settledElsewhere !== null, `payment ${paymentId} vanished during failover`);
          return { payment: settledElsewhere, errors: [] };
        }
        payment = moved.payment;
        attempt = following;
      }
      if (outcome.outcome === "declined" && scored) await this.deps.risk?.recordDecline(scored.attempt);
      return this.settleAuthorization(
        actor,
        context,
        payment,
        attempt,
        outcome,
        holdForReview ? new Date(now.getTime() + this.deps.reviewHoldTtlMs) : null,
      );
    });
  }

  async capturePayment(
    actor: MerchantActor,
    input: CapturePaymentInput,
  ): Promise<IdempotentOutcome<PaymentResult>> {
    const key = parseIdempotencyKey(input.idempotencyKey);
    const paymentId = parsePaymentId(input.paymentId);
    const requestedMinor = parseOptionalAmount(input.amount);
    const normalized = { paymentId, amountMinor: requestedMinor };

    return this.deps.idempotency.run(scope(actor, key), "capturePayment", normalized, async (context) => {
      let psp: PaymentServiceProvider | null = null;
      let attempt: PspAttemptDraft | null = null;
      let captureMinor = 0n;
      await this.changeWithRetry(actor, paymentId, (payment) => {
        captureMinor = planCapture(payment, requestedMinor).captureMinor;
        psp = this.pspOf(actor, payment);
        attempt = newAttempt("CAPTURE", psp.name, captureMinor, payment.currency, null);
        return {
          patch: { pendingOperation: "CAPTURE" },
          events: [],
          attemptInsert: attempt,
          outbox: [],
          idempotency: { recordId: context.recordId, lockedUntil: context.lockedUntil },
        };
      });
      context.markSideEffects();
      const holder = psp as PaymentServiceProvider | null;
      invariant(holder !== null, "capture routed to the PSP holding the payment");
      return this.captureAtPsp(actor, context, holder, paymentId, attempt, captureMinor);
    });
  }

  async cancelPayment(
    actor: MerchantActor,
    input: CancelPaymentInput,
  ): Promise<IdempotentOutcome<PaymentResult>> {
    const key = parseIdempotencyKey(input.idempotencyKey);
    const paymentId = parsePaymentId(input.paymentId);
    return this.deps.idempotency.run(scope(actor, key), "cancelPayment", { paymentId }, (context) =>
      this.voidAtPsp(actor, context, paymentId, "payment.cancelled", (payment) => planCancel(payment)),
    );
  }

  async refundPayment(
    actor: MerchantActor,
    input: RefundPaymentInput,
  ): Promise<IdempotentOutcome<RefundResult>> {
    const key = parseIdempotencyKey(input.idempotencyKey);
    const paymentId = parsePaymentId(input.paymentId);
    const requestedMinor = parseOptionalAmount(input.amount);
    const reason = validateRefundReason(input.reason ?? null);
    const normalized = { paymentId, amountMinor: requestedMinor, reason };

    return this.deps.idempotency.run(scope(actor, key), "refundPayment", normalized, async (context) => {
      let psp: PaymentServiceProvider | null = null;
      const refundId = newId("refund");
      let refundMinor = 0n;
      let attempt: PspAttemptDraft | null = null;
      const started = await this.changeWithRetry(actor, paymentId, (payment) => {
        refundMinor = planRefund(payment, requestedMinor);
        psp = this.pspOf(actor, payment);
        attempt = newAttempt("REFUND", psp.name, refundMinor, payment.currency, refundId);
        return {
          // Reserve the amount first, so parallel refunds can never exceed what was captured.
          patch: { amountRefundPendingMinor: payment.amountRefundPendingMinor + refundMinor },
          events: [
            apiEvent(actor, "refund.created", payment.status, payment.status, { refundId, refundMinor }),
          ],
          refundInsert: {
            id: refundId,
            paymentId: payment.id,
            merchantId: actor.merchantId,
            mode: actor.mode,
            amountMinor: refundMinor,
            currency: payment.currency,
            reason,
          },
          attemptInsert: attempt,
          outbox: [],
          idempotency: { recordId: context.recordId, lockedUntil: context.lockedUntil },
        };
      });
      context.markSideEffects();
      const refundAttempt = attempt as PspAttemptDraft | null;
      const holder = psp as PaymentServiceProvider | null;
      invariant(
        refundAttempt !== null && holder !== null && started.payment.pspReference !== null,
        "refund attempt recorded",
      );
      const outcome = await callPsp(() =>
        holder.refund({
          idempotencyKey: refundAttempt.idempotencyKey,
          pspReference: started.payment.pspReference as string,
          amountMinor: refundMinor,
          currency: started.payment.currency,
        }),
      );
      const pending = started.refund;
      invariant(pending !== null, "the refund is returned with the change that inserts it");
      const complete = context.completeWith((result: PaymentChangeResult) => refundResponse(outcome, result));
      const settled = await this.changeWithRetry(actor, paymentId, (payment) => {
        const settlement = settle(refundAttempt.id, outcome);
        if (outcome.outcome === "succeeded") {
          return {
            ...settlingAsRead(refundedChange(actor, payment, settlement, refundId, refundMinor), pending),
            idempotency: complete,
          };
        }
        if (outcome.outcome === "pending" || outcome.outcome === "unknown") {
          // Acknowledged, or unknown: the reservation stays until the PSP's answer is known.
          const type = outcome.outcome === "pending" ? "refund.acknowledged" : "refund.unknown";
          return { ...acknowledgedChange(actor, payment, settlement, type, refundId), idempotency: complete };
        }
        const code = outcome.outcome === "unavailable" ? "psp_unavailable" : outcome.code;
        return {
          ...settlingAsRead(
            refundFailedChange(actor, payment, settlement, refundId, refundMinor, code),
            pending,
          ),
          idempotency: complete,
        };
      });
      return refundResponse(outcome, settled);
    });
  }

  /**
   * An operator approves a payment held for review: it becomes AUTHORIZED and, if it asked for automatic
   * capture, is captured at once. The audit trail names the operator and their note.
   */
  async approveReview(
    operator: OperatorActor,
    input: ReviewDecisionInput,
  ): Promise<IdempotentOutcome<PaymentResult>> {
    const { actor, key, paymentId } = await this.operatorOnPayment(operator, input);
    return this.deps.idempotency.run(
      scope(actor, key),
      "approveReview",
      { paymentId, note: input.note ?? null },
      async (context) => {
        let attempt: PspAttemptDraft | null = null;
        let captureMinor = 0n;
        const approved = await this.changeWithRetry(actor, paymentId, (payment) => {
          planReviewDecision(payment);
          const status = transition(payment.status, "REVIEW_APPROVED");
          const captureNow = payment.captureMethod === "AUTOMATIC";
          captureMinor = payment.amountCapturableMinor;
          attempt = captureNow
            ? newAttempt("CAPTURE", payment.pspName ?? "unknown", captureMinor, payment.currency, null)
            : null;
          return {
            patch: { status, reviewExpiresAt: null, pendingOperation: captureNow ? "CAPTURE" : null },
            events: [apiEvent(actor, "review.approved", payment.status, status, {})],
            ...(attempt ? { attemptInsert: attempt } : {}),
            outbox: [statusMessage("payment.authorized", payment.id, status)],
            idempotency: captureNow
              ? { recordId: context.recordId, lockedUntil: context.lockedUntil }
              : {
                  ...context.completeWith((result: PaymentChangeResult) => ({
                    payment: result.payment,
                    errors: [],
                  })),
                  lockedUntil: context.lockedUntil,
                },
          };
        });
        context.markSideEffects();
        if (attempt === null) return { payment: approved.payment, errors: [] };
        return this.captureAtPsp(
          actor,
          context,
          this.pspOf(actor, approved.payment),
          paymentId,
          attempt,
          captureMinor,
        );
      },
    );
  }

  /** An operator rejects a held payment: the authorization is voided and the payment CANCELLED. */
  async rejectReview(
    operator: OperatorActor,
    input: ReviewDecisionInput,
  ): Promise<IdempotentOutcome<PaymentResult>> {
    const { actor, key, paymentId } = await this.operatorOnPayment(operator, input);
    return this.deps.idempotency.run(
      scope(actor, key),
      "rejectReview",
      { paymentId, note: input.note ?? null },
      (context) => this.voidAtPsp(actor, context, paymentId, "review.rejected", planReviewDecision),
    );
  }

  /**
   * Voids holds nobody decided in time. Safe to run from several processes at once: each hold is voided
   * under its own idempotency key. Returns how many were voided and how many failed (left for the next sweep).
   */
  async expireReviewHolds(limit = HOLD_EXPIRY_BATCH_MAX): Promise<{ expired: number; failed: number }> {
    const now = this.deps.now();
    const due = await this.deps.store.expiredReviewHolds(now, Math.min(limit, HOLD_EXPIRY_BATCH_MAX));
    let expired = 0;
    let failed = 0;
    for (const hold of due) {
      const actor: MerchantActor = {
        merchantId: hold.merchantId,
        mode: hold.mode,
        apiKeyId: null,
        by: { source: "SYSTEM", id: "hold-expiry", note: null },
      };
      const key = parseIdempotencyKey(`system:hold-expiry:${hold.paymentId}`);
      try {
        const outcome = await this.deps.idempotency.run(
          scope(actor, key),
          "expireReview",
          { paymentId: hold.paymentId },
          (context) => this.voidAtPsp(actor, context, hold.paymentId, "review.expired", planReviewDecision),
        );
        if (outcome.value.payment.status === "CANCELLED") expired++;
        else failed++;
      } catch {
        failed++;
      }
    }
    return { expired, failed };
  }

  private async operatorOnPayment(operator: OperatorActor, input: ReviewDecisionInput) {
    const key = parseIdempotencyKey(input.idempotencyKey);
    const paymentId = parsePaymentId(input.paymentId);
    const note = validateOperatorNote(input.note);
    const scopeOf = await this.deps.store.findPaymentScope(paymentId);
    if (scopeOf === null) throw paymentNotFound();
    const actor: MerchantActor = {
      merchantId: scopeOf.merchantId,
      mode: scopeOf.mode,
      apiKeyId: null,
      by: { source: "OPERATOR", id: operator.operatorId, note },
    };
    // Operators' keys live apart from the merchant's own keys in the same scope.
    return { actor, key: parseIdempotencyKey(`operator:${key}`.slice(0, 255)), paymentId };
  }

  /**
   * Applies a PSP's notification (webhook) through the state machine. A late or repeated notification never
   * moves a payment backwards: what no longer applies is reported, not applied. Unknown references are for the
   * caller's dead-letter table.
   */
  async applyPspNotification(notification: PspNotification): Promise<NotificationResult> {
    return this.applyNotification(notification, null);
  }

  /**
   * `orphaned`: an attempt the caller (the resolver) knows its process abandoned, settled even while PENDING.
   */
  private async applyNotification(
    notification: PspNotification,
    orphaned: PspAttemptId | null,
  ): Promise<NotificationResult> {
    // The payment and its attempts are read apart: when the payment changed in between (our own call's answer
    // recorded meanwhile, say), the decision was made on stale data and is made again on fresh data.
    for (let round = 0; round < CONFLICT_RETRY_MAX; round++) {
      const result = await this.applyPspNotificationOnce(notification, orphaned);
      if (result !== LOST_RACE) return result;
    }
    return { applied: false, reason: "in_flight" };
  }

  private async applyPspNotificationOnce(
    notification: PspNotification,
    orphaned: PspAttemptId | null,
  ): Promise<NotificationResult | typeof LOST_RACE> {
    const lookup =
      notification.kind === "authorization" ? notification.pspReference : notification.paymentPspReference;
    let payment = await this.deps.store.findPaymentByPspReference(notification.pspName, lookup);
    if (payment === null && notification.kind === "authorization" && notification.reference) {
      const id = parseId("payment", notification.reference);
      const scope = id ? await this.deps.store.findPaymentScope(id) : null;
      payment = id && scope ? await this.deps.store.findPayment({ ...scope, apiKeyId: null }, id) : null;
      if (payment !== null && payment.pspName !== notification.pspName) payment = null;
    }
    if (payment === null) return { applied: false, reason: "unknown_payment" };
    const actor: MerchantActor = {
      merchantId: payment.merchantId,
      mode: payment.mode,
      apiKeyId: null,
      by: { source: "WEBHOOK", id: notification.pspName, note: null },
    };
    const attempts = await this.deps.store.attemptsOf(payment.id);
    /**
     * The attempt a notification is about. Only attempts whose own call is over are settled here (ACKNOWLEDGED,
     * or UNKNOWN after a timeout, or PENDING with its process gone): while a call is still in flight its answer
     * owns the outcome, and the PSP is asked to redeliver later. Matching is exact when a reference is known: our
     * attempt id (echoed back by the PSP) or the PSP's reference for the modification. Without one, only a single
     * open attempt can match.
     */
    const abandoned = (a: StoredAttempt) => a.status === "PENDING" && (a.id === orphaned || a.ownerGone);
    const match = (
      operation: PspAttemptDraft["operation"],
      pspReference: string | null,
      attemptReference: string | null,
    ) => {
      const ours = attempts.filter((a) => a.operation === operation && a.pspName === notification.pspName);
      const settleable = ours.filter(
        (a) => a.status === "ACKNOWLEDGED" || a.status === "UNKNOWN" || abandoned(a),
      );
      const exact =
        (attemptReference
          ? ours.find((a) => a.id === attemptReference || a.idempotencyKey === attemptReference)
          : undefined) ?? (pspReference ? ours.find((a) => a.pspReference === pspReference) : undefined);
      if (exact)
        return settleable.includes(exact)
          ? { attempt: exact }
          : exact.status === "PENDING"
            ? { wait: true }
            : {};
      if (ours.some((a) => a.status === "PENDING" && !abandoned(a))) return { wait: true };
      const unreferenced = settleable.filter((a) => a.pspReference === null || pspReference === null);
      return unreferenced.length === 1 ? { attempt: unreferenced[0] } : {};
    };

    if (notification.kind === "authorization") {
      const found = match("AUTHORIZE", notification.pspReference, null);
      if (found.wait) return { applied: false, reason: "in_flight" };
      const attempt = found.attempt;
      if (payment.status !== "PENDING" || attempt === undefined)
        return { applied: false, reason: "already_applied" };
      const held = (await this.deps.store.riskDecisionOf(payment.id)) === "REVIEW";
      const code = notification.code ?? "card_declined";
      const outcome: PspOutcome = notification.success
        ? { outcome: "succeeded", pspReference: notification.pspReference }
        : RETRYABLE_FAILURE_CODES.has(code)
          ? { outcome: "failed", code, message: "failed by notification", retryable: true }
          : { outcome: "declined", code, message: "declined by notification" };
      const result = await this.applyAuthorization(
        actor,
        payment,
        { ...attempt, currency: payment.currency, refundId: null },
        outcome,
        held ? new Date(this.deps.now().getTime() + this.deps.reviewHoldTtlMs) : null,
      );
      if (result === null) return LOST_RACE;
      this.deps.psps.recordAuthorization(notification.pspName, notification.success);
      // The request of a process that died mid-call is still IN_PROGRESS: it answers what its process would have.
      if (attempt.status === "PENDING") await this.answerAbandonedRequest(attempt, result);
      return { applied: true, paymentId: payment.id, status: result.payment.status };
    }

    const operation =
      notification.kind === "capture" ? "CAPTURE" : notification.kind === "void" ? "VOID" : "REFUND";
    const found = match(operation, notification.modificationReference, notification.attemptReference ?? null);
    if (found.wait) return { applied: false, reason: "in_flight" };
    const attempt = found.attempt;
    if (attempt === undefined) {
      // A failure reported for a modification we already recorded as confirmed (e.g. REFUND_FAILED after REFUND):
      // no edge of the state machine undoes it, so an operator must look.
      const confirmed = attempts.find(
        (a) =>
          a.operation === operation &&
          a.status === "SUCCEEDED" &&
          notification.modificationReference !== null &&
          a.pspReference === notification.modificationReference,
      );
      if (confirmed && !notification.success) return { applied: false, reason: "contradicts_confirmed" };
      return { applied: false, reason: "already_applied" };
    }
    const settlement = {
      id: attempt.id,
      status: notification.success ? ("SUCCEEDED" as const) : ("FAILED" as const),
      pspReference: notification.modificationReference ?? attempt.pspReference,
      errorCode: notification.success ? null : (notification.code ?? "failed"),
      errorMessage: null,
    };
    const settings = await this.deps.store.merchantSettings(actor);
    /** What was recorded, as the outcome the request of an abandoned attempt answers. */
    let recorded: PspOutcome = notification.success
      ? { outcome: "succeeded", pspReference: settlement.pspReference ?? "" }
      : { outcome: "failed", code: settlement.errorCode ?? "failed", message: "failed", retryable: false };
    const changed = await this.changeWithRetry(actor, payment.id, (current) => {
      const failure = { failureCode: settlement.errorCode };
      const applies =
        notification.kind === "capture"
          ? current.status === "AUTHORIZED"
          : notification.kind === "void"
            ? current.status === "AUTHORIZED" || current.status === "REQUIRES_REVIEW"
            : true;
      if (notification.success && !applies) {
        recorded = {
          outcome: "failed",
          code: "payment_changed",
          message: "no longer applies",
          retryable: false,
        };
      }
      if (notification.kind === "capture") {
        return notification.success && applies
          ? capturedChange(actor, current, settlement, attempt.amountMinor, settings.fee)
          : captureFailedChange(actor, current, { ...settlement, status: "FAILED" }, false, failure);
      }
      if (notification.kind === "void") {
        return notification.success && applies
          ? cancelledChange(actor, current, settlement, "payment.cancelled")
          : cancelFailedChange(actor, current, { ...settlement, status: "FAILED" }, false, failure);
      }
      invariant(attempt.refundId !== null, "a refund attempt names its refund");
      return notification.success
        ? refundedChange(actor, current, settlement, attempt.refundId, attempt.amountMinor)
        : refundFailedChange(
            actor,
            current,
            settlement,
            attempt.refundId,
            attempt.amountMinor,
            settlement.errorCode ?? "failed",
          );
    });
    if (attempt.status === "PENDING") {
      await this.answerAbandonedRequest(attempt, {
        ...changed,
        errors: modificationErrors(operation, recorded),
      });
    }
    return { applied: true, paymentId: payment.id, status: changed.payment.status };
  }

  /**
   * Resolves outcomes nobody knows: UNKNOWN attempts that are due, and PENDING ones whose process died
   * mid-call, are asked again of the same PSP with the same idempotency key (so it can never charge twice),
   * never of another PSP; captures, voids and refunds the PSP acknowledged but never decided (no notification
   * came) are looked up at the PSP once past `acknowledgedDeadlineMs`. Inconclusive answers are retried on a
   * growing schedule; after the last, the attempt is escalated to operators. Returns what happened, for logs
   * and figures.
   */
  async resolveUnknownOutcomes(
    options: { limit?: number; staleAfterMs?: number; acknowledgedDeadlineMs?: number } = {},
  ): Promise<ResolutionSummary> {
    const now = this.deps.now();
    const staleBefore = new Date(now.getTime() - (options.staleAfterMs ?? RESOLVE_STALE_AFTER_MS));
    const acknowledgedBefore = new Date(
      now.getTime() - (options.acknowledgedDeadlineMs ?? DEFAULT_ACKNOWLEDGED_DEADLINE_MS),
    );
    const due = await this.deps.store.attemptsToResolve(
      now,
      staleBefore,
      acknowledgedBefore,
      Math.min(options.limit ?? 50, RESOLVE_BATCH_MAX),
    );
    const summary: ResolutionSummary = { resolved: 0, rescheduled: 0, escalated: 0 };
    for (const attempt of due) {
      const actor: MerchantActor = {
        merchantId: attempt.merchantId,
        mode: attempt.mode,
        apiKeyId: null,
        by: { source: "SYSTEM", id: "resolver", note: null },
      };
      const psp = this.deps.psps.byName(attempt.mode, attempt.pspName);
      const payment = await this.deps.store.findPayment(actor, attempt.paymentId);
      // Sending an acknowledged modification again would only replay its acknowledgement: it is looked up instead.
      const acknowledged = attempt.status === "ACKNOWLEDGED" && attempt.operation !== "AUTHORIZE";
      let outcome: PspOutcome = { outcome: "unknown", message: "PSP not configured" };
      if (psp && payment) {
        outcome = await callPsp(() =>
          acknowledged ? this.lookUp(psp, attempt, payment) : this.askAgain(psp, attempt, payment),
        );
      }
      // Still undecided at the PSP: as inconclusive as no answer.
      if (acknowledged && outcome.outcome === "pending")
        outcome = { outcome: "unknown", message: "not decided yet" };
      // "unavailable" says only that this try did not reach the PSP, nothing about the earlier call: ask again later.
      if (payment && outcome.outcome !== "unknown" && outcome.outcome !== "unavailable") {
        // The request that started this may still be IN_PROGRESS (its process died): it is answered too.
        await this.applyResolvedOutcome(actor, payment, attempt, outcome);
        summary.resolved++;
        continue;
      }
      if (
        outcome.outcome === "unavailable" &&
        now.getTime() - attempt.createdAt.getTime() < RESOLVE_SCHEDULE_TOTAL_MS
      ) {
        const wait = Math.max(
          RESOLVE_UNAVAILABLE_RETRY_MIN_MS,
          RESOLVE_SCHEDULE_MS[attempt.resolveCount] ?? 0,
        );
        await this.deps.store.rescheduleResolution(attempt.id, {
          resolveCount: attempt.resolveCount,
          nextResolveAt: new Date(now.getTime() + wait),
          escalate: false,
        });
        summary.rescheduled++;
        continue;
      }
      const resolveCount = attempt.resolveCount + 1;
      const escalate = resolveCount >= RESOLVE_SCHEDULE_MS.length;
      await this.deps.store.rescheduleResolution(attempt.id, {
        resolveCount,
        nextResolveAt: escalate ? null : new Date(now.getTime() + (RESOLVE_SCHEDULE_MS[resolveCount] ?? 0)),
        escalate,
      });
      if (escalate && payment) {
        await this.changeWithRetry(actor, payment.id, (current) => ({
          patch: {},
          events: [
            apiEvent(actor, "payment.escalated", current.status, current.status, {
              attemptId: attempt.id,
              operation: attempt.operation,
            }),
          ],
          outbox: [{ topic: "payment.escalated", payload: { paymentId: current.id, attemptId: attempt.id } }],
        }));
        summary.escalated++;
      } else {
        summary.rescheduled++;
      }
    }
    return summary;
  }

  /** What the PSP decided of a modification it acknowledged. */
  private lookUp(psp: PaymentServiceProvider, attempt: StoredAttempt, payment: PaymentRecord) {
    return psp.lookupModification({
      operation:
        attempt.operation === "CAPTURE" ? "capture" : attempt.operation === "VOID" ? "void" : "refund",
      idempotencyKey: attempt.idempotencyKey,
      paymentPspReference: payment.pspReference ?? "",
      modificationReference: attempt.pspReference,
    });
  }

  /** The same request again, same key: the PSP replays what it did, or does it now (once). */
  private async askAgain(
    psp: PaymentServiceProvider,
    attempt: StoredAttempt,
    payment: PaymentRecord,
  ): Promise<PspOutcome> {
    switch (attempt.operation) {
      case "AUTHORIZE": {
        const stored = await this.deps.store.findPaymentMethodWithPan(
          { merchantId: payment.merchantId, mode: payment.mode, apiKeyId: null },
          payment.paymentMethodId,
        );
        if (stored === null) return { outcome: "unknown", message: "payment method missing" };
        const held = (await this.deps.store.riskDecisionOf(payment.id)) === "REVIEW";
        return psp.authorize({
          idempotencyKey: attempt.idempotencyKey,
          reference: payment.id,
          amountMinor: attempt.amountMinor,
          currency: payment.currency,
          card: {
            number: decryptPan(this.deps.vault, stored.encryptedPan, stored.method.id),
            expMonth: stored.method.expMonth,
            expYear: stored.method.expYear,
          },
          capture: payment.captureMethod === "AUTOMATIC" && !held,
        });
      }
      case "CAPTURE":
        return psp.capture({
          idempotencyKey: attempt.idempotencyKey,
          pspReference: payment.pspReference ?? "",
          amountMinor: attempt.amountMinor,
          currency: payment.currency,
        });
      case "VOID":
        return psp.void({
          idempotencyKey: attempt.idempotencyKey,
          pspReference: payment.pspReference ?? "",
          currency: payment.currency,
        });
      case "REFUND":
        return psp.refund({
          idempotencyKey: attempt.idempotencyKey,
          pspReference: payment.pspReference ?? "",
          amountMinor: attempt.amountMinor,
          currency: payment.currency,
        });
    }
  }

  private async applyResolvedOutcome(
    actor: MerchantActor,
    payment: PaymentRecord,
    attempt: StoredAttempt,
    outcome: Exclude<PspOutcome, { outcome: "unknown" }>,
  ): Promise<void> {
    const abandoned = attempt.status === "PENDING";
    if (outcome.outcome === "pending") {
      // Now acknowledged: the PSP's notification will decide, or the resolver asks again after its deadline.
      const result = await this.changeWithRetry(actor, payment.id, (current) =>
        attempt.operation === "AUTHORIZE"
          ? {
              patch: { pspReference: outcome.pspReference },
              events: [],
              attemptSettlement: settle(attempt.id, outcome),
              outbox: [],
            }
          : acknowledgedChange(
              actor,
              current,
              settle(attempt.id, outcome),
              ACKNOWLEDGED_EVENTS[attempt.operation],
              attempt.refundId ?? undefined,
            ),
      );
      if (abandoned) await this.answerAbandonedRequest(attempt, { ...result, errors: [] });
      return;
    }
    if (attempt.operation === "AUTHORIZE") {
      const held = (await this.deps.store.riskDecisionOf(payment.id)) === "REVIEW";
      const holdUntil = held ? new Date(this.deps.now().getTime() + this.deps.reviewHoldTtlMs) : null;
      // Read before the PSP was asked: a change meanwhile is no reason to drop the answer while the payment is
      // still PENDING on this very attempt, still open (not settled by a notification or failed over).
      let current: PaymentRecord | null = payment;
      for (let round = 0; current?.status === "PENDING" && round < CONFLICT_RETRY_MAX; round++) {
        const draft = { ...attempt, currency: current.currency, refundId: null };
        const applied = await this.applyAuthorization(actor, current, draft, outcome, holdUntil);
        if (applied) {
          if (abandoned) await this.answerAbandonedRequest(attempt, applied);
          return;
        }
        current = await this.deps.store.findPayment(actor, payment.id);
        const fresh = (await this.deps.store.attemptsOf(payment.id)).find((a) => a.id === attempt.id);
        const open =
          fresh?.status === "UNKNOWN" || fresh?.status === "PENDING" || fresh?.status === "ACKNOWLEDGED";
        if (!open || current?.pspName !== attempt.pspName) return;
      }
      return;
    }
    // A modification's definite answer is applied exactly like the PSP's notification would be, naming the
    // attempt so that an abandoned (PENDING) one is settled, and its request answered, there.
    const success = outcome.outcome === "succeeded";
    const code =
      outcome.outcome === "declined" || outcome.outcome === "failed"
        ? outcome.code
        : outcome.outcome === "unavailable"
          ? "psp_unavailable"
          : null;
    await this.applyNotification(
      {
        kind: attempt.operation === "CAPTURE" ? "capture" : attempt.operation === "VOID" ? "void" : "refund",
        pspName: attempt.pspName,
        paymentPspReference: payment.pspReference ?? "",
        modificationReference:
          success && outcome.outcome === "succeeded" ? outcome.pspReference : attempt.pspReference,
        attemptReference: attempt.id,
        success,
        code,
      },
      abandoned ? attempt.id : null,
    );
  }

  /**
   * Completes the request that started an attempt its process abandoned (it died mid-call, its idempotency
   * record still IN_PROGRESS) with the response that request would have stored, so that its replay answers the
   * operation's object, never an empty payload. A request that did complete is left as it is.
   */
  private async answerAbandonedRequest(
    attempt: Pick<StoredAttempt, "operation" | "refundId">,
    result: PaymentChangeResult & { errors: UserErrorData[] },
  ): Promise<void> {
    const response = requestResponse(attempt.operation, result, result.errors);
    await this.deps.store.completeIdempotencyFor(
      attempt.refundId ?? result.payment.id,
      REQUESTS_OF[attempt.operation],
      encodeResult(response),
    );
  }

  /** Sends a recorded capture attempt to the PSP and records the outcome. */
  private async captureAtPsp(
    actor: MerchantActor,
    context: IdempotencyContext,
    psp: PaymentServiceProvider,
    paymentId: PaymentId,
    attemptOrNull: PspAttemptDraft | null,
    captureMinor: bigint,
  ): Promise<PaymentResult> {
    const current = await this.deps.store.findPayment(actor, paymentId);
    invariant(
      attemptOrNull !== null && current?.pspReference,
      "capture attempt recorded on an authorized payment",
    );
    const attempt = attemptOrNull;
    const outcome = await callPsp(() =>
      psp.capture({
        idempotencyKey: attempt.idempotencyKey,
        pspReference: current.pspReference as string,
        amountMinor: captureMinor,
        currency: current.currency,
      }),
    );
    const settings = await this.deps.store.merchantSettings(actor);
    const complete = context.completeWith((result: PaymentChangeResult) =>
      modificationResponse("CAPTURE", outcome, result),
    );
    const settled = await this.changeWithRetry(actor, paymentId, (payment) => {
      const settlement = settle(attempt.id, outcome);
      if (outcome.outcome === "succeeded") {
        return {
          ...capturedChange(actor, payment, settlement, captureMinor, settings.fee),
          idempotency: complete,
        };
      }
      if (outcome.outcome === "pending") {
        // Acknowledged, not confirmed: the capture stays pending and the ledger waits for the PSP's notification.
        return {
          ...acknowledgedChange(actor, payment, settlement, "payment.capture_acknowledged"),
          idempotency: complete,
        };
      }
      // An unknown outcome keeps the capture pending: it must be resolved with the PSP, never assumed.
      return {
        ...captureFailedChange(
          actor,
          payment,
          settlement,
          outcome.outcome === "unknown",
          failureData(outcome),
        ),
        idempotency: complete,
      };
    });
    return modificationResponse("CAPTURE", outcome, settled);
  }

  /**
   * Voids an authorization: records the attempt (after `plan` accepts the payment), calls the PSP and moves
   * the payment to CANCELLED. Shared by cancelPayment, review rejection and hold expiry.
   */
  private async voidAtPsp(
    actor: MerchantActor,
    context: IdempotencyContext,
    paymentId: PaymentId,
    eventName: "payment.cancelled" | "review.rejected" | "review.expired",
    plan: (payment: PaymentRecord) => void,
  ): Promise<PaymentResult> {
    let psp: PaymentServiceProvider | null = null;
    let attempt: PspAttemptDraft | null = null;
    const started = await this.changeWithRetry(actor, paymentId, (payment) => {
      plan(payment);
      psp = this.pspOf(actor, payment);
      attempt = newAttempt("VOID", psp.name, 0n, payment.currency, null);
      return {
        patch: { pendingOperation: "VOID" },
        events: [],
        attemptInsert: attempt,
        outbox: [],
        idempotency: { recordId: context.recordId, lockedUntil: context.lockedUntil },
      };
    });
    context.markSideEffects();
    const voidAttempt = attempt as PspAttemptDraft | null;
    const holder = psp as PaymentServiceProvider | null;
    invariant(
      voidAttempt !== null && holder !== null && started.payment.pspReference !== null,
      "void attempt recorded",
    );
    const outcome = await callPsp(() =>
      holder.void({
        idempotencyKey: voidAttempt.idempotencyKey,
        pspReference: started.payment.pspReference as string,
        currency: started.payment.currency,
      }),
    );
    const complete = context.completeWith((result: PaymentChangeResult) =>
      modificationResponse("VOID", outcome, result),
    );
    const settled = await this.changeWithRetry(actor, paymentId, (payment) => {
      const settlement = settle(voidAttempt.id, outcome);
      if (outcome.outcome === "succeeded")
        return { ...cancelledChange(actor, payment, settlement, eventName), idempotency: complete };
      if (outcome.outcome === "pending") {
        return {
          ...acknowledgedChange(actor, payment, settlement, "payment.cancel_acknowledged"),
          idempotency: complete,
        };
      }
      return {
        ...cancelFailedChange(
          actor,
          payment,
          settlement,
          outcome.outcome === "unknown",
          failureData(outcome),
        ),
        idempotency: complete,
      };
    });
    return modificationResponse("VOID", outcome, settled);
  }

  /** Records an authorization's outcome for a request; a lost race answers with what is recorded instead. */
  private async settleAuthorization(
    actor: MerchantActor,
    context: IdempotencyContext | null,
    payment: PaymentRecord,
    attempt: PspAttemptDraft | null,
    outcome: PspOutcome,
    holdUntil: Date | null = null,
  ): Promise<PaymentResult> {
    const { change, errors } = await this.authorizationChange(
      actor,
      context,
      payment,
      attempt,
      outcome,
      holdUntil,
    );
    const result = await this.deps.store.applyPaymentChange(actor, change);
    if (result === null) {
      // The PSP's notification settled it first (it can outrun the PSP's own answer): report what is recorded.
      const current = await this.deps.store.findPayment(actor, payment.id);
      invariant(current !== null, `payment ${payment.id} vanished`);
      // The lost change carried the request's completion; answer the request with what is recorded instead.
      if (context) {
        await this.deps.store.completeIdempotencyFor(
          payment.id,
          REQUESTS_OF.AUTHORIZE,
          encodeResult({ payment: current, errors }),
        );
      }
      return { payment: current, errors };
    }
    return { payment: result.payment, errors };
  }

  /**
   * Records an authorization's outcome learnt without a request (notification, resolver), with the errors its
   * request answers; null when the payment changed first.
   */
  private async applyAuthorization(
    actor: MerchantActor,
    payment: PaymentRecord,
    attempt: PspAttemptDraft,
    outcome: PspOutcome,
    holdUntil: Date | null,
  ): Promise<(PaymentChangeResult & { errors: UserErrorData[] }) | null> {
    const { change, errors } = await this.authorizationChange(
      actor,
      null,
      payment,
      attempt,
      outcome,
      holdUntil,
    );
    const result = await this.deps.store.applyPaymentChange(actor, change);
    return result && { ...result, errors };
  }

  /** The change an authorization's outcome makes to the payment as read, and the errors its request answers. */
  private async authorizationChange(
    actor: MerchantActor,
    context: IdempotencyContext | null,
    payment: PaymentRecord,
    attempt: PspAttemptDraft | null,
    outcome: PspOutcome,
    holdUntil: Date | null,
  ): Promise<{ change: PaymentChange; errors: UserErrorData[] }> {
    const errors: UserErrorData[] = [];
    const change = (event: PaymentEvent | null, patch: PaymentChange["patch"]): PaymentChange => {
      const status: PaymentStatus = event ? transition(payment.status, event) : payment.status;
      return {
        decidedOn: payment,
        patch: { ...patch, status, pendingOperation: null },
        events: [apiEvent(actor, eventType(status), payment.status, status, failureData(outcome))],
        ...(attempt ? { attemptSettlement: settle(attempt.id, outcome) } : {}),
        outbox: [statusMessage(eventType(status), payment.id, status)],
        ...(context
          ? { idempotency: context.completeWith((result) => ({ payment: result.payment, errors })) }
          : {}),
      };
    };
    let decided: PaymentChange;
    switch (outcome.outcome) {
      case "succeeded":
        if (holdUntil !== null) {
          // Authorized but held: nothing is captured or posted until an operator decides.
          decided = change("HELD_FOR_REVIEW", {
            pspReference: outcome.pspReference,
            amountCapturableMinor: payment.amountMinor,
            reviewExpiresAt: holdUntil,
          });
        } else if (payment.captureMethod === "AUTOMATIC") {
          const settings = await this.deps.store.merchantSettings(actor);
          decided = {
            ...change("CAPTURE_SUCCEEDED", {
              pspReference: outcome.pspReference,
              amountCapturedMinor: payment.amountMinor,
              amountCapturableMinor: 0n,
            }),
            journal: {
              draft: capturePosting({
                amountMinor: payment.amountMinor,
                currency: payment.currency,
                feeMinor: computeFee(payment.amountMinor, settings.fee),
              }),
              refundId: null,
            },
          };
        } else {
          decided = change("AUTHORIZATION_SUCCEEDED", {
            pspReference: outcome.pspReference,
            amountCapturableMinor: payment.amountMinor,
          });
        }
        break;
      case "declined":
        errors.push({
          code: "PAYMENT_DECLINED",
          message:
            outcome.code === "fraud_suspected"
              ? "The payment was declined by the risk rules."
              : `The card was declined (${outcome.code}).`,
          field: null,
        });
        decided = change("AUTHORIZATION_DECLINED", {
          failureCode: outcome.code,
          failureMessage: outcome.message,
        });
        break;
      case "failed":
        errors.push({
          code: "PAYMENT_FAILED",
          message: `The payment could not be processed (${outcome.code}); it is safe to retry with a new idempotency key.`,
          field: null,
        });
        decided = change("AUTHORIZATION_FAILED", {
          failureCode: outcome.code,
          failureMessage: outcome.message,
        });
        break;
      case "unavailable":
        errors.push({
          code: "PSP_UNAVAILABLE",
          message:
            "No payment service provider could be reached; nothing was charged. Retry with a new idempotency key.",
          field: null,
        });
        decided = change("AUTHORIZATION_FAILED", {
          failureCode: "psp_unavailable",
          failureMessage: outcome.message,
        });
        break;
      case "pending":
        // Accepted, decided later by the PSP's notification: the payment stays PENDING, the attempt ACKNOWLEDGED.
        decided = {
          ...change(null, { pspReference: outcome.pspReference }),
          patch: { pspReference: outcome.pspReference, pendingOperation: "AUTHORIZE" },
          outbox: [],
        };
        break;
      case "unknown":
        // We cannot know whether the PSP charged: the payment stays PENDING with its attempt UNKNOWN
        // until its outcome is resolved with that PSP. It is never retried elsewhere.
        decided = { ...change(null, {}), patch: { pendingOperation: "AUTHORIZE" }, outbox: [] };
        break;
    }
    return { change: decided, errors };
  }

  /** Reads the payment, builds a change from what it read and applies it conditionally; a lost race re-reads. */
  private async changeWithRetry(
    actor: MerchantActor,
    paymentId: PaymentId,
    build: (payment: PaymentRecord) => Omit<PaymentChange, "decidedOn">,
  ): Promise<{ payment: PaymentRecord; refund: RefundRecord | null }> {
    for (let attempt = 0; attempt < CONFLICT_RETRY_MAX; attempt++) {
      const payment = await this.deps.store.findPayment(actor, paymentId);
      if (payment === null) throw paymentNotFound();
      const change = build(payment);
      const result = await this.deps.store.applyPaymentChange(actor, {
        ...change,
        decidedOn: payment,
      });
      if (result !== null) return result;
    }
    throw new DomainError(
      "PAYMENT_OPERATION_IN_PROGRESS",
      "The payment is being changed by another request; retry.",
      {
        retryable: true,
      },
    );
  }

  /** The PSP that authorized the payment: every later operation must go to it. */
  private pspOf(actor: MerchantActor, payment: PaymentRecord): PaymentServiceProvider {
    const psp = payment.pspName ? this.deps.psps.byName(actor.mode, payment.pspName) : null;
    if (psp === null) {
      throw new DomainError(
        "PSP_UNAVAILABLE",
        `The payment's PSP (${payment.pspName ?? "none"}) is not configured.`,
        {
          retryable: true,
        },
      );
    }
    return psp;
  }
}

type ChangeParts = Omit<PaymentChange, "decidedOn">;

// One builder per recorded outcome of a PSP modification. The synchronous answer, the PSP's notification and
// the resolver all record an outcome through these, so a capture is posted to the ledger the same way whoever
// learnt of it first.

/** A capture the PSP confirmed: CAPTURED, the rest of the authorization released, the capture posted. */
function capturedChange(
  actor: MerchantActor,
  payment: PaymentRecord,
  settlement: PspAttemptSettlement,
  captureMinor: bigint,
  fee: FeeSchedule,
): ChangeParts {
  const status = transition(payment.status, "CAPTURE_SUCCEEDED");
  return {
    patch: { status, amountCapturedMinor: captureMinor, amountCapturableMinor: 0n, pendingOperation: null },
    events: [
      apiEvent(actor, "payment.captured", payment.status, status, {
        amountCapturedMinor: captureMinor,
        amountReleasedMinor: payment.amountCapturableMinor - captureMinor,
      }),
    ],
    attemptSettlement: settlement,
    journal: {
      draft: capturePosting({
        amountMinor: captureMinor,
        currency: payment.currency,
        feeMinor: computeFee(captureMinor, fee),
      }),
      refundId: null,
    },
    outbox: [statusMessage("payment.captured", payment.id, status)],
  };
}

/** A capture that did not happen; with `keepPending` (unknown outcome) the capture stays in flight. */
function captureFailedChange(
  actor: MerchantActor,
  payment: PaymentRecord,
  settlement: PspAttemptSettlement,
  keepPending: boolean,
  data: Record<string, unknown>,
): ChangeParts {
  return {
    patch: { pendingOperation: keepPending ? "CAPTURE" : null },
    events: [apiEvent(actor, "payment.capture_failed", payment.status, payment.status, data)],
    attemptSettlement: settlement,
    outbox: [],
  };
}

/** A void the PSP confirmed: CANCELLED (REVIEW_REJECTED for a rejected hold), nothing left to capture. */
function cancelledChange(
  actor: MerchantActor,
  payment: PaymentRecord,
  settlement: PspAttemptSettlement,
  eventName: "payment.cancelled" | "review.rejected" | "review.expired",
): ChangeParts {
  const event: PaymentEvent =
    payment.status === "REQUIRES_REVIEW" && eventName === "review.rejected" ? "REVIEW_REJECTED" : "CANCELLED";
  const status = transition(payment.status, event);
  return {
    patch: { status, amountCapturableMinor: 0n, pendingOperation: null, reviewExpiresAt: null },
    events: [
      apiEvent(actor, eventName, payment.status, status, {
        amountReleasedMinor: payment.amountCapturableMinor,
      }),
    ],
    attemptSettlement: settlement,
    outbox: [statusMessage("payment.cancelled", payment.id, status)],
  };
}

function cancelFailedChange(
  actor: MerchantActor,
  payment: PaymentRecord,
  settlement: PspAttemptSettlement,
  keepPending: boolean,
  data: Record<string, unknown>,
): ChangeParts {
  return {
    patch: { pendingOperation: keepPending ? "VOID" : null },
    events: [apiEvent(actor, "payment.cancel_failed", payment.status, payment.status, data)],
    attemptSettlement: settlement,
    outbox: [],
  };
}

/** A refund the PSP confirmed: the reservation becomes refunded, the status follows, the refund is posted. */
function refundedChange(
  actor: MerchantActor,
  payment: PaymentRecord,
  settlement: PspAttemptSettlement,
  refundId: RefundId,
  refundMinor: bigint,
): ChangeParts {
  const event = refundEvent(payment, refundMinor);
  const status = transition(payment.status, event);
  return {
    patch: {
      status,
      amountRefundedMinor: payment.amountRefundedMinor + refundMinor,
      amountRefundPendingMinor: payment.amountRefundPendingMinor - refundMinor,
    },
    events: [
      apiEvent(
        actor,
        event === "REFUNDED_FULLY" ? "payment.refunded" : "payment.partially_refunded",
        payment.status,
        status,
        {
          refundId,
          refundMinor,
        },
      ),
    ],
    attemptSettlement: settlement,
    refundSettlement: {
      id: refundId,
      status: "SUCCEEDED",
      pspReference: settlement.pspReference,
      failureCode: null,
    },
    journal: { draft: refundPosting({ amountMinor: refundMinor, currency: payment.currency }), refundId },
    outbox: [{ topic: "refund.succeeded", payload: { refundId, paymentId: payment.id, status } }],
  };
}

/** A refund that did not happen: its reservation is freed, nothing is posted. */
function refundFailedChange(
  actor: MerchantActor,
  payment: PaymentRecord,
  settlement: PspAttemptSettlement,
  refundId: RefundId,
  refundMinor: bigint,
  failureCode: string,
): ChangeParts {
  return {
    patch: { amountRefundPendingMinor: payment.amountRefundPendingMinor - refundMinor },
    events: [apiEvent(actor, "refund.failed", payment.status, payment.status, { refundId, failureCode })],
    attemptSettlement: settlement,
    refundSettlement: { id: refundId, status: "FAILED", pspReference: settlement.pspReference, failureCode },
    outbox: [{ topic: "refund.failed", payload: { refundId, paymentId: payment.id } }],
  };
}

/** A refund settlement that carries the refund as its request inserted it, so that its result can be predicted. */
function settlingAsRead(parts: ChangeParts, refund: RefundRecord): ChangeParts {
  invariant(parts.refundSettlement?.id === refund.id, "the settlement is of this refund");
  return { ...parts, refundSettlement: { ...parts.refundSettlement, asRead: refund } };
}

/** Accepted by the PSP (or no answer yet): nothing moves until the outcome is known. */
function acknowledgedChange(
  actor: MerchantActor,
  payment: PaymentRecord,
  settlement: PspAttemptSettlement,
  type: string,
  refundId?: RefundId,
): ChangeParts {
  return {
    patch: {},
    events: [apiEvent(actor, type, payment.status, payment.status, refundId ? { refundId } : {})],
    attemptSettlement: settlement,
    outbox: [],
    ...(refundId ? { returnRefund: refundId } : {}),
  };
}

/** Only a payment held for review, with nothing in flight, can be approved, rejected or expired. */
function planReviewDecision(payment: PaymentRecord): void {
  if (payment.status !== "REQUIRES_REVIEW") {
    throw new DomainError("PAYMENT_NOT_IN_REVIEW", `The payment is ${payment.status}, not held for review.`, {
      field: ["paymentId"],
    });
  }
  if (payment.pendingOperation !== null) {
    throw new DomainError(
      "PAYMENT_OPERATION_IN_PROGRESS",
      "An operation on this payment is in flight; retry.",
      {
        retryable: true,
      },
    );
  }
}

function scope(actor: MerchantActor, key: IdempotencyKey): IdempotencyScope {
  return { merchantId: actor.merchantId, mode: actor.mode, keyKind: keyKindOf(actor), key };
}

/** Whose namespace the actor's idempotency keys live in (see IdempotencyKeyKind). */
function keyKindOf(actor: MerchantActor): IdempotencyKeyKind {
  switch (actor.by?.source) {
    case "OPERATOR":
      return "OPERATOR";
    // Webhooks use no idempotency key of their own today; were one added, it is the system's.
    case "SYSTEM":
    case "WEBHOOK":
      return "SYSTEM";
    case undefined:
      return actor.apiKeyKind ?? "SECRET";
  }
}

/** Names a request (its merchant, mode and idempotency key) the same on every retry, in 22 characters. */
function requestKeyOf(actor: MerchantActor, key: IdempotencyKey): string {
  return createHash("sha256")
    .update(`${actor.merchantId}\n${actor.mode}\n${key}`)
    .digest("base64url")
    .slice(0, 22);
}

function newAttempt(
  operation: PspAttemptDraft["operation"],
  pspName: string,
  amountMinor: bigint,
  currency: CurrencyCode,
  refundId: PspAttemptDraft["refundId"],
): PspAttemptDraft {
  const id = newId("pspAttempt");
  // The attempt id is the key we send the PSP: every retry of this attempt reuses it.
  return { id, operation, pspName, idempotencyKey: id, amountMinor, currency, refundId };
}

async function callPsp(call: () => Promise<PspOutcome>): Promise<PspOutcome> {
  try {
    return await call();
  } catch (error) {
    // A thrown call (network error, timeout) may or may not have reached the PSP.
    return { outcome: "unknown", message: error instanceof Error ? error.name : "unknown error" };
  }
}

function settle(id: PspAttemptDraft["id"], outcome: PspOutcome) {
  switch (outcome.outcome) {
    case "succeeded":
      return {
        id,
        status: "SUCCEEDED" as const,
        pspReference: outcome.pspReference,
        errorCode: null,
        errorMessage: null,
      };
    case "declined":
    case "failed":
      return {
        id,
        status: "FAILED" as const,
        pspReference: null,
        errorCode: outcome.code,
        errorMessage: outcome.message,
      };
    case "pending":
      return {
        id,
        status: "ACKNOWLEDGED" as const,
        pspReference: outcome.pspReference,
        errorCode: null,
        errorMessage: null,
      };
    case "unavailable":
      return {
        id,
        status: "FAILED" as const,
        pspReference: null,
        errorCode: "psp_unavailable",
        errorMessage: outcome.message,
      };
    case "unknown":
      return {
        id,
        status: "UNKNOWN" as const,
        pspReference: null,
        errorCode: null,
        errorMessage: outcome.message,
      };
  }
}

function failureData(outcome: PspOutcome): Record<string, unknown> {
  if (outcome.outcome === "declined" || outcome.outcome === "failed") return { failureCode: outcome.code };
  if (outcome.outcome === "unavailable") return { failureCode: "psp_unavailable" };
  if (outcome.outcome === "unknown" || outcome.outcome === "pending") return { outcome: outcome.outcome };
  return {};
}

function modificationError(what: string, outcome: PspOutcome): UserErrorData {
  if (outcome.outcome === "unavailable") {
    return {
      code: "PSP_UNAVAILABLE",
      message: `The PSP could not be reached for the ${what}; nothing was done, retry later.`,
      field: null,
    };
  }
  if (outcome.outcome === "unknown") {
    return {
      code: "PSP_UNAVAILABLE",
      message: `The PSP did not confirm the ${what}; its outcome will be resolved with the PSP.`,
      field: null,
    };
  }
  const code = outcome.outcome === "declined" || outcome.outcome === "failed" ? outcome.code : "unknown";
  return { code: "PAYMENT_FAILED", message: `The PSP refused the ${what} (${code}).`, field: null };
}

const MODIFICATION_NAMES = { CAPTURE: "capture", VOID: "cancellation", REFUND: "refund" } as const;

/**
 * What a capture, cancel or refund request answers for an outcome: the request itself, and the resolver or a
 * notification that finishes the request of a process that died, store this same response, so a replay
 * answers the same whoever recorded the outcome. Accepted (pending) and succeeded carry no error; anything else
 * says why.
 */
function modificationResponse(
  operation: "CAPTURE" | "VOID",
  outcome: PspOutcome,
  result: PaymentChangeResult,
): PaymentResult {
  return requestResponse(operation, result, modificationErrors(operation, outcome));
}

/** A refund request's answer (see modificationResponse): the refund, its payment, and why it did not succeed. */
function refundResponse(outcome: PspOutcome, result: PaymentChangeResult): RefundResult {
  return requestResponse("REFUND", result, modificationErrors("REFUND", outcome)) as RefundResult;
}

/** The payload shape of the request that started an attempt: a refund's carries the refund. */
function requestResponse(
  operation: PspAttemptDraft["operation"],
  result: PaymentChangeResult,
  errors: UserErrorData[],
): PaymentResult | RefundResult {
  if (operation !== "REFUND") return { payment: result.payment, errors };
  invariant(result.refund !== null, "a refund's change returns its refund");
  return { refund: result.refund, payment: result.payment, errors };
}

/** The requests that start an attempt of each operation, by their idempotency operation names. */
const REQUESTS_OF: Record<PspAttemptDraft["operation"], readonly string[]> = {
  AUTHORIZE: ["createPayment"],
  CAPTURE: ["capturePayment", "approveReview"],
  VOID: ["cancelPayment", "rejectReview", "expireReview"],
  REFUND: ["refundPayment"],
};

function modificationErrors(
  operation: keyof typeof MODIFICATION_NAMES,
  outcome: PspOutcome,
): UserErrorData[] {
  if (outcome.outcome === "succeeded" || outcome.outcome === "pending") return [];
  return [modificationError(MODIFICATION_NAMES[operation], outcome)];
}

/** What an attempt records of the routing decision (JSON-safe). */
function routingRecord(decision: RoutingDecision): Record<string, unknown> {
  return {
    candidates: decision.candidates,
    matchedRuleId: decision.matchedRuleId,
    scores: decision.scores,
    breakers: decision.breakers,
    explored: decision.explored,
    skipped: decision.skipped,
  };
}

function eventType(status: PaymentStatus): string {
  return `payment.${status.toLowerCase()}`;
}

function statusMessage(topic: string, paymentId: PaymentId, status: PaymentStatus) {
  return { topic, payload: { paymentId, status } };
}

/** An audit event naming who acted: the API key, or the operator (with their note), or the system. */
function apiEvent(
  actor: MerchantActor,
  type: string,
  oldStatus: PaymentStatus | null,
  newStatus: PaymentStatus | null,
  data: Record<string, unknown>,
): PaymentEventDraft {
  if (actor.by) {
    const note = actor.by.note ? { note: actor.by.note } : {};
    return {
      type,
      oldStatus,
      newStatus,
      source: actor.by.source,
      actor: `${actor.by.source.toLowerCase()}:${actor.by.id}`,
      data: { ...data, ...note },
    };
  }
  return { type, oldStatus, newStatus, source: "API", actor: actor.apiKeyId, data };
}

function parsePaymentId(input: string): PaymentId {
  const id = parseId("payment", input);
  if (id === null) throw paymentNotFound();
  return id;
}

function parseOptionalAmount(input: unknown): bigint | null {
  if (input === undefined || input === null) return null;
  return withField(["amount"], () => parseAmountMinor(input));
}

function withField<T>(field: string[], parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof DomainError && error.field === null) {
      throw new DomainError(error.code, error.message, { field });
    }
    throw error;
  }
}

function isExpired(method: PaymentMethodRecord, now: Date): boolean {
  // A card is valid through the last day of its expiry month.
  const firstDayAfter = Date.UTC(method.expYear, method.expMonth, 1);
  return now.getTime() >= firstDayAfter;
}

function paymentNotFound(): DomainError {
  return new DomainError("PAYMENT_NOT_FOUND", "No such payment.", { field: ["paymentId"] });
}

function paymentMethodNotFound(): DomainError {
  return new DomainError("PAYMENT_METHOD_NOT_FOUND", "No such payment method.", {
    field: ["paymentMethodId"],
  });
}

export type { PaymentMethodId };
