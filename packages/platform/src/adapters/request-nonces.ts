// Signed requests (issue 22): the nonces seen within the signature window, so a captured request cannot be sent
// again. Redis first (SET NX with a TTL, one key per API key and nonce, hash-tagged by the key for a Redis
// Cluster); when Redis fails or is not configured, Postgres (request_nonces, whose primary key refuses a reuse;
// the request-nonce-purge worker deletes rows past their expiry). A nonce is kept for twice the window: a
// request stamped at the window's future edge stays replayable until its past edge.
//
// Known limit: the two stores do not share what they saw. A nonce first seen by Redis and replayed while Redis is
// down (or after it restarted empty) is checked against Postgres only; the timestamp window still bounds such a
// replay to ten minutes after the original request (docs/security.md).
import type { Sql } from "@paycore/db/sql";
import type { Logger } from "pino";
import type { RedisClient } from "./redis-client";

export type NonceSource = "redis" | "postgres";

export class RequestNonces {
  constructor(
    private readonly deps: {
      redis: RedisClient | null;
      sql: Sql;
      log: Pick<Logger, "warn">;
    },
  ) {}

  /** True when the nonce is new for this key (now remembered for `ttlSeconds`); false when it was seen. */
  async claim(
    apiKeyId: string,
    nonce: string,
    ttlSeconds: number,
  ): Promise<{ fresh: boolean; source: NonceSource }> {
    const { redis } = this.deps;
    if (redis !== null) {
      try {
        const set = await redis.set(`{${apiKeyId}}:request-nonce:${nonce}`, "1", "EX", ttlSeconds, "NX");
        return { fresh: set === "OK", source: "redis" };
      } catch (error) {
        this.deps.log.warn({ err: error }, "request nonce: Redis unavailable, checked in Postgres");
      }
    }
    // A row past its expiry that the purge has not deleted yet is taken over, not counted as a reuse.
    const written = await this.deps.sql.execute(
      `INSERT INTO request_nonces (api_key_id, nonce, expires_at)
       VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (api_key_id, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at
        WHERE request_nonces.expires_at < now()`,
      [apiKeyId, nonce, ttlSeconds],
    );
    return { fresh: written === 1, source: "postgres" };
  }

  /** Deletes at most `limit` nonces past their expiry; the number deleted. */
  purgeExpired(now: Date, limit: number): Promise<number> {
    return this.deps.sql.execute(
      `DELETE FROM request_nonces WHERE (api_key_id, nonce) IN (
         SELECT api_key_id, nonce FROM request_nonces WHERE expires_at < $1 LIMIT $2)`,
      [now, limit],
    );
  }
}
