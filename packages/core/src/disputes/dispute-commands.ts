// The one write path for disputes: PSP notifications (webhooks, later settlement reports) and the merchant's or an
// operator's actions. Each decision is made on the dispute as read, and written under its version: a lost race is
// decided again on fresh data. Money moves with the status (fundsWithdrawnAt), so a duplicated or reordered
// notification can neither withdraw twice nor move a dispute back.
import { DomainError, invariant } from "../errors/domain-error";
import { disputeConversion, type FxConversionDraft } from "../fx/fx-postings";
import { newId, type PaymentId, parseIdempotencyKey } from "../ids/ids";
import {
  disputeReinstatementPosting,
  disputeWithdrawalPosting,
  type JournalEntryDraft,
} from "../ledger/postings";
import { currencyExponent, parseCurrency } from "../money/currency";
import type { Actor } from "../ports/audit";
import { auditSnapshot } from "../ports/audit";
import type {
  DisputeChange,
  DisputeEventDraft,
  DisputeStore,
  EvidenceForwardStatus,
  StoredEvidence,
} from "../ports/dispute-store";
import type { PaymentFxRates } from "../ports/payment-fx";
import type { PspRouter } from "../ports/psp-router";
import type { DisputeEvidenceOutcome } from "../psp/psp-port";
import { type DisputeReason, type DisputeRecord, disputedAmountOf, fundsWithdrawnAt } from "./dispute";
import { type EvidenceFileInput, type EvidenceTexts, validEvidence } from "./dispute-evidence";
import {
  type DisputeStage,
  type DisputeStatus,
  decideDisputeStatus,
  isDecided,
} from "./dispute-state-machine";

/** A dispute fee in major units of the dispute's currency when the merchant has none set (docs/operations.md). */
export const DEFAULT_DISPUTE_FEE_MAJOR = 15n;

/** A lost version race is decided again on fresh data this many times. */
const DISPUTE_CONFLICT_RETRY_MAX = 10;

/** A PSP's view of one dispute, as its webhook mapping (apps/api/src/webhooks/disputes/) normalises it. */
export interface DisputeNotification {
  pspName: string;
  /** The PSP's id of the dispute (Stripe's dp_…/du_…, Adyen's chargeback pspReference). */
  disputeReference: string;
  /** The PSP's reference of the disputed payment. */
  paymentPspReference: string;
  /**
   * Our payment id as the PSP echoes it (Adyen's merchantReference), when it does: how a dispute about a payment
   * whose PSP reference is not recorded yet (its call still in flight) or about an attempt that failed over is
   * recognised. Stripe's dispute names only the PaymentIntent.
   */
  paymentReference?: string | null;
  /**
   * The mode of the PSP account that sent it (the webhook secret that verified says which): where a race with our
   * own call is looked for when the dispute names nothing we have recorded yet. Absent: any mode.
   */
  mode?: "TEST" | "LIVE";
  status: DisputeStatus;
  /** Null: the dispute's current stage (an event about whatever stage it is in); a new dispute's is `inquiry`. */
  stage: DisputeStage | null;
  /** The PSP's own name for the event (shown to operators). */
  pspStage: string;
  /** Null when the notification does not say (then the payment's captured amount). */
  amountMinor: bigint | null;
  currency: string | null;
  reason: DisputeReason;
  reasonCode: string | null;
  evidenceDueBy: Date | null;
}

export type DisputeNotificationResult =
  | { applied: true; dispute: DisputeRecord }
  | {
      applied: false;
      /**
       * in_flight: our call for the payment is still running (its PSP reference not recorded): the PSP is asked to
       * redeliver. failed_over: the PSP disputes an attempt of ours that failed over to another PSP (nothing was
       * charged there by our records): filed for an operator under that attempt.
       */
      reason: "unknown_payment" | "duplicate" | "stale" | "illegal" | "invalid" | "in_flight" | "failed_over";
      detail: string;
      dispute: DisputeRecord | null;
      /** The attempt a failed_over dispute is about, its payment and the amount disputed (when the PSP says). */
      attemptId?: string;
      paymentId?: string;
    };

export interface DisputeCommandsDependencies {
  store: DisputeStore;
  now(): Date;
  /** The PSPs evidence is forwarded to; without them evidence is stored only (and forwarded by whoever has them). */
  psps?: Pick<PspRouter, "byName">;
  /**
   * Exchange rates (multiple currencies, issue 18): a dispute of a payment whose capture converted moves money in
   * the settlement currency at the capture's locked rate, the difference to the newest rate (the same rate
   * source the capture read) booked as FX gain or loss. Absent: disputes post in the payment's currency only.
   */
  fx?: Pick<PaymentFxRates, "newestRate" | "captureConversionOf">;
}

/** How long one forwarding try holds its evidence: longer than any PSP call (timeouts are seconds). */
export const EVIDENCE_FORWARD_LEASE_MS = 120_000;
/** After this many tries an UNKNOWN forwarding stops being retried by the worker and needs an operator. */
export const EVIDENCE_FORWARD_ATTEMPTS_MAX = 20;
const FORWARD_ERROR_MAX_LENGTH = 500;

export interface EvidenceForwardResult {
  /** null: not forwarded by this call (already final, or another process holds it). */
  status: Exclude<EvidenceForwardStatus, "PENDING"> | null;
  detail: string | null;
}

const REASON_CODE_MAX_LENGTH = 32;
/**
 * A dispute that names only the PSP's payment reference (Stripe's names only the PaymentIntent) while one of our
 * authorizations at that PSP has no reference recorded yet may be about it: redelivery is asked for while such
 * an attempt is younger than this (far longer than any PSP call; an abandoned call is the resolver's after that),
 * and the dispute is unplaced (dead-lettered) after.
 */
export const UNREFERENCED_IN_FLIGHT_WINDOW_MS = 10 * 60_000;
const PSP_STAGE_MAX_LENGTH = 64;

export class DisputeCommands {
  constructor(private readonly deps: DisputeCommandsDependencies) {}

  /** Applies a PSP's notification; what it cannot apply is reported (for the dead-letter table or as a no-op). */
  async applyNotification(notification: DisputeNotification): Promise<DisputeNotificationResult> {
    for (let round = 0; round < DISPUTE_CONFLICT_RETRY_MAX; round++) {
      const result = await this.applyOnce(notification);
      if (result !== "conflict") return result;
    }
    // Someone else keeps changing it: the PSP redelivers, and the next delivery decides on fresh data.
    throw new Error(`dispute ${notification.disputeReference} kept changing while being applied`);
  }

  /**
   * The merchant (or an operator on its behalf) concedes: the money stays with the cardholder. Accepting an
   * accepted dispute answers it as it is (a retried request), so the call is idempotent.
   */
  async accept(input: {
    disputeId: string;
    merchantId: string;
    mode: "TEST" | "LIVE";
    actor: DisputeActor;
    /** Checked like any idempotency key (the acceptance itself is idempotent by state). */
    idempotencyKey?: string;
  }) {
    if (input.idempotencyKey !== undefined) parseIdempotencyKey(input.idempotencyKey);
    return this.merchantAction(input, (dispute) => {
      if (dispute.status === "ACCEPTED") return null;
      if (dispute.status !== "INQUIRY" && dispute.status !== "NEEDS_RESPONSE") {
        throw new DomainError(
          "DISPUTE_NOT_ACCEPTABLE",
          `The dispute is ${dispute.status}; only an inquiry or a dispute needing a response can be accepted.`,
        );
      }
      return { status: "ACCEPTED" as const, type: "dispute.accepted", evidence: false };
    });
  }

  /**
   * Stores the merchant's evidence and puts the dispute under review, in one transaction. Idempotent: the same
   * key answers the evidence it stored (a different input under a used key is IDEMPOTENCY_KEY_REUSED).
   */
  async submitEvidence(input: {
    disputeId: string;
    merchantId: string;
    mode: "TEST" | "LIVE";
    actor: DisputeActor;
    idempotencyKey: string;
    texts: EvidenceTexts;
    files: readonly EvidenceFileInput[];
  }): Promise<{ dispute: DisputeRecord; evidence: StoredEvidence; replayed: boolean }> {
    const key = parseIdempotencyKey(input.idempotencyKey);
    const evidence = validEvidence(input.texts, input.files);
    for (let round = 0; round < DISPUTE_CONFLICT_RETRY_MAX; round++) {
      const dispute = await this.forMerchant(input);
      const stored = await this.deps.store.findEvidence(dispute.id, key);
      if (stored !== null) {
        const same =
          canonicalTexts(stored.texts) === canonicalTexts(evidence.texts) &&
          filesKey(stored.files) === filesKey(evidence.files);
        if (!same) {
          throw new DomainError(
            "IDEMPOTENCY_KEY_REUSED",
            "This idempotency key was used with other evidence.",
            { field: ["idempotencyKey"] },
          );
        }
        return { dispute, evidence: stored, replayed: true };
      }
      if (dispute.status !== "INQUIRY" && dispute.status !== "NEEDS_RESPONSE") {
        throw new DomainError(
          "DISPUTE_EVIDENCE_NOT_ALLOWED",
          `The dispute is ${dispute.status}; evidence is taken while it waits for a response.`,
        );
      }
      const now = this.deps.now();
      const next: DisputeRecord = {
        ...dispute,
        status: "UNDER_REVIEW",
        evidenceSubmittedAt: now,
        version: dispute.version + 1,
        updatedAt: now,
      };
      const submittedBy = actorName(input.actor);
      const change = await this.buildChange(dispute, next, {
        type: "dispute.evidence_submitted",
        oldStatus: dispute.status,
        newStatus: next.status,
        source: input.actor.kind === "operator" ? "OPERATOR" : "API",
        actor: submittedBy,
        data: { files: evidence.files.length, texts: Object.keys(evidence.texts).join(",") },
      });
      change.evidence = { idempotencyKey: key, texts: evidence.texts, files: evidence.files, submittedBy };
      if (input.actor.kind === "operator") {
        change.operatorAudit = {
          actor: input.actor.operator,
          action: "dispute.evidence_submitted",
          targetId: dispute.id,
          before: auditSnapshot({ status: dispute.status }),
          after: auditSnapshot({ status: next.status, files: evidence.files.length }),
        };
      }
      if ((await this.deps.store.write(change)) === "written") {
        const written = await this.deps.store.findEvidence(dispute.id, key);
        invariant(written !== null, "evidence written with its change is readable");
        // Stored first (the forwarding row is the attempt), then sent with no transaction open. A failure here
        // leaves it PENDING or UNKNOWN for the forwarding worker; the merchant's request has succeeded either way.
        if (this.deps.psps) await this.forwardEvidence(written.id);
        return { dispute: change.dispute, evidence: written, replayed: false };
      }
    }
    throw new DomainError("PAYMENT_OPERATION_IN_PROGRESS", "The dispute is being changed right now; retry.", {
      retryable: true,
    });
  }

  /**
   * Records that evidence was sent to the PSP (the caller stores the evidence and forwards it first); the dispute
   * is then under review. Sending evidence again while under review is answered with the dispute as it is.
   */
  async recordEvidenceSubmitted(input: {
    disputeId: string;
    merchantId: string;
    mode: "TEST" | "LIVE";
    actor: DisputeActor;
  }) {
    return this.merchantAction(input, (dispute) => {
      if (dispute.status === "UNDER_REVIEW" && dispute.evidenceSubmittedAt !== null) return null;
      if (dispute.status !== "INQUIRY" && dispute.status !== "NEEDS_RESPONSE") {
        throw new DomainError(
          "DISPUTE_EVIDENCE_NOT_ALLOWED",
          `The dispute is ${dispute.status}; evidence is taken while it waits for a response.`,
        );
      }
      return { status: "UNDER_REVIEW" as const, type: "dispute.evidence_submitted", evidence: true };
    });
  }

  /**
   * Sends stored evidence to the dispute's PSP: claims it (a lease), calls the PSP with the evidence's own key,
   * records the outcome with an audit event. A timeout is UNKNOWN and sent again later with the same key, so the
   * PSP takes it once; DELIVERED and REJECTED are final.
   */
  async forwardEvidence(evidenceId: bigint): Promise<EvidenceForwardResult> {
    const now = this.deps.now();
    const claim = await this.deps.store.claimEvidenceForwarding(
      evidenceId,
      new Date(now.getTime() + EVIDENCE_FORWARD_LEASE_MS),
    );
    if (claim === null) return { status: null, detail: "not due for forwarding" };
    const { dispute } = claim;
    const psp = this.deps.psps?.byName(dispute.mode, dispute.pspName) ?? null;
    let outcome: DisputeEvidenceOutcome;
    if (psp === null || psp.submitDisputeEvidence === undefined) {
      outcome = { outcome: "unknown", message: `no ${dispute.pspName} client takes evidence right now` };
    } else {
      try {
        outcome = await psp.submitDisputeEvidence({
          idempotencyKey: claim.pspKey,
          disputeReference: dispute.pspReference,
          paymentPspReference: claim.paymentPspReference,
          texts: claim.texts as Record<string, string>,
          files: claim.files,
        });
      } catch (error) {
        // A programmer error in an adapter still must not lose the evidence: it stays to resend.
        outcome = { outcome: "unknown", message: error instanceof Error ? error.message : String(error) };
      }
    }
    const status =
      outcome.outcome === "delivered" ? "DELIVERED" : outcome.outcome === "rejected" ? "REJECTED" : "UNKNOWN";
    const error =
      outcome.outcome === "delivered"
        ? null
        : (outcome.outcome === "rejected" ? `${outcome.code}: ${outcome.message}` : outcome.message).slice(
            0,
            FORWARD_ERROR_MAX_LENGTH,
          );
    await this.deps.store.recordEvidenceForwarding({
      evidenceId,
      status,
      error,
      dispute,
      event: {
        type:
          status === "DELIVERED"
            ? "dispute.evidence_delivered"
            : status === "REJECTED"
              ? "dispute.evidence_rejected"
              : "dispute.evidence_delivery_unknown",
        oldStatus: dispute.status,
        newStatus: dispute.status,
        source: "SYSTEM",
        actor: dispute.pspName,
        data: { evidenceId: evidenceId.toString(), attempt: claim.attempts, error },
      },
    });
    return { status, detail: error };
  }

  /**
   * The forwarding worker's pass: evidence still PENDING (its process died before or during the call) or UNKNOWN
   * (a timeout), oldest first, sent again with its own key. Bounded by `limit`.
   */
  async forwardDueEvidence(limit: number): Promise<{ tried: number; delivered: number }> {
    invariant(limit > 0 && limit <= 1_000, "a forwarding batch is bounded");
    let delivered = 0;
    const due = await this.deps.store.evidenceToForward(limit);
    for (const evidenceId of due) {
      const result = await this.forwardEvidence(evidenceId);
      if (result.status === "DELIVERED") delivered++;
    }
    return { tried: due.length, delivered };
  }

  /** Checks that the merchant may act on this dispute now (before its evidence is stored and forwarded). */
  async forMerchant(input: { disputeId: string; merchantId: string; mode: "TEST" | "LIVE" }) {
    const dispute = await this.deps.store.findById(input.disputeId);
    if (dispute === null || dispute.merchantId !== input.merchantId || dispute.mode !== input.mode) {
      throw new DomainError("DISPUTE_NOT_FOUND", "No such dispute.", { field: ["disputeId"] });
    }
    return dispute;
  }

  private async merchantAction(
    input: { disputeId: string; merchantId: string; mode: "TEST" | "LIVE"; actor: DisputeActor },
    decide: (dispute: DisputeRecord) => { status: DisputeStatus; type: string; evidence: boolean } | null,
  ): Promise<DisputeRecord> {
    for (let round = 0; round < DISPUTE_CONFLICT_RETRY_MAX; round++) {
      const dispute = await this.forMerchant(input);
      const decision = decide(dispute);
      if (decision === null) return dispute;
      const now = this.deps.now();
      const next: DisputeRecord = {
        ...dispute,
        status: decision.status,
        evidenceSubmittedAt: decision.evidence ? now : dispute.evidenceSubmittedAt,
        version: dispute.version + 1,
        updatedAt: now,
      };
      const change = await this.buildChange(dispute, next, {
        type: decision.type,
        oldStatus: dispute.status,
        newStatus: next.status,
        source: input.actor.kind === "operator" ? "OPERATOR" : "API",
        actor: input.actor.kind === "operator" ? input.actor.operator.name : input.actor.apiKeyId,
        data: {},
      });
      if (input.actor.kind === "operator") {
        change.operatorAudit = {
          actor: input.actor.operator,
          action: decision.type,
          targetId: dispute.id,
          before: auditSnapshot({ status: dispute.status }),
          after: auditSnapshot({ status: next.status, paymentId: dispute.paymentId }),
        };
      }
      if ((await this.deps.store.write(change)) === "written") return next;
    }
    throw new DomainError("PAYMENT_OPERATION_IN_PROGRESS", "The dispute is being changed right now; retry.", {
      retryable: true,
    });
  }

  private async applyOnce(n: DisputeNotification): Promise<DisputeNotificationResult | "conflict"> {
    const existing = await this.deps.store.findByPspReference(n.pspName, n.disputeReference);
    if (existing === null) return this.create(n);
    const decision = decideDisputeStatus(existing, { status: n.status, stage: n.stage ?? existing.stage });
    if (decision.kind === "stale" || decision.kind === "illegal") {
      return {
        applied: false,
        reason: decision.kind,
        detail: `${n.pspStage} (${n.status} at ${n.stage}) after ${existing.status} at ${existing.stage}`,
        dispute: existing,
      };
    }
    const evidenceDueBy = n.evidenceDueBy ?? existing.evidenceDueBy;
    const sameDetails =
      evidenceDueBy?.getTime() === existing.evidenceDueBy?.getTime() &&
      existing.pspStage === clip(n.pspStage);
    if (decision.kind === "same" && sameDetails) {
      return { applied: false, reason: "duplicate", detail: n.pspStage, dispute: existing };
    }
    const now = this.deps.now();
    invariant(
      decision.kind === "change" || decision.kind === "same",
      "only a change or a refresh is written",
    );
    const position = decision.kind === "change" ? decision.to : existing;
    const next: DisputeRecord = {
      ...existing,
      status: position.status,
      stage: position.stage,
      pspStage: clip(n.pspStage),
      evidenceDueBy,
      version: existing.version + 1,
      updatedAt: now,
    };
    const change = await this.buildChange(existing, next, {
      type: isDecided(next.status) && next.status !== existing.status ? "dispute.closed" : "dispute.updated",
      oldStatus: existing.status,
      newStatus: next.status,
      source: "WEBHOOK",
      actor: n.pspName,
      data: { pspStage: next.pspStage, stage: next.stage },
    });
    if ((await this.deps.store.write(change)) === "conflict") return "conflict";
    return { applied: true, dispute: change.dispute };
  }

  private async create(n: DisputeNotification): Promise<DisputeNotificationResult | "conflict"> {
    const payment = await this.deps.store.findPaymentByPspReference(n.pspName, n.paymentPspReference);
    if (payment === null) return this.unplaced(n);
    const currency = n.currency === null ? payment.currency : parseCurrency(n.currency.toUpperCase());
    if (currency !== payment.currency) {
      return {
        applied: false,
        reason: "invalid",
        detail: `dispute currency ${n.currency} differs from the payment's ${payment.currency}`,
        dispute: null,
      };
    }
    const amountMinor = n.amountMinor ?? payment.amountCapturedMinor;
    if (amountMinor <= 0n || amountMinor > payment.amountCapturedMinor) {
      return {
        applied: false,
        reason: "invalid",
        detail: `disputed amount ${amountMinor} is not within the captured ${payment.amountCapturedMinor}`,
        dispute: null,
      };
    }
    const now = this.deps.now();
    const opened: DisputeRecord = {
      id: newId("dispute"),
      paymentId: payment.id,
      merchantId: payment.merchantId,
      mode: payment.mode,
      amountMinor,
      currency: payment.currency,
      // Where a dispute starts, before the notification's own position is applied by buildChange.
      status: n.status,
      stage: n.stage ?? "inquiry",
      reason: n.reason,
      reasonCode: n.reasonCode === null ? null : n.reasonCode.slice(0, REASON_CODE_MAX_LENGTH),
      pspName: n.pspName,
      pspReference: n.disputeReference,
      pspStage: clip(n.pspStage),
      evidenceDueBy: n.evidenceDueBy,
      fundsWithdrawn: false,
      feeMinor: 0n,
      evidenceSubmittedAt: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    const change = await this.buildChange(null, opened, {
      type: "dispute.created",
      oldStatus: null,
      newStatus: opened.status,
      source: "WEBHOOK",
      actor: n.pspName,
      data: { pspStage: opened.pspStage, stage: opened.stage, reasonCode: opened.reasonCode },
    });
    if ((await this.deps.store.write(change)) === "conflict") return "conflict";
    return { applied: true, dispute: change.dispute };
  }

  /**
   * A dispute whose payment is not found by its PSP reference: our own call may still be in flight (redeliver
   * later), or the PSP disputes an attempt that failed over to another PSP (an operator must look); otherwise the
   * payment is unknown.
   */
  private async unplaced(n: DisputeNotification): Promise<DisputeNotificationResult | "conflict"> {
    const unknown = {
      applied: false as const,
      reason: "unknown_payment" as const,
      detail: "no payment with this PSP reference",
      dispute: null,
    };
    const found = await this.deps.store.findAttemptsForDispute(
      n.pspName,
      n.paymentPspReference,
      n.paymentReference ?? null,
    );
    if (found === null) {
      // Nothing carries this reference and the PSP named no payment of ours (Stripe): while an authorization of
      // ours at this PSP account still waits for its answer, this may be its dispute. Redelivery is asked for.
      const since = new Date(this.deps.now().getTime() - UNREFERENCED_IN_FLIGHT_WINDOW_MS);
      if (await this.deps.store.hasUnreferencedAuthorizationInFlight(n.pspName, n.mode ?? null, since)) {
        return {
          applied: false,
          reason: "in_flight",
          detail: `an authorization of ours at ${n.pspName} is still in flight without a reference`,
          dispute: null,
        };
      }
      // Our call's answer may have been recorded between the first read and the check above: the reference
      // written and the attempt no longer in flight, each read seeing the side that says "not ours". Read again
      // rather than dead-letter a dispute of ours (seen on a loaded machine: sandbox-disputes, 0259 card).
      if ((await this.deps.store.findPaymentByPspReference(n.pspName, n.paymentPspReference)) !== null)
        return "conflict";
      return unknown;
    }
    const atThisPsp = found.attempts.filter((attempt) => attempt.pspName === n.pspName);
    if (atThisPsp.some((attempt) => attempt.status === "PENDING" && attempt.pspReference === null)) {
      return {
        applied: false,
        reason: "in_flight",
        detail: `our call for payment ${found.paymentId} at ${n.pspName} is still in flight`,
        dispute: null,
      };
    }
    const disputed =
      atThisPsp.find((attempt) => attempt.pspReference === n.paymentPspReference) ?? atThisPsp[0];
    if (disputed !== undefined && found.paymentPspName !== n.pspName) {
      return {
        applied: false,
        reason: "failed_over",
        detail: `${n.pspName} disputes attempt ${disputed.id} (${disputed.status}) of payment ${found.paymentId}, which failed over to ${found.paymentPspName ?? "no PSP"}: needs an operator`,
        dispute: null,
        attemptId: disputed.id,
        paymentId: found.paymentId,
      };
    }
    return unknown;
  }

  /** The change from `before` (null: new) to `next`: money moves to match the new position, once. */
  private async buildChange(
    before: DisputeRecord | null,
    next: DisputeRecord,
    event: DisputeEventDraft,
  ): Promise<DisputeChange> {
    const journal: JournalEntryDraft[] = [];
    let conversion: { sourceEntry: JournalEntryDraft; draft: FxConversionDraft } | undefined;
    const withdrawn = fundsWithdrawnAt(next.status, next.stage);
    let feeMinor = next.feeMinor;
    if (withdrawn && !next.fundsWithdrawn) {
      const chargeFee = feeMinor === 0n;
      const fee = chargeFee ? await this.feeFor(next) : 0n;
      conversion = await this.converted(next, "withdrawal", fee);
      if (conversion === undefined)
        journal.push(
          disputeWithdrawalPosting({ amountMinor: next.amountMinor, currency: next.currency, feeMinor: fee }),
        );
      if (chargeFee) feeMinor = fee;
    } else if (!withdrawn && next.fundsWithdrawn) {
      conversion = await this.converted(next, "reinstatement", 0n);
      if (conversion === undefined)
        journal.push(disputeReinstatementPosting({ amountMinor: next.amountMinor, currency: next.currency }));
    }
    const posted = conversion === undefined ? journal : [conversion.sourceEntry];
    if (conversion?.draft.settlementEntry) posted.push(conversion.draft.settlementEntry);
    const dispute: DisputeRecord = { ...next, fundsWithdrawn: withdrawn, feeMinor };
    const disputedDeltaMinor = disputedAmountOf(dispute) - (before === null ? 0n : disputedAmountOf(before));
    const topic =
      before === null ? "dispute.created" : isDecided(dispute.status) ? "dispute.closed" : "dispute.updated";
    invariant(dispute.amountMinor > 0n, "a dispute's amount is positive");
    return {
      dispute,
      expectedVersion: before === null ? null : before.version,
      event: {
        ...event,
        data: {
          ...event.data,
          ...(posted.length > 0 ? { ledger: posted.map((entry) => entry.kind).join(",") } : {}),
          ...(conversion === undefined
            ? {}
            : {
                settlementCurrency: conversion.draft.settlementCurrency,
                settlementAmountMinor: conversion.draft.settlementMinor.toString(),
                originalSettlementMinor: (conversion.draft.originalSettlementMinor ?? 0n).toString(),
                fxGainLossMinor: conversion.draft.gainLossMinor.toString(),
              }),
        },
      },
      outbox: [{ topic, payload: disputeEventPayload(dispute) }],
      journal,
      ...(conversion === undefined ? {} : { conversion }),
      disputedDeltaMinor,
      operatorAudit: null,
    };
  }

  /**
   * The legs of this movement when the disputed payment's capture converted (its locked rate, and the newest rate
   * whatever its age: the PSP has already moved the money, and a stored rate is never guessed); undefined when it
   * settled in its own currency.
   */
  private async converted(
    dispute: DisputeRecord,
    movement: "withdrawal" | "reinstatement",
    feeMinor: bigint,
  ): Promise<{ sourceEntry: JournalEntryDraft; draft: FxConversionDraft } | undefined> {
    if (!this.deps.fx) return undefined;
    const locked = await this.deps.fx.captureConversionOf(dispute.paymentId as PaymentId);
    if (locked === null || locked.sourceCurrency !== dispute.currency) return undefined;
    const today = await this.deps.fx.newestRate(dispute.currency, locked.settlementCurrency);
    const { sourceEntry, conversion } = disputeConversion({
      movement,
      amountMinor: dispute.amountMinor,
      feeMinor,
      currency: dispute.currency,
      fx: { settlementCurrency: locked.settlementCurrency, capturedAt: locked.rate, today },
    });
    return { sourceEntry, draft: conversion };
  }

  private async feeFor(dispute: DisputeRecord): Promise<bigint> {
    const configured = await this.deps.store.disputeFeeMinor(dispute.merchantId, dispute.currency);
    if (configured !== null) return configured;
    return DEFAULT_DISPUTE_FEE_MAJOR * 10n ** BigInt(currencyExponent(dispute.currency));
  }
}

/** The files as one string, in order: each one's content and kind (the same bytes under another kind differ). */
function filesKey(files: ReadonlyArray<{ sha256: string; kind: string }>): string {
  return files.map((file) => `${file.kind}:${file.sha256}`).join();
}

/** The texts as one string with sorted keys (a stored JSONB object does not keep its key order). */
function canonicalTexts(texts: EvidenceTexts): string {
  return JSON.stringify(Object.entries(texts).sort(([a], [b]) => a.localeCompare(b)));
}

function actorName(actor: DisputeActor): string {
  return actor.kind === "operator" ? actor.operator.name : actor.apiKeyId;
}

export type DisputeActor = { kind: "merchant"; apiKeyId: string } | { kind: "operator"; operator: Actor };

function clip(pspStage: string): string {
  return pspStage.slice(0, PSP_STAGE_MAX_LENGTH);
}

/** What merchants receive on their event stream: whitelisted fields, amounts as digit strings. */
export function disputeEventPayload(dispute: DisputeRecord): Record<string, unknown> {
  return {
    id: dispute.id,
    paymentId: dispute.paymentId,
    status: dispute.status,
    stage: dispute.stage,
    reason: dispute.reason,
    amountMinor: dispute.amountMinor.toString(),
    currency: dispute.currency,
    evidenceDueBy: dispute.evidenceDueBy?.toISOString() ?? null,
  };
}
