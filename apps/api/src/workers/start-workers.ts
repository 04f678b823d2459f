// Starts the background workers of an API process. Call it from the composition
// root once the database and Redis clients exist; stop it before closing them.
import { ChainRepository } from "@paycore/db/repositories/chain.repository";
import { OutboxRepository } from "@paycore/db/repositories/outbox.repository";
import type { Sql } from "@paycore/db/sql";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { ChainSealer, type ChainSealerOptions } from "./chain-sealer";
import { OutboxRelay, type OutboxRelayOptions } from "./outbox-relay";

export interface RunningWorker {
  /** Resolves once the batch in flight has committed or rolled back. */
  stop(): Promise<void>;
}

/**
 * Runs the outbox relay (one per API process is fine: relays share the work through SKIP LOCKED). Pass the
 * app's fail-fast Redis client. Without Redis nothing is published: the rows accumulate in Postgres and go
 * out once a process with Redis runs, so this logs a warning and returns a no-op.
 */
export function startOutboxRelay(options: {
  sql: Sql;
  redis: Redis | null;
  log: Logger;
  /** Overrides for the relay's tuning (stream, batchSize, …). */
  relay?: Partial<Omit<OutboxRelayOptions, "outbox" | "redis" | "log">>;
}): RunningWorker {
  const log = options.log.child({ worker: "outbox-relay" });
  if (options.redis === null) {
    log.warn("no Redis configured: the outbox relay is not running and outbox rows stay unpublished");
    return { stop: async () => undefined };
  }
  const relay = new OutboxRelay({
    ...options.relay,
    outbox: new OutboxRepository(options.sql),
    redis: options.redis,
    log,
  });
  relay.start();
  log.info({ stream: relay.stream }, "outbox relay started");
  return { stop: () => relay.stop() };
}

/**
 * Runs the chain sealer (tamper evidence). Every API process may run one: a stream's head is locked
 * FOR UPDATE SKIP LOCKED per batch, so two sealers never seal the same stream at once.
 */
export function startChainSealer(options: {
  sql: Sql;
  log: Logger;
  sealer?: Partial<Omit<ChainSealerOptions, "chains" | "log">>;
}): RunningWorker & { sealer: ChainSealer } {
  const log = options.log.child({ worker: "chain-sealer" });
  const sealer = new ChainSealer({ ...options.sealer, chains: new ChainRepository(options.sql), log });
  sealer.start();
  log.info("chain sealer started");
  return { sealer, stop: () => sealer.stop() };
}
