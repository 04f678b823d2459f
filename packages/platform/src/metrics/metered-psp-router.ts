// Observes every PSP call the payment commands make, at the router they reach
// PSPs through (the core's PspRouter port): its duration and outcome per PSP
// and operation, and the authorization answers. The PSP names are the
// registry's and the configured accounts' (a handful), the operations and
// outcomes the port's own fixed sets. Also where a call's trace span starts
// (traces.ts): one span per PSP call, with the payment id as an attribute.
import type { Mode } from "@paycore/core/payments/payment-record";
import type { PspRouter } from "@paycore/core/ports/psp-router";
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
import type { RoutingInput } from "@paycore/core/psp/routing";
import { inSpan } from "../tracing/spans";
import type { PlatformMetrics } from "./metrics";

type Operation =
  | "authorize"
  | "capture"
  | "void"
  | "refund"
  | "status"
  | "lookup_modification"
  | "complete_authentication"
  | "submit_dispute_evidence";

class MeteredPsp implements PaymentServiceProvider {
  readonly name: string;
  /** 3-D Secure (issue 20): present, and observed, only when the PSP has it. */
  readonly completeAuthentication?: (request: CompleteAuthenticationRequest) => Promise<PspOutcome>;
  /** Dispute evidence (issue 17): present, and observed, only when the PSP has it. */
  readonly submitDisputeEvidence?: (request: DisputeEvidenceRequest) => Promise<DisputeEvidenceOutcome>;

  constructor(
    private readonly inner: PaymentServiceProvider,
    private readonly metrics: PlatformMetrics,
  ) {
    this.name = inner.name;
    // The port's optional calls: a wrapper that dropped them would hide them from the commands.
    const complete = inner.completeAuthentication?.bind(inner);
    if (complete !== undefined) {
      this.completeAuthentication = (request) =>
        this.observe("complete_authentication", request.reference, () => complete(request));
    }
    const evidence = inner.submitDisputeEvidence?.bind(inner);
    if (evidence !== undefined) {
      this.submitDisputeEvidence = (request) =>
        this.observe("submit_dispute_evidence", null, () => evidence(request));
    }
  }

  authorize(request: AuthorizeRequest): Promise<PspOutcome> {
    return this.observe("authorize", request.reference, () => this.inner.authorize(request));
  }

  capture(request: ModifyRequest): Promise<PspOutcome> {
    return this.observe("capture", null, () => this.inner.capture(request));
  }

  void(request: Omit<ModifyRequest, "amountMinor">): Promise<PspOutcome> {
    return this.observe("void", null, () => this.inner.void(request));
  }

  refund(request: ModifyRequest): Promise<PspOutcome> {
    return this.observe("refund", null, () => this.inner.refund(request));
  }

  lookupModification(query: ModificationQuery): Promise<PspOutcome> {
    return this.observe("lookup_modification", null, () => this.inner.lookupModification(query));
  }

  status(pspReference: string): Promise<PspChargeStatus> {
    return this.observe("status", null, () => this.inner.status(pspReference));
  }

  private async observe<T>(
    operation: Operation,
    paymentId: string | null,
    call: () => Promise<T>,
  ): Promise<T> {
    const end = this.metrics.pspDuration.startTimer({ psp: this.name, operation });
    let outcome = "error";
    try {
      const result = await inSpan(
        `psp ${this.name} ${operation}`,
        { "paycore.psp": this.name, "paycore.psp.operation": operation, "paycore.payment_id": paymentId },
        call,
      );
      outcome = isOutcome(result) ? result.outcome : "answered";
      return result;
    } finally {
      end();
      this.metrics.pspRequests.inc({ psp: this.name, operation, outcome });
    }
  }
}

function isOutcome(value: unknown): value is PspOutcome {
  return typeof value === "object" && value !== null && "outcome" in value;
}

export class MeteredPspRouter implements PspRouter {
  /** One wrapper per PSP client: live mode's clients are rebuilt when accounts change, so keyed weakly. */
  private readonly wrapped = new WeakMap<PaymentServiceProvider, MeteredPsp>();

  constructor(
    private readonly inner: PspRouter,
    private readonly metrics: PlatformMetrics,
  ) {}

  async routeAuthorization(mode: Mode, input: RoutingInput) {
    const routed = await this.inner.routeAuthorization(mode, input);
    return { ...routed, candidates: routed.candidates.map((psp) => this.wrap(psp)) };
  }

  byName(mode: Mode, name: string): PaymentServiceProvider | null {
    const psp = this.inner.byName(mode, name);
    return psp && this.wrap(psp);
  }

  recordAuthorization(pspName: string, approved: boolean): void {
    this.metrics.pspAuthorizations.inc({ psp: pspName, result: approved ? "approved" : "refused" });
    this.inner.recordAuthorization(pspName, approved);
  }

  private wrap(psp: PaymentServiceProvider): PaymentServiceProvider {
    let metered = this.wrapped.get(psp);
    if (metered === undefined) {
      metered = new MeteredPsp(psp, this.metrics);
      this.wrapped.set(psp, metered);
    }
    return metered;
  }
}
