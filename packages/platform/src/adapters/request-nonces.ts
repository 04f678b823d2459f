// Signed requests (issue 22): the nonces seen within the signature window, so a captured request cannot be sent
// again. Two stores, both asked for every nonce:
// - Redis first (SET NX with a TTL, one key per API key and nonce, hash-tagged by the key for a Redis Cluster): a
//   replay it remembers is refused there, with no database write;
// - Postgres always (request_nonces, whose primary key refuses a reuse; the request-nonce-purge worker deletes
//   rows past their expiry). Written through even when Redis answered, so a nonce first seen by Redis is still
//   refused when it is replayed while Redis is down or after Redis restarted empty.
// A row keeps the SHA-256 digest of the nonce, not its text: fixed width (the CHECK holds it at 32 bytes), and no
// request header copied into the database. A nonce is kept for twice the window: a request stamped at the
// window's future edge stays replayable until its past edge.
import { createHash } from "node:crypto";
import type { Sql } from "@paycore/db/sql";
import type { Logger } from "pino";
import type { RedisClient } from "./redis-client";

export type NonceSource = "redis" | "postgres";

/** The stored form of a nonce: SHA-256 of its text (nonces are not secrets; the digest only fixes the width). */
export function nonceDigest(nonce: string): Buffer {
  return createHash("sha256").update(nonce, "utf8").digest();
}

export class RequestNonces {
  constructor(
    private readonly deps: {
      redis: RedisClient | null;
      sql: Sql;
      log: Pick<Logger, "warn">;
    },
  ) {}

  /**
   * True when the nonce is new for this key (now remembered for `ttlSeconds`); false when it was seen. `source`
   * names the store that decided: "redis" for a replay Redis remembered, "postgres" otherwise.
   */
  async claim(
    apiKeyId: string,
    nonce: string,
    ttlSeconds: number,
  ): Promise<{ fresh: boolean; source: NonceSource }> {
    const { redis } = this.deps;
    if (redis !== null) {
      try {
        const set = await redis.set(`{${apiKeyId}}:request-nonce:${nonce}`, "1", "EX", ttlSeconds, "NX");
        if (set !== "OK") return { fresh: false, source: "redis" };
      } catch (error) {
        this.deps.log.warn({ err: error }, "request nonce: Redis unavailable, checked in Postgres");
      }
    }
    // A row past its expiry that the purge has not deleted yet is taken over, not counted as a reuse.
    const written = await this.deps.sql.execute(
      `INSERT INTO request_nonces (api_key_id, nonce_digest, expires_at)
       VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (api_key_id, nonce_digest) DO UPDATE SET expires_at = EXCLUDED.expires_at
        WHERE request_nonces.expires_at < now()`,
      [apiKeyId, nonceDigest(nonce), ttlSeconds],
    );
    return { fresh: written === 1, source: "postgres" };
  }

  /** Deletes at most `limit` nonces past their expiry; the number deleted. */
  purgeExpired(now: Date, limit: number): Promise<number> {
    return this.deps.sql.execute(
      `DELETE FROM request_nonces WHERE (api_key_id, nonce_digest) IN (
         SELECT api_key_id, nonce_digest FROM request_nonces WHERE expires_at < $1 LIMIT $2)`,
      [now, limit],
    );
  }
}
