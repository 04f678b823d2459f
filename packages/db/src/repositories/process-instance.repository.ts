// Liveness of the API processes, in Postgres (the source of truth; Redis may be
// down). Each process registers a row and heartbeats it; a PSP attempt records
// the process that made the call. A PENDING attempt whose process has stopped
// heartbeating was abandoned mid-call: nobody will record its answer, so the
// PSP's notification or the resolver settles it at once.
import { randomBytes } from "node:crypto";
import type { Sql } from "../sql";

/** How often a process heartbeats. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
/**
 * A process whose last heartbeat is older than this is gone: four missed beats, so a slow beat or a short
 * database blip does not take a live process's calls away from it. Attempts younger than this are never
 * judged abandoned, which also covers a process that has not written its first heartbeat yet.
 */
export const PROCESS_GONE_AFTER_MS = 20_000;
/** Rows of processes gone this long are deleted, so the table stays as small as the fleet. */
const GONE_ROW_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * SQL: true when attempt `a` is PENDING and the process that made its call is gone. `$n` holds
 * PROCESS_GONE_AFTER_MS as an interval string (see goneAfterInterval).
 */
export function ownerGoneSql(goneAfterParameter: string): string {
  return `(a.status = 'PENDING' AND a.owner_instance_id IS NOT NULL
    AND a.created_at < now() - ${goneAfterParameter}::interval
    AND NOT EXISTS (SELECT 1 FROM process_instances i
                     WHERE i.id = a.owner_instance_id AND i.heartbeat_at > now() - ${goneAfterParameter}::interval))`;
}

export function goneAfterInterval(): string {
  return `${PROCESS_GONE_AFTER_MS} milliseconds`;
}

/** A new process instance id: random, so a restarted process (same pid, same host) is a new instance. */
export function newInstanceId(): string {
  return `proc_${randomBytes(12).toString("hex")}`;
}

export class ProcessInstanceRepository {
  constructor(private readonly sql: Sql) {}

  /** Registers the process or records that it is alive (one statement, idempotent). */
  async heartbeat(instanceId: string): Promise<void> {
    await this.sql.execute(
      `INSERT INTO process_instances (id) VALUES ($1)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`,
      [instanceId],
    );
  }

  /** At start: forgets processes gone for long (bounded: one statement over an index-free small table). */
  async purgeGone(): Promise<number> {
    return this.sql.execute(`DELETE FROM process_instances WHERE heartbeat_at < now() - $1::interval`, [
      `${GONE_ROW_RETENTION_MS} milliseconds`,
    ]);
  }

  /** On a clean stop, once no call of this process is in flight: its attempts are all recorded. */
  async unregister(instanceId: string): Promise<void> {
    await this.sql.execute("DELETE FROM process_instances WHERE id = $1", [instanceId]);
  }
}
