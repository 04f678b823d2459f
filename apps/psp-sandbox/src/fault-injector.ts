import type { PspName } from "./charge-ledger";
import type { RandomSource } from "./seeded-random";

/** Run-time faults for one PSP's API. Unset fields are off. */
export interface SandboxFaults {
  /** Extra processing time added to every request, inside the idempotency lock (so concurrent retries see 409). */
  latencyMs?: number;
  /**
   * Every request is processed, then its answer held this long (below the client's timeout: a slow answer, not a
   * lost one). What the request caused (a dispute card's dispute, a webhook) may reach the client first.
   */
  answerDelayMs?: number;
  /** Probability (0..1) of answering 500 or 503 before doing anything. */
  errorRate?: number;
  /** Probability (0..1) of processing the request, then holding the response for `hangMs`. */
  timeoutRate?: number;
  /** Every request's connection is closed without an answer. */
  down?: boolean;
}

export const LATENCY_MS_MAX = 60_000;

export class FaultValidationError extends Error {}

/** Validates faults received over HTTP; throws FaultValidationError with a readable reason. */
export function parseFaults(input: unknown): { psp: PspName; faults: SandboxFaults } {
  if (typeof input !== "object" || input === null) throw new FaultValidationError("body must be an object");
  const body = input as Record<string, unknown>;
  if (body.psp !== "stripe" && body.psp !== "adyen") {
    throw new FaultValidationError('psp must be "stripe" or "adyen"');
  }
  const faults: SandboxFaults = {};
  if (body.latencyMs !== undefined) {
    if (!Number.isInteger(body.latencyMs) || (body.latencyMs as number) < 0) {
      throw new FaultValidationError("latencyMs must be a non-negative integer");
    }
    faults.latencyMs = Math.min(body.latencyMs as number, LATENCY_MS_MAX);
  }
  if (body.answerDelayMs !== undefined) {
    if (!Number.isInteger(body.answerDelayMs) || (body.answerDelayMs as number) < 0) {
      throw new FaultValidationError("answerDelayMs must be a non-negative integer");
    }
    faults.answerDelayMs = Math.min(body.answerDelayMs as number, LATENCY_MS_MAX);
  }
  for (const field of ["errorRate", "timeoutRate"] as const) {
    const value = body[field];
    if (value === undefined) continue;
    if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
      throw new FaultValidationError(`${field} must be a number from 0 to 1`);
    }
    faults[field] = value;
  }
  if (body.down !== undefined) {
    if (typeof body.down !== "boolean") throw new FaultValidationError("down must be a boolean");
    faults.down = body.down;
  }
  return { psp: body.psp, faults };
}

export class FaultInjector {
  private readonly faultsByPsp = new Map<PspName, SandboxFaults>();

  constructor(private readonly random: RandomSource) {}

  set(psp: PspName, faults: SandboxFaults): void {
    this.faultsByPsp.set(psp, {
      ...faults,
      latencyMs: Math.min(faults.latencyMs ?? 0, LATENCY_MS_MAX),
      answerDelayMs: Math.min(faults.answerDelayMs ?? 0, LATENCY_MS_MAX),
    });
  }

  clear(): void {
    this.faultsByPsp.clear();
  }

  current(psp: PspName): SandboxFaults {
    return this.faultsByPsp.get(psp) ?? {};
  }

  isDown(psp: PspName): boolean {
    return this.current(psp).down === true;
  }

  latencyMs(psp: PspName): number {
    return this.current(psp).latencyMs ?? 0;
  }

  answerDelayMs(psp: PspName): number {
    return this.current(psp).answerDelayMs ?? 0;
  }

  /** 500 or 503 when this request should fail before doing anything, otherwise null. */
  drawError(psp: PspName): 500 | 503 | null {
    const rate = this.current(psp).errorRate ?? 0;
    if (rate <= 0 || this.random.next() >= rate) return null;
    return this.random.next() < 0.5 ? 500 : 503;
  }

  drawTimeout(psp: PspName): boolean {
    const rate = this.current(psp).timeoutRate ?? 0;
    return rate > 0 && this.random.next() < rate;
  }
}
