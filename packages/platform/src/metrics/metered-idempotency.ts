// The idempotency service, counting what it answers from stored results
// (replays) and what it refuses over a key (conflicts), per operation. The
// operation names are the commands' own constants, a fixed set.
import { DomainError } from "@paycore/core/errors/domain-error";
import {
  type IdempotencyContext,
  IdempotencyService,
  type IdempotentOutcome,
  type RunOptions,
} from "@paycore/core/idempotency/idempotency-service";
import type { IdempotencyScope } from "@paycore/core/ports/idempotency-store";
import type { PlatformMetrics } from "./metrics";

const CONFLICT_CODES = new Set(["IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_IN_PROGRESS"]);

export class MeteredIdempotencyService extends IdempotencyService {
  private metrics: PlatformMetrics | null = null;

  /** Set once by the composition root (the service is built before the metrics' sources exist). */
  observeWith(metrics: PlatformMetrics): void {
    this.metrics = metrics;
  }

  override async run<T>(
    scope: IdempotencyScope,
    operation: string,
    input: unknown,
    execute: (context: IdempotencyContext) => Promise<T>,
    options?: RunOptions,
  ): Promise<IdempotentOutcome<T>> {
    try {
      const outcome = await super.run(scope, operation, input, execute, options);
      if (outcome.replayed) this.metrics?.idempotencyReplays.inc({ operation });
      return outcome;
    } catch (error) {
      if (error instanceof DomainError && CONFLICT_CODES.has(error.code))
        this.metrics?.idempotencyConflicts.inc({ operation, code: error.code });
      throw error;
    }
  }
}
