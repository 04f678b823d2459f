// The API keys this process authenticated, kept in memory for a few seconds so that a read is not two round trips
// (the key's statement, then the read's). Safe because Postgres tells every process when a key's row changes: the
// trigger of migration 20261213040100 sends the key's id on the channel "api_key_changes" at commit, and a listener
// connection per process drops the entry. The rules that keep a revoked key from being served:
// - an entry is served only while the listener is connected and listening; when the connection is lost, the
//   cache is emptied and stays off (every request reads its key) until LISTEN works again;
// - a lookup stores its row only when no change notice (and no loss or regain of the listener) arrived while it
//   ran, so a row read just before a revocation cannot outlive the revocation's notice;
// - an entry is never older than `ttlMs`: the bound when a notice cannot arrive and the loss is not noticed yet
//   (a half-open TCP connection);
// - a change made through this process's own commands is forgotten at once (`forget`), without waiting for the
//   notice.
// Only keys that exist are cached: a new key works on its first request, and an unknown one costs a read as
// before. Redis plays no part in it.
import pg from "pg";
import type { AuthenticatedKey } from "./repositories/api-key-auth.repository";

export const API_KEY_CHANGES_CHANNEL = "api_key_changes";
/** The listener's `application_name`: how an operator finds these connections in pg_stat_activity. */
export const API_KEY_LISTENER_NAME = "paycore api-key-changes";

/** Which merchant an API key belongs to, cached or not. */
export interface ApiKeyLookup {
  findActiveKeyByHash(secretHash: string): Promise<AuthenticatedKey | null>;
  /** Drops what this process remembers of the key (its own command changed it). */
  forget(apiKeyId: string): void;
  /** Resolves once every key change committed before the call is reflected in what lookups return. */
  caughtUp(): Promise<void>;
  close(): Promise<void>;
}

export interface ApiKeyCacheOptions {
  /** How long an entry is served without reading the key again; the promise when notices are lost unnoticed. */
  ttlMs: number;
  /** Entries at most (the oldest goes first). */
  entriesMax: number;
  /** The listener reconnects after this delay, doubled after each failure up to `reconnectDelayMaxMs`. */
  reconnectDelayMinMs: number;
  reconnectDelayMaxMs: number;
}

export const DEFAULT_API_KEY_CACHE_OPTIONS: ApiKeyCacheOptions = {
  ttlMs: 2_000,
  entriesMax: 10_000,
  reconnectDelayMinMs: 250,
  reconnectDelayMaxMs: 30_000,
};

interface Entry {
  key: AuthenticatedKey;
  expiresAtMs: number;
}

/** Every lookup reads the key (API_KEY_CACHE_TTL_MS=0, e.g. behind a pooler that cannot carry LISTEN). */
export function uncachedApiKeys(source: Pick<ApiKeyLookup, "findActiveKeyByHash">): ApiKeyLookup {
  return {
    findActiveKeyByHash: (secretHash) => source.findActiveKeyByHash(secretHash),
    forget() {},
    async caughtUp() {},
    async close() {},
  };
}

export class CachedApiKeys implements ApiKeyLookup {
  private readonly entries = new Map<string, Entry>();
  private readonly hashById = new Map<string, string>();
  /** Bumped by every notice, loss and regain of the listener: a lookup that saw it change stores nothing. */
  private generation = 0;
  private listener: pg.Client | null = null;
  private listening = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private closed = false;

  constructor(
    private readonly source: Pick<ApiKeyLookup, "findActiveKeyByHash">,
    private readonly databaseUrl: string,
    private readonly options: ApiKeyCacheOptions = DEFAULT_API_KEY_CACHE_OPTIONS,
    /** The listener's connection failed (it reconnects by itself); the message and code only. */
    private readonly onListenerError: (error: Error) => void = () => {},
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** Whether entries are served now (the listener is connected and listening). */
  get active(): boolean {
    return this.listening;
  }

  get size(): number {
    return this.entries.size;
  }

  async findActiveKeyByHash(secretHash: string): Promise<AuthenticatedKey | null> {
    // Started by the first lookup: processes that never authenticate a key (the CLI, the console) open nothing.
    if (this.listener === null && this.reconnectTimer === null) this.listen();
    if (this.listening) {
      const entry = this.entries.get(secretHash);
      if (entry !== undefined) {
        if (this.nowMs() < entry.expiresAtMs) return entry.key;
        this.drop(secretHash, entry.key.apiKeyId);
      }
    }
    const generation = this.generation;
    const key = await this.source.findActiveKeyByHash(secretHash);
    if (key !== null && this.listening && generation === this.generation) this.remember(secretHash, key);
    return key;
  }

  forget(apiKeyId: string): void {
    this.generation++;
    const hash = this.hashById.get(apiKeyId);
    if (hash !== undefined) this.drop(hash, apiKeyId);
  }

  async caughtUp(): Promise<void> {
    // Postgres sends a listening session the notices committed before a statement ahead of that statement's
    // answer, and node-postgres hands them over in order: after this round trip every earlier notice is applied.
    const listener = this.listener;
    if (listener !== null && this.listening) await listener.query("SELECT 1");
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const listener = this.listener;
    this.stopServing();
    this.listener = null;
    await listener?.end().catch(() => {});
  }

  private remember(secretHash: string, key: AuthenticatedKey): void {
    if (this.entries.size >= this.options.entriesMax) {
      const oldest = this.entries.entries().next().value;
      if (oldest !== undefined) this.drop(oldest[0], oldest[1].key.apiKeyId);
    }
    // Shared by every request of the key: frozen, so no request can change what the next one sees.
    Object.freeze(key.allowedOrigins);
    this.entries.set(secretHash, { key: Object.freeze(key), expiresAtMs: this.nowMs() + this.options.ttlMs });
    this.hashById.set(key.apiKeyId, secretHash);
  }

  private drop(secretHash: string, apiKeyId: string): void {
    this.entries.delete(secretHash);
    this.hashById.delete(apiKeyId);
  }

  private stopServing(): void {
    this.listening = false;
    this.generation++;
    this.entries.clear();
    this.hashById.clear();
  }

  private listen(): void {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: API_KEY_LISTENER_NAME,
    });
    this.listener = client;
    client.on("notification", (notice) => {
      if (notice.channel === API_KEY_CHANGES_CHANNEL && notice.payload) this.forget(notice.payload);
    });
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () => this.lost(client, null));
    client
      .connect()
      .then(() => client.query(`LISTEN ${API_KEY_CHANGES_CHANNEL}`))
      .then(
        () => {
          if (this.listener !== client) return;
          // Whatever was read before LISTEN took effect may predate a change no notice will tell of.
          this.stopServing();
          this.listening = true;
          this.failures = 0;
        },
        (error: Error) => this.lost(client, error),
      );
  }

  private lost(client: pg.Client, error: Error | null): void {
    if (this.listener !== client) return;
    this.listener = null;
    this.stopServing();
    if (error !== null) this.onListenerError(error);
    client.end().catch(() => {});
    if (this.closed) return;
    const delayMs = Math.min(
      this.options.reconnectDelayMaxMs,
      this.options.reconnectDelayMinMs * 2 ** Math.min(this.failures, 16),
    );
    this.failures++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.listen();
    }, delayMs);
    // A process stops without waiting for the listener to come back.
    this.reconnectTimer.unref();
  }
}
