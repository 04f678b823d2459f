import type { ChargeLedger } from "./charge-ledger";
import type { SandboxDisputes } from "./disputes";
import type { ReportAnnouncements } from "./report-announcements";
import type { ChallengeBook } from "./three-d-secure";
import type { WebhookDispatcher } from "./webhook-dispatcher";
import type { SandboxTimings, WebhookSchedule } from "./webhook-schedule";

export interface StripeWebhookConfig {
  readonly url: string;
  /** The endpoint's signing secret (whsec_…). */
  readonly secret: string;
}

export interface AdyenWebhookConfig {
  readonly url: string;
  /** The HMAC key in hex, as Adyen's Customer Area shows it. */
  readonly hmacKeyHex: string;
}

export interface SandboxWebhookConfig {
  stripe?: StripeWebhookConfig;
  adyen?: AdyenWebhookConfig;
}

const TIMERS_MAX = 50_000;

/** Deferred work (async outcomes, Adyen modifications), cancelled all at once on reset or stop. */
export class DeferredWork {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly log: (line: string) => void) {}

  later(delayMs: number, work: () => void): void {
    if (this.timers.size >= TIMERS_MAX) {
      this.log(`deferred work queue full (${TIMERS_MAX}); running now`);
      work();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      try {
        work();
      } catch (error) {
        this.log(`deferred work failed: ${error instanceof Error ? error.stack : String(error)}`);
      }
    }, delayMs);
    this.timers.add(timer);
  }

  cancelAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

const ATTEMPTS_MAX = 100_000;

/** Remembers which scenario attempts already happened, for "first attempt fails, retry succeeds" cards. */
export class AttemptMemory {
  private readonly seen = new Set<string>();

  /** True the first time a token is seen. */
  firstTime(token: string): boolean {
    if (this.seen.has(token)) return false;
    if (this.seen.size >= ATTEMPTS_MAX) this.seen.clear();
    this.seen.add(token);
    return true;
  }

  clear(): void {
    this.seen.clear();
  }
}

/** What both emulated PSPs share. */
export interface SandboxContext {
  readonly ledger: ChargeLedger;
  readonly dispatcher: WebhookDispatcher;
  readonly schedule: WebhookSchedule;
  readonly timings: SandboxTimings;
  readonly deferred: DeferredWork;
  readonly attempts: AttemptMemory;
  /** Disputes of both PSPs (./disputes.ts); each PSP's API announces them in its own notifications. */
  readonly disputes: SandboxDisputes;
  /** Settlement reports announced by each PSP (./report-announcements.ts). */
  readonly reports: ReportAnnouncements;
  /** The sandbox's own URL (known once it listens), for download URLs it hands out. */
  readonly baseUrl: () => string;
  readonly webhooks: SandboxWebhookConfig;
  readonly hangMs: () => number;
  readonly now: () => Date;
  readonly log: (line: string) => void;
  /** Stripe-style live secret keys this sandbox accepts besides any sk_test_ key (a sandbox as a live endpoint). */
  readonly liveStripeKeys: ReadonlySet<string>;
  /** 3-D Secure challenges waiting for the customer (three-d-secure.ts). */
  readonly challenges: ChallengeBook;
  /** This server's own origin (known once it listens): where its challenge pages are. */
  readonly publicUrl: () => string;
}
