// What every payment use case needs: its ports, and the helpers they share to read a payment, change it
// under the version check, reach the PSP that holds it and name the idempotency scope of a request.

import { createHash } from "node:crypto";
import { DomainError, invariant } from "../errors/domain-error";
import type { RiskScorer } from "../fraud/risk-scorer";
import type { IdempotencyService } from "../idempotency/idempotency-service";
import { type IdempotencyKey, type PaymentId, parseId } from "../ids/ids";
import { type FeeSchedule, feeScheduleForFunding, hasFundingTypeFees } from "../ledger/fees";
import { parseAmountMinor } from "../money/money";
import type { MerchantAdmission } from "../onboarding/merchant-admission";
import type { BankRefundsPort } from "../ports/bank-refund-store";
import type { IdempotencyScope } from "../ports/idempotency-store";
import type { PaymentFxRates } from "../ports/payment-fx";
import type { PaymentChange, PaymentStore } from "../ports/payment-store";
import type { PspRouter } from "../ports/psp-router";
import type { PaymentServiceProvider, PspOutcome } from "../psp/psp-port";
import type { VaultKeyring } from "../vault/card-vault";
import type { IdempotencyKeyKind, MerchantActor, PaymentRecord, RefundRecord } from "./payment-record";
import type { PspNotification } from "./payment-requests";
import type { RecordedContradiction } from "./payment-responses";

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
  /** Multiple currencies (issue 18): exchange rates; absent, every payment settles in its own currency. */
  fx?: PaymentFxRates;
  /**
   * 3-D Secure (issue 20): paycore's return route for a payment (where the PSP's challenge page sends the customer
   * back), and how long a challenge may take before the payment is cancelled (default 15 minutes).
   */
  threeDSecure?: { returnUrlFor(paymentId: PaymentId): string; actionTtlMs: number };
  /** Bank-transfer payments' refunds (issue 18): through the bank rails; absent: such refunds are refused. */
  bankRefunds?: BankRefundsPort;
  /** Onboarding (issue 22): live payments of unverified, restricted or frozen merchants; absent: no checks. */
  admission?: Pick<MerchantAdmission, "checkLivePayment">;
  /**
   * Where the resolver reports a PSP answer that contradicts what we recorded (shadow reconciliation: one open item
   * per attempt and rule); absent (unit tests only), such an answer changes nothing and is reported nowhere.
   */
  contradictions?: ResolverContradictions;
}

/**
 * How the resolver learned the PSP's answer: it sent an attempt with no known outcome again under its idempotency
 * key (the PSP replays what it did), or it looked up a modification the PSP had acknowledged.
 */
export type ResolverRule = "resolver.asked_again" | "resolver.looked_up";

/** The port the resolver reports contradictions to, implemented by shadow reconciliation. */
export interface ResolverContradictions {
  /** Records the contradiction once while its item is open; true when it was recorded by this call. */
  resolverContradiction(report: {
    /** The PSP's answer, as the notification that would have told it. */
    notification: PspNotification;
    contradiction: RecordedContradiction;
    rule: ResolverRule;
  }): Promise<boolean>;
}

/** How long a customer has for a 3-D Secure challenge when the platform does not say. */
export const DEFAULT_ACTION_TTL_MS = 15 * 60_000;

/** Until when a challenge asked for now may be completed. */
export function actionExpiresAt(deps: Pick<PaymentCommandsDependencies, "threeDSecure" | "now">): Date {
  return new Date(deps.now().getTime() + (deps.threeDSecure?.actionTtlMs ?? DEFAULT_ACTION_TTL_MS));
}

/** A lost optimistic-lock race is retried on fresh data this many times before giving up. */
export const CONFLICT_RETRY_MAX = 20;

/** Reads the payment, builds a change from what it read and applies it conditionally; a lost race re-reads. */
export async function changeWithRetry(
  deps: Pick<PaymentCommandsDependencies, "store">,
  actor: MerchantActor,
  paymentId: PaymentId,
  build: (payment: PaymentRecord) => Omit<PaymentChange, "decidedOn">,
): Promise<{ payment: PaymentRecord; refund: RefundRecord | null }> {
  for (let attempt = 0; attempt < CONFLICT_RETRY_MAX; attempt++) {
    const payment = await deps.store.findPayment(actor, paymentId);
    if (payment === null) throw paymentNotFound();
    const change = build(payment);
    const result = await deps.store.applyPaymentChange(actor, { ...change, decidedOn: payment });
    if (result !== null) return result;
  }
  throw new DomainError(
    "PAYMENT_OPERATION_IN_PROGRESS",
    "The payment is being changed by another request; retry.",
    { retryable: true },
  );
}

/** The PSP that authorized the payment: every later operation must go to it. */
export function pspOf(
  deps: Pick<PaymentCommandsDependencies, "psps">,
  actor: MerchantActor,
  payment: PaymentRecord,
): PaymentServiceProvider {
  const psp = payment.pspName ? deps.psps.byName(actor.mode, payment.pspName) : null;
  if (psp === null) {
    throw new DomainError(
      "PSP_NOT_CONFIGURED",
      `The payment's PSP (${payment.pspName ?? "none"}) is not configured in ${actor.mode} mode.`,
    );
  }
  return psp;
}

/** Reads a payment that must exist: it was read moments ago and payments are never deleted. */
export async function existingPayment(
  deps: Pick<PaymentCommandsDependencies, "store">,
  actor: MerchantActor,
  paymentId: PaymentId,
): Promise<PaymentRecord> {
  const payment = await deps.store.findPayment(actor, paymentId);
  invariant(payment !== null, `payment ${paymentId} vanished`);
  return payment;
}

/**
 * The merchant's fees for capturing this payment: its card's funding type picks a fee rule when the merchant has
 * any (issue 18); the card is read only then, so merchants without such rules pay no extra query.
 */
export async function captureFeeOf(
  deps: { store: Pick<PaymentStore, "merchantSettings" | "paymentMethodFundingType"> },
  actor: MerchantActor,
  payment: Pick<PaymentRecord, "paymentMethodId">,
): Promise<FeeSchedule> {
  const { fee } = await deps.store.merchantSettings(actor);
  if (!hasFundingTypeFees(fee) || payment.paymentMethodId === null) return fee;
  const fundingType = await deps.store.paymentMethodFundingType(actor, payment.paymentMethodId);
  return feeScheduleForFunding(fee, fundingType);
}

export async function callPsp(call: () => Promise<PspOutcome>): Promise<PspOutcome> {
  try {
    return await call();
  } catch (error) {
    // A thrown call (network error, timeout) may or may not have reached the PSP.
    return { outcome: "unknown", message: error instanceof Error ? error.name : "unknown error" };
  }
}

export function scope(actor: MerchantActor, key: IdempotencyKey): IdempotencyScope {
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
    case "RECONCILIATION":
      return "SYSTEM";
    case undefined:
      return actor.apiKeyKind ?? "SECRET";
  }
}

/** Names a request (its merchant, mode and idempotency key) the same on every retry, in 22 characters. */
export function requestKeyOf(actor: MerchantActor, key: IdempotencyKey): string {
  return createHash("sha256")
    .update(`${actor.merchantId}\n${actor.mode}\n${key}`)
    .digest("base64url")
    .slice(0, 22);
}

/** The actor of work the system does on its own (the resolver, hold expiry) or on a PSP's word. */
export function systemActor(
  of: Pick<PaymentRecord, "merchantId" | "mode">,
  source: "SYSTEM" | "WEBHOOK" | "RECONCILIATION",
  id: string,
): MerchantActor {
  return { merchantId: of.merchantId, mode: of.mode, apiKeyId: null, by: { source, id, note: null } };
}

export function parsePaymentId(input: string): PaymentId {
  const id = parseId("payment", input);
  if (id === null) throw paymentNotFound();
  return id;
}

export function parseOptionalAmount(input: unknown): bigint | null {
  if (input === undefined || input === null) return null;
  return withField(["amount"], () => parseAmountMinor(input));
}

export function withField<T>(field: string[], parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof DomainError && error.field === null) {
      throw new DomainError(error.code, error.message, { field });
    }
    throw error;
  }
}

export function paymentNotFound(): DomainError {
  return new DomainError("PAYMENT_NOT_FOUND", "No such payment.", { field: ["paymentId"] });
}

export function paymentMethodNotFound(): DomainError {
  return new DomainError("PAYMENT_METHOD_NOT_FOUND", "No such payment method.", {
    field: ["paymentMethodId"],
  });
}
