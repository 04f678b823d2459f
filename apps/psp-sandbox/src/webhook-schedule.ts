import type { SandboxCharge } from "./charge-ledger";
import type { RandomSource } from "./seeded-random";

/** Timings of the asynchronous behaviour. All are bounded by TIMING_MS_MAX. */
export interface SandboxTimings {
  /** Outcome-only-by-webhook cards resolve after this long. Default 1000. */
  asyncOutcomeDelayMs: number;
  /** Adyen processes an acknowledged capture, cancel or refund after this long. Default 200. */
  modificationDelayMs: number;
  /** From a capture's or refund's success to its later failure (capture_fails, refund_fails cards). Default 500. */
  followUpFailureDelayMs: number;
  /** Extra delay of every webhook of a late_webhook card. Default 5000. */
  lateWebhookDelayMs: number;
  /** Webhooks of an out_of_order_webhooks card raised within this window are delivered newest first. Default 1000. */
  outOfOrderWindowMs: number;
  /** From a dispute card's capture to its dispute's first notification. Default 500. */
  disputeOpenDelayMs: number;
  /** From submitted evidence to the dispute's decision. Default 1000. */
  disputeDecisionDelayMs: number;
}

export const DEFAULT_TIMINGS: SandboxTimings = {
  asyncOutcomeDelayMs: 1_000,
  modificationDelayMs: 200,
  followUpFailureDelayMs: 500,
  lateWebhookDelayMs: 5_000,
  outOfOrderWindowMs: 1_000,
  disputeOpenDelayMs: 500,
  disputeDecisionDelayMs: 1_000,
};

export const TIMING_MS_MAX = 600_000;

/** Spacing between copies of a duplicated webhook, and between reordered ones. */
const SPACING_MS = 40;
const OUT_OF_ORDER_CHARGES_MAX = 10_000;
/** Reordering assumes at most this many events per payment inside the window. */
const OUT_OF_ORDER_EVENTS_MAX = 10;

/**
 * Decides when each copy of a payment's webhook is due, from the card's scenario:
 * late, duplicated (2–3 copies) or reordered (newest first within a window).
 */
export class WebhookSchedule {
  private readonly outOfOrderWindows = new Map<string, { startMs: number; count: number }>();

  constructor(
    private readonly timings: SandboxTimings,
    private readonly random: RandomSource,
  ) {}

  /** One delay per copy to deliver, in milliseconds from now. */
  delaysFor(charge: SandboxCharge, nowMs: number = Date.now()): number[] {
    switch (charge.scenario) {
      case "late_webhook":
        return [this.timings.lateWebhookDelayMs];
      case "duplicate_webhook": {
        const copies = this.random.next() < 0.5 ? 2 : 3;
        return Array.from({ length: copies }, (_, index) => index * SPACING_MS);
      }
      case "out_of_order_webhooks":
        return [this.outOfOrderDelay(`${charge.psp}:${charge.pspReference}`, nowMs)];
      default:
        return [0];
    }
  }

  clear(): void {
    this.outOfOrderWindows.clear();
  }

  /**
   * An event raised at t within [start, start + window) is due at start + window + (start + window − t),
   * pushed SPACING_MS earlier per earlier event: later events come out first. After the window, no delay.
   */
  private outOfOrderDelay(chargeKey: string, nowMs: number): number {
    const windowMs = this.timings.outOfOrderWindowMs;
    let window = this.outOfOrderWindows.get(chargeKey);
    if (window === undefined) {
      if (this.outOfOrderWindows.size >= OUT_OF_ORDER_CHARGES_MAX) this.outOfOrderWindows.clear();
      window = { startMs: nowMs, count: 0 };
      this.outOfOrderWindows.set(chargeKey, window);
    }
    const closesAtMs = window.startMs + windowMs;
    if (nowMs >= closesAtMs) return 0;
    window.count += 1;
    const dueAtMs = closesAtMs + (closesAtMs - nowMs) + SPACING_MS * (OUT_OF_ORDER_EVENTS_MAX - window.count);
    return dueAtMs - nowMs;
  }
}
