// Retries and a circuit breaker around one PSP, from cockatiel. Only transient
// failures are retried, always with the attempt's own idempotency key (so a
// retry can never charge twice); declines and validation errors are answers,
// not failures. After the last try, a request that never reached the PSP is
// "unavailable" (safe to fail over); anything else is "unknown" (to resolve).
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
import type { BreakerState } from "@paycore/core/psp/routing";
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  DelegateBackoff,
  handleType,
  type IPolicy,
  type IRetryBackoffContext,
  retry,
  wrap,
} from "cockatiel";
import { TransientPspError } from "./transient-error";

export interface ResilienceOptions {
  /** Tries per operation, the first included. */
  attemptsMax: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Consecutive transient failures that open the breaker. */
  breakerThreshold: number;
  /** How long an open breaker stays open before letting one call through. */
  halfOpenAfterMs: number;
  /** Never wait longer than this for a PSP's Retry-After. */
  retryAfterCapMs: number;
}

export const DEFAULT_RESILIENCE: ResilienceOptions = {
  attemptsMax: 3,
  initialDelayMs: 100,
  maxDelayMs: 2_000,
  breakerThreshold: 5,
  halfOpenAfterMs: 30_000,
  retryAfterCapMs: 5_000,
};

/** Exponential backoff with full jitter, except that a 429's Retry-After wins (capped). */
function backoffFor(options: ResilienceOptions) {
  return new DelegateBackoff<IRetryBackoffContext<unknown>>((context) => {
    const error = "error" in context.result ? context.result.error : undefined;
    if (error instanceof TransientPspError && error.retryAfterMs !== null) {
      return Math.min(error.retryAfterMs, options.retryAfterCapMs);
    }
    const ceilingMs = Math.min(
      options.maxDelayMs,
      options.initialDelayMs * 2 ** Math.max(0, context.attempt - 1),
    );
    return Math.round(Math.random() * ceilingMs);
  });
}

export class ResilientPsp implements PaymentServiceProvider {
  readonly name: string;
  private readonly policy: IPolicy;
  private readonly breaker: ReturnType<typeof circuitBreaker>;

  constructor(
    private readonly inner: PaymentServiceProvider,
    options: ResilienceOptions = DEFAULT_RESILIENCE,
  ) {
    this.name = inner.name;
    const transient = handleType(TransientPspError);
    this.breaker = circuitBreaker(transient, {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.breakerThreshold),
    });
    const retries = retry(transient, {
      maxAttempts: options.attemptsMax - 1,
      backoff: backoffFor(options),
    });
    // Retries outside the breaker: an open breaker stops the retries at once.
    this.policy = wrap(retries, this.breaker);
    const complete = inner.completeAuthentication?.bind(inner);
    if (complete) this.completeAuthentication = (request) => this.run(() => complete(request));
  }

  breakerState(): BreakerState {
    switch (this.breaker.state) {
      case CircuitState.Open:
      case CircuitState.Isolated:
        return "open";
      case CircuitState.HalfOpen:
        return "half_open";
      default:
        return "closed";
    }
  }

  authorize(request: AuthorizeRequest): Promise<PspOutcome> {
    return this.run(() => this.inner.authorize(request));
  }

  capture(request: ModifyRequest): Promise<PspOutcome> {
    return this.run(() => this.inner.capture(request));
  }

  void(request: Omit<ModifyRequest, "amountMinor">): Promise<PspOutcome> {
    return this.run(() => this.inner.void(request));
  }

  refund(request: ModifyRequest): Promise<PspOutcome> {
    return this.run(() => this.inner.refund(request));
  }

  lookupModification(query: ModificationQuery): Promise<PspOutcome> {
    return this.run(() => this.inner.lookupModification(query));
  }

  /**
   * Evidence goes out once per forwarding try, outside the breaker and without retries here: its adapter answers
   * unknown for anything transient, and the forwarding worker sends it again later with the same key.
   */
  submitDisputeEvidence(request: DisputeEvidenceRequest): Promise<DisputeEvidenceOutcome> {
    if (this.inner.submitDisputeEvidence === undefined) {
      return Promise.resolve({
        outcome: "rejected",
        code: "unsupported",
        message: `${this.name} takes no evidence`,
      });
    }
    return this.inner.submitDisputeEvidence(request);
  }
  /** 3-D Secure: forwarded only when the PSP has it (a PSP without it never asks for a challenge). */
  readonly completeAuthentication?: (request: CompleteAuthenticationRequest) => Promise<PspOutcome>;

  status(pspReference: string): Promise<PspChargeStatus> {
    return this.policy.execute(() => this.inner.status(pspReference));
  }

  private async run(call: () => Promise<PspOutcome>): Promise<PspOutcome> {
    // Once any try may have reached the PSP, the whole operation may have: it can no longer be "unavailable",
    // whatever the last try says, or a failover could charge twice.
    let ambiguous = false;
    try {
      return await this.policy.execute(async () => {
        try {
          return await call();
        } catch (error) {
          if (!(error instanceof TransientPspError) || !error.certainlyNotCharged) ambiguous = true;
          throw error;
        }
      });
    } catch (error) {
      const label =
        error instanceof TransientPspError
          ? error.kind
          : error instanceof BrokenCircuitError
            ? "circuit open"
            : "error";
      const safe =
        !ambiguous &&
        (error instanceof BrokenCircuitError ||
          (error instanceof TransientPspError && error.certainlyNotCharged));
      return safe
        ? { outcome: "unavailable", message: `${this.name}: ${label}` }
        : { outcome: "unknown", message: `${this.name}: ${label}` };
    }
  }
}
