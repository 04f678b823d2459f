// A small bounded cache with a time to live, for data that changes rarely and
// may be a little stale (merchant settings, routing rules, a merchant's amount
// history): it saves a database round trip per request on the hot path.
//
// An entry is never served older than its time to live. While it is in use it
// is refreshed ahead of that, in the background, once per key, at a random
// point in the last half of its life; a request waits for a load only when
// there is nothing usable. Without that, every merchant's entries, loaded
// together at start-up, expired together and sent a burst of loads to the
// database each time-to-live while requests waited behind them: the bench
// saw a latency burst of up to 200 ms every 30 s (docs/benchmarks.md).

interface Entry<V> {
  value: V;
  /** From here on, a read starts a background refresh. */
  refreshAtMs: number;
  /** From here on, the entry is not served. */
  expiresAtMs: number;
}

/** Refreshes start at a random point between these fractions of the time to live. */
const REFRESH_FROM = 0.5;
const REFRESH_TO = 0.9;

export class TtlCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  /** Loads in flight: concurrent readers of one key share one. */
  private readonly loading = new Map<K, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  /** The value while it is within its time to live. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: K, value: V): void {
    // Bounded: when full, the oldest insertion goes first (Map keeps insertion order).
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    const now = this.now();
    const refreshAfter = this.ttlMs * (REFRESH_FROM + (REFRESH_TO - REFRESH_FROM) * this.random());
    // Re-inserted, so that eviction order follows the last load.
    this.entries.delete(key);
    this.entries.set(key, { value, refreshAtMs: now + refreshAfter, expiresAtMs: now + this.ttlMs });
  }

  /**
   * The cached value, loading it when there is none within its time to live. A value past its refresh point is
   * still served, and reloaded in the background (one load per key: loadOnce shares the one in flight); after a
   * failed refresh the next read tries again, and once the value has expired a read waits for the load and sees
   * its error.
   */
  async getOrLoad(key: K, load: () => Promise<V>): Promise<V> {
    const entry = this.entries.get(key);
    const now = this.now();
    if (entry !== undefined && entry.expiresAtMs > now) {
      if (entry.refreshAtMs <= now) this.loadOnce(key, load).catch(() => undefined);
      return entry.value;
    }
    return this.loadOnce(key, load);
  }

  /** Forgets the key, and the result of any load of it already in flight. */
  delete(key: K): void {
    this.entries.delete(key);
    this.loading.delete(key);
  }

  private loadOnce(key: K, load: () => Promise<V>): Promise<V> {
    const inFlight = this.loading.get(key);
    if (inFlight !== undefined) return inFlight;
    const loaded = load().then(
      (value) => {
        // Only the newest load of a key is stored: one started before a delete is not.
        if (this.loading.get(key) === loaded) {
          this.loading.delete(key);
          this.set(key, value);
        }
        return value;
      },
      (error: unknown) => {
        if (this.loading.get(key) === loaded) this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, loaded);
    return loaded;
  }
}
