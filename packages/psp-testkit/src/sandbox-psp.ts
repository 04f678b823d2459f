// The in-process sandbox PSP: test mode's PSP when no sandbox server is configured, and the PSP of the API's
// integration tests. It lives outside the pure core (it keeps a clock, randomness and timers) and reads the
// same card table as the sandbox server.
import { createHash, randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { canonicalJson } from "@paycore/core/idempotency/request-hash";
import type {
  AuthorizeRequest,
  CompleteAuthenticationRequest,
  DisputeEvidenceOutcome,
  DisputeEvidenceRequest,
  ModificationQuery,
  ModifyRequest,
  PaymentServiceProvider,
  PspChargeStatus,
  PspOutcome,
} from "@paycore/core/psp/psp-port";
import { cardBrand, cardOutcome, sandboxCard, sandboxThreeDSecure } from "./test-cards";

type Operation = "authorize" | "capture" | "void" | "refund";
/** What a fault may hit: an operation, or a lookup of a modification's outcome. */
type FaultTarget = Operation | "lookup" | "evidence";

/**
 * Faults the app must survive. "timeout_before_processing" loses the request (nothing happens);
 * "timeout_after_processing" performs it but loses the answer, so a retry with the same
 * idempotency key replays the real outcome, as a real PSP would.
 */
export type SandboxFault = "timeout_before_processing" | "timeout_after_processing";

interface Charge {
  pspReference: string;
  reference: string;
  amountMinor: bigint;
  currency: string;
  capturedMinor: bigint;
  refundedMinor: bigint;
  captured: boolean;
  voided: boolean;
  /** 3-D Secure: the challenge of a card that needs one, until it is completed or failed. */
  challenge: Challenge | null;
}

/** A 3-D Secure challenge the sandbox holds: the authorization waits for the customer. */
interface Challenge {
  state: "pending" | "authenticated" | "failed";
  /** Where the customer goes back to after the challenge page. */
  returnUrl: string;
  capture: boolean;
  brand: string;
}

interface StoredResult {
  operation: Operation;
  requestFingerprint: string;
  outcome: PspOutcome;
}

export interface SandboxCharge {
  readonly pspReference: string;
  readonly reference: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly capturedMinor: bigint;
  readonly refundedMinor: bigint;
  readonly voided: boolean;
}

/** Entries kept per book: the last 20,000 payments, a few MB. */
const DEFAULT_MAX_REMEMBERED = 20_000;

function failed(code: string, message: string, retryable = false): PspOutcome {
  return { outcome: "failed", code, message, retryable };
}

function newReference(kind: "ch" | "re"): string {
  return `sbx_${kind}_${randomBytes(12).toString("hex")}`;
}

/**
 * An in-process PSP with its own charge book, so tests can compare its truth with ours.
 * Every state change happens in one synchronous section after the simulated latency, so
 * concurrent calls cannot interleave between the idempotency check and the write.
 */
export class SandboxPsp implements PaymentServiceProvider {
  readonly name = "sandbox";
  /** Operations actually performed (idempotent replays are not counted), whatever their outcome. */
  readonly stats = { authorizations: 0, captures: 0, voids: 0, refunds: 0 };

  private readonly latencyMs: number;
  private readonly book = new Map<string, Charge>();
  private readonly results = new Map<string, StoredResult>();
  private readonly authorizationCounts = new Map<string, number>();
  private readonly faults: { operation: FaultTarget; fault: SandboxFault }[] = [];
  private readonly acknowledgeModifications: boolean;
  private readonly evidence = new Map<string, { disputeReference: string; fields: number; files: number }>();

  private readonly maxRemembered: number;
  private readonly challengeUrlBase: string;

  /**
   * `maxRemembered` bounds each of the sandbox's books (charges, idempotent results, authorization counts):
   * past it the oldest entries are forgotten, so a long-running test-mode API does not grow without end.
   */
  constructor(options?: {
    latencyMs?: number;
    maxRemembered?: number;
    /**
     * Answer captures, voids and refunds with an acknowledgement only ("pending"), as Adyen does: their outcome is
     * then learnt through lookupModification. Sends no notification.
     */
    acknowledgeModifications?: boolean;
    /**
     * 3-D Secure: where the sandbox's challenge page for a charge is served (its reference is appended). The API
     * serves the in-process sandbox's page when it runs with it (apps/api/src/three-d-secure/).
     */
    challengeUrlBase?: string;
  }) {
    this.latencyMs = options?.latencyMs ?? 0;
    this.challengeUrlBase = options?.challengeUrlBase ?? "http://127.0.0.1/sandbox/3ds/challenge/";
    this.acknowledgeModifications = options?.acknowledgeModifications ?? false;
    this.maxRemembered = options?.maxRemembered ?? DEFAULT_MAX_REMEMBERED;
  }

  private remember<V>(book: Map<string, V>, key: string, value: V): void {
    book.set(key, value);
    if (book.size > this.maxRemembered) {
      const oldest = book.keys().next();
      if (!oldest.done) book.delete(oldest.value);
    }
  }

  /** The next call of `operation` suffers `fault`; queued faults apply in order. */
  injectFault(operation: FaultTarget, fault: SandboxFault): void {
    this.faults.push({ operation, fault });
  }

  charges(): ReadonlyArray<SandboxCharge> {
    return [...this.book.values()].map((charge) =>
      Object.freeze({
        pspReference: charge.pspReference,
        reference: charge.reference,
        amountMinor: charge.amountMinor,
        currency: charge.currency,
        capturedMinor: charge.capturedMinor,
        refundedMinor: charge.refundedMinor,
        voided: charge.voided,
      }),
    );
  }

  /** How many authorizations were really performed for one of our payment ids: more than one means a double charge risk. */
  authorizationsFor(reference: string): number {
    return this.authorizationCounts.get(reference) ?? 0;
  }

  authorize(request: AuthorizeRequest): Promise<PspOutcome> {
    return this.run("authorize", request.idempotencyKey, request, () => this.doAuthorize(request));
  }

  capture(request: ModifyRequest): Promise<PspOutcome> {
    return this.modify("capture", request, () => this.doCapture(request));
  }

  void(request: Omit<ModifyRequest, "amountMinor">): Promise<PspOutcome> {
    return this.modify("void", request, () => this.doVoid(request));
  }

  refund(request: ModifyRequest): Promise<PspOutcome> {
    return this.modify("refund", request, () => this.doRefund(request));
  }

  /**
   * Dispute evidence, recorded once per idempotency key (a repeated key answers as the first did). The in-process
   * sandbox sends no webhooks, so it opens no disputes of its own: evidence reaches it for disputes a test created.
   * A queued fault: "timeout_before_processing" loses the request, "timeout_after_processing" records it and
   * loses the answer (both answer unknown).
   */
  async submitDisputeEvidence(request: DisputeEvidenceRequest): Promise<DisputeEvidenceOutcome> {
    await this.wait();
    const faultIndex = this.faults.findIndex((f) => f.operation === "evidence");
    const fault = faultIndex === -1 ? null : this.faults.splice(faultIndex, 1)[0]!.fault;
    if (fault === "timeout_before_processing") return { outcome: "unknown", message: "sandbox: timed out" };
    if (!this.evidence.has(request.idempotencyKey)) {
      this.evidence.set(request.idempotencyKey, {
        disputeReference: request.disputeReference,
        fields: Object.keys(request.texts).length,
        files: request.files.length,
      });
    }
    if (fault === "timeout_after_processing") return { outcome: "unknown", message: "sandbox: answer lost" };
    return { outcome: "delivered" };
  }

  /** Evidence received, by idempotency key (each key once, however often it was sent). */
  evidenceReceived(): ReadonlyMap<string, { disputeReference: string; fields: number; files: number }> {
    return this.evidence;
  }

  /** 3-D Secure: the challenge waiting on a charge, for the challenge page (null: none, or decided). */
  challengeOf(pspReference: string): { amountMinor: bigint; currency: string; state: string } | null {
    const charge = this.book.get(pspReference);
    if (!charge?.challenge) return null;
    return { amountMinor: charge.amountMinor, currency: charge.currency, state: charge.challenge.state };
  }

  /**
   * 3-D Secure: the customer completes (or fails) the challenge on the sandbox's page. Returns where the page sends
   * the customer back (the payment's return URL with the PSP reference appended), or null for no such challenge.
   * A challenge is decided once; the authorization happens when the merchant asks (completeAuthentication).
   */
  completeChallenge(pspReference: string, result: "authenticated" | "failed"): string | null {
    const charge = this.book.get(pspReference);
    const challenge = charge?.challenge;
    if (!charge || !challenge || charge.voided) return null;
    if (challenge.state === "pending") challenge.state = result;
    const back = new URL(challenge.returnUrl);
    back.searchParams.set("pspReference", pspReference);
    return back.toString();
  }

  /** 3-D Secure: the outcome of a charge's authentication, authorizing it once the challenge succeeded. */
  async completeAuthentication(request: CompleteAuthenticationRequest): Promise<PspOutcome> {
    await this.wait();
    const charge = this.book.get(request.pspReference);
    const challenge = charge?.challenge;
    if (!charge || !challenge || charge.reference !== request.reference) {
      return failed("resource_missing", "no such authentication");
    }
    if (charge.voided) return failed("charge_voided", "the authentication was cancelled");
    if (challenge.state === "pending") {
      return {
        outcome: "requires_action",
        pspReference: charge.pspReference,
        redirectUrl: `${this.challengeUrlBase}${charge.pspReference}`,
        threeDSecure: sandboxThreeDSecure("CHALLENGE", null, challenge.brand),
      };
    }
    if (challenge.state === "failed") {
      return {
        outcome: "declined",
        code: "authentication_failed",
        message: "The cardholder failed 3-D Secure authentication",
        threeDSecure: sandboxThreeDSecure("CHALLENGE", false, challenge.brand),
      };
    }
    // Authorized (and captured) on the first completion only: the charge's own state, whatever the key.
    if (!charge.captured && charge.capturedMinor === 0n && challenge.capture && !charge.voided) {
      charge.capturedMinor = charge.amountMinor;
      charge.captured = true;
    }
    return {
      outcome: "succeeded",
      pspReference: charge.pspReference,
      threeDSecure: sandboxThreeDSecure("CHALLENGE", true, challenge.brand),
    };
  }

  /** The decided outcome of a modification, found by the key it was sent with. */
  async lookupModification(query: ModificationQuery): Promise<PspOutcome> {
    await this.wait();
    const faultIndex = this.faults.findIndex((f) => f.operation === "lookup");
    if (faultIndex !== -1) {
      this.faults.splice(faultIndex, 1);
      return { outcome: "unknown", message: "sandbox: lookup timed out" };
    }
    const stored = this.results.get(query.idempotencyKey);
    if (!stored || stored.operation !== query.operation) {
      return { outcome: "unknown", message: "sandbox: no such modification" };
    }
    return { ...stored.outcome };
  }

  private async modify(
    operation: Exclude<Operation, "authorize">,
    request: { idempotencyKey: string; pspReference: string },
    perform: () => PspOutcome,
  ): Promise<PspOutcome> {
    const outcome = await this.run(operation, request.idempotencyKey, request, perform);
    if (!this.acknowledgeModifications || outcome.outcome === "unknown") return outcome;
    return { outcome: "pending", pspReference: request.pspReference };
  }

  async status(pspReference: string): Promise<PspChargeStatus> {
    await this.wait();
    const charge = this.book.get(pspReference);
    if (!charge) {
      return { state: "not_found", amountCapturedMinor: 0n, amountRefundedMinor: 0n };
    }
    return {
      state: stateOf(charge),
      amountCapturedMinor: charge.capturedMinor,
      amountRefundedMinor: charge.refundedMinor,
    };
  }

  private async wait(): Promise<void> {
    if (this.latencyMs > 0) {
      await sleep(this.latencyMs);
    }
  }

  private async run(
    operation: Operation,
    idempotencyKey: string,
    request: object,
    perform: () => PspOutcome,
  ): Promise<PspOutcome> {
    await this.wait();
    // From here to the return there is no await: check, perform and record are atomic.
    const faultIndex = this.faults.findIndex((f) => f.operation === operation);
    const fault = faultIndex === -1 ? undefined : this.faults.splice(faultIndex, 1)[0]?.fault;
    if (fault === "timeout_before_processing") {
      return { outcome: "unknown", message: "sandbox: request timed out before reaching the processor" };
    }

    // Hashed so the stored fingerprint of an authorize call holds no card number.
    const requestFingerprint = createHash("sha256").update(canonicalJson(request)).digest("hex");
    const stored = this.results.get(idempotencyKey);
    let outcome: PspOutcome;
    if (stored) {
      outcome =
        stored.operation === operation && stored.requestFingerprint === requestFingerprint
          ? stored.outcome
          : failed("idempotency_key_reused", "idempotency key was already used for a different request");
    } else {
      outcome = perform();
      this.remember(this.results, idempotencyKey, { operation, requestFingerprint, outcome });
    }

    if (fault === "timeout_after_processing") {
      return { outcome: "unknown", message: "sandbox: request timed out after it was processed" };
    }
    return { ...outcome };
  }

  private doAuthorize(request: AuthorizeRequest): PspOutcome {
    this.stats.authorizations += 1;
    this.remember(this.authorizationCounts, request.reference, this.authorizationsFor(request.reference) + 1);

    const invalid = invalidAmount(request.amountMinor, request.currency);
    if (invalid) return invalid;

    const refusal = refusalOf(request.card.number);
    if (refusal) return refusal;

    const outcome = cardOutcome(request.card.number);
    const flow = outcome?.kind === "three_d_secure" ? outcome.flow : null;
    const brand = cardBrand(request.card.number.replace(/[\s-]/g, ""));
    if (flow === "frictionless_failed") {
      return {
        outcome: "declined",
        code: "authentication_failed",
        message: "The issuer refused 3-D Secure authentication",
        threeDSecure: sandboxThreeDSecure("FRICTIONLESS", false, brand),
      };
    }
    const challenged = flow === "challenge";
    if (challenged && request.returnUrl === undefined) {
      return failed("return_url_required", "a card that needs a 3-D Secure challenge needs a return URL");
    }
    const pspReference = newReference("ch");
    this.remember(this.book, pspReference, {
      pspReference,
      reference: request.reference,
      amountMinor: request.amountMinor,
      currency: request.currency,
      capturedMinor: request.capture && !challenged ? request.amountMinor : 0n,
      refundedMinor: 0n,
      captured: request.capture && !challenged,
      voided: false,
      challenge: challenged
        ? { state: "pending", returnUrl: request.returnUrl as string, capture: request.capture, brand }
        : null,
    });
    if (challenged) {
      return {
        outcome: "requires_action",
        pspReference,
        redirectUrl: `${this.challengeUrlBase}${pspReference}`,
        threeDSecure: sandboxThreeDSecure("CHALLENGE", null, brand),
      };
    }
    if (flow === "frictionless") {
      return {
        outcome: "succeeded",
        pspReference,
        threeDSecure: sandboxThreeDSecure("FRICTIONLESS", true, brand),
      };
    }
    return { outcome: "succeeded", pspReference };
  }

  private doCapture(request: ModifyRequest): PspOutcome {
    this.stats.captures += 1;
    const charge = this.book.get(request.pspReference);
    if (!charge) return failed("resource_missing", "no such charge");
    const invalid = invalidAmount(request.amountMinor, request.currency, charge.currency);
    if (invalid) return invalid;
    if (charge.voided) return failed("charge_voided", "the charge was voided and cannot be captured");
    if (charge.captured) return failed("charge_already_captured", "the charge was already captured");
    if (request.amountMinor > charge.amountMinor - charge.capturedMinor) {
      return failed("amount_too_large", "capture amount exceeds the authorized amount");
    }
    // One capture per authorization: the uncaptured rest is released, as with most card PSPs.
    charge.capturedMinor = request.amountMinor;
    charge.captured = true;
    return { outcome: "succeeded", pspReference: charge.pspReference };
  }

  private doVoid(request: Omit<ModifyRequest, "amountMinor">): PspOutcome {
    this.stats.voids += 1;
    const charge = this.book.get(request.pspReference);
    if (!charge) return failed("resource_missing", "no such charge");
    if (charge.captured)
      return failed("charge_already_captured", "a captured charge cannot be voided; refund it");
    if (charge.voided) return failed("charge_voided", "the charge was already voided");
    charge.voided = true;
    return { outcome: "succeeded", pspReference: charge.pspReference };
  }

  private doRefund(request: ModifyRequest): PspOutcome {
    this.stats.refunds += 1;
    const charge = this.book.get(request.pspReference);
    if (!charge) return failed("resource_missing", "no such charge");
    const invalid = invalidAmount(request.amountMinor, request.currency, charge.currency);
    if (invalid) return invalid;
    if (!charge.captured || charge.voided)
      return failed("charge_not_captured", "only captured charges can be refunded");
    if (request.amountMinor > charge.capturedMinor - charge.refundedMinor) {
      return failed("amount_too_large", "refund amount exceeds the captured amount not yet refunded");
    }
    charge.refundedMinor += request.amountMinor;
    return { outcome: "succeeded", pspReference: newReference("re") };
  }
}

/**
 * What the card table makes of the number, when it is not an approval. The network scenarios of the sandbox
 * server (5xx, timeouts, asynchronous outcomes, late webhooks) need a network; in process they approve.
 */
function refusalOf(number: string): PspOutcome | null {
  const outcome = cardOutcome(number);
  const message = sandboxCard(number)?.description ?? "Approved";
  if (outcome === null) {
    return { outcome: "declined", code: "incorrect_number", message: "The card number is incorrect" };
  }
  if (outcome.kind === "decline") return { outcome: "declined", code: outcome.code, message };
  if (outcome.kind === "processing_error") return failed("processing_error", message, true);
  return null;
}

function invalidAmount(amountMinor: bigint, currency: string, chargeCurrency?: string): PspOutcome | null {
  if (typeof amountMinor !== "bigint" || amountMinor <= 0n) {
    return failed("amount_invalid", "amount must be a positive integer of minor units");
  }
  if (!/^[A-Z]{3}$/.test(currency)) {
    return failed("currency_invalid", "currency must be an ISO 4217 code");
  }
  if (chargeCurrency !== undefined && currency !== chargeCurrency) {
    return failed("currency_mismatch", "currency differs from the charge's currency");
  }
  return null;
}

function stateOf(charge: Charge): PspChargeStatus["state"] {
  if (charge.voided) return "voided";
  if (charge.challenge !== null && charge.challenge.state !== "authenticated") return "not_found";
  if (!charge.captured) return "authorized";
  if (charge.refundedMinor === 0n) return "captured";
  return charge.refundedMinor === charge.capturedMinor ? "refunded" : "partially_refunded";
}
