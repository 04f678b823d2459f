// Tells subscribers when a payment they watch has a committed change. One poll per interval reads the version of
// every watched payment (one indexed query, however many subscribers), and only while someone watches. Versions
// come from committed rows only, so a change is never announced before its commit nor lost to a rollback, and
// it works without Redis. A subscriber is told "changed" and reads the payment itself: changes in between are
// coalesced into the latest state, which is what a live view needs.
import type { PaymentId } from "@paycore/core/ids/ids";
import type { Logger } from "pino";

export interface PaymentWatchOptions {
  /** How often the watched payments' versions are read. */
  intervalMs: number;
  /** Payments watched at once by this process, over all subscribers. */
  watchersMax: number;
}

export const DEFAULT_PAYMENT_WATCH_OPTIONS: PaymentWatchOptions = { intervalMs: 500, watchersMax: 1_000 };

interface Watcher {
  paymentId: PaymentId;
  version: number;
  onChange: () => void;
}

export class PaymentWatchFull extends Error {
  override readonly name = "PaymentWatchFull";
}

export class PaymentWatch {
  private readonly watchers = new Set<Watcher>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(
    private readonly readVersions: (ids: readonly PaymentId[]) => Promise<Map<PaymentId, number>>,
    private readonly logger: Logger,
    private readonly options: PaymentWatchOptions = DEFAULT_PAYMENT_WATCH_OPTIONS,
  ) {}

  get size(): number {
    return this.watchers.size;
  }

  /** Calls `onChange` after each poll that finds the payment past `version`; returns the function that stops it. */
  watch(paymentId: PaymentId, version: number, onChange: () => void): () => void {
    if (this.watchers.size >= this.options.watchersMax) {
      throw new PaymentWatchFull(`this process already watches ${this.options.watchersMax} payments`);
    }
    const watcher: Watcher = { paymentId, version, onChange };
    this.watchers.add(watcher);
    if (this.timer === null) {
      this.timer = setInterval(() => void this.poll(), this.options.intervalMs);
      // Subscribers end with their connections; the timer alone must not keep a process alive.
      this.timer.unref();
    }
    return () => {
      this.watchers.delete(watcher);
      if (this.watchers.size === 0 && this.timer !== null) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  private async poll(): Promise<void> {
    // A slow database must not pile polls up: skip a tick rather than overlap.
    if (this.polling || this.watchers.size === 0) return;
    this.polling = true;
    try {
      const ids = [...new Set([...this.watchers].map((w) => w.paymentId))];
      const versions = await this.readVersions(ids);
      for (const watcher of this.watchers) {
        const version = versions.get(watcher.paymentId);
        if (version === undefined || version <= watcher.version) continue;
        watcher.version = version;
        watcher.onChange();
      }
    } catch (error) {
      this.logger.warn({ err: error }, "payment watch: versions could not be read; next poll retries");
    } finally {
      this.polling = false;
    }
  }
}
