// PSP webhooks: every accepted event stored once (deduplicated by the PSP's
// event id under a unique constraint), and the dead letters operators replay
// (closing a letter goes through the core's DeadLetterCommands).
import type { DatabaseClient, Prisma } from "../client";

export interface DeadLetterRecord {
  id: bigint;
  source: string;
  reference: string | null;
  reason: string;
  payload: unknown;
  createdAt: Date;
  replayedAt: Date | null;
  lastSeenAt: Date;
  seenCount: number;
  dismissedAt: Date | null;
}

export class WebhookRepository {
  constructor(private readonly db: DatabaseClient) {}

  /**
   * Stores an event unless it is already stored; answers whether it still needs applying (new, or stored
   * earlier but never processed: a crash or an unreachable PSP between storing and applying).
   */
  async record(
    pspName: string,
    eventId: string,
    eventType: string,
    payload: unknown,
  ): Promise<{ id: bigint; needsApplying: boolean }> {
    // psp_webhook_events is partitioned by month: its insert trigger claims (psp_name, event_id) in
    // psp_webhook_event_ids and skips an event already received (docs/scaling.md, "Time partitions").
    const inserted = await this.db.$queryRaw<Array<{ id: bigint }>>`
      INSERT INTO psp_webhook_events (psp_name, event_id, event_type, payload)
      VALUES (${pspName}, ${eventId}, ${eventType}, ${JSON.stringify(payload)}::jsonb)
      RETURNING id`;
    if (inserted[0]) return { id: inserted[0].id, needsApplying: true };
    const [existing] = await this.db.$queryRaw<Array<{ id: bigint; processedAt: Date | null }>>`
      SELECT e.id, e.processed_at AS "processedAt"
        FROM psp_webhook_event_ids k
        JOIN psp_webhook_events e ON e.id = k.row_id AND e.received_at = k.received_at
       WHERE k.psp_name = ${pspName} AND k.event_id = ${eventId}`;
    if (existing === undefined) throw new Error(`PSP event ${pspName}/${eventId} claimed but not stored`);
    return { id: existing.id, needsApplying: existing.processedAt === null };
  }

  async markProcessed(id: bigint): Promise<void> {
    await this.db.pspWebhookEvent.update({
      where: { id },
      data: { processedAt: new Date() },
      select: { id: true },
    });
  }

  /**
   * Stores a dead letter; the same event again (same source, reference and payload) while its letter is open is
   * counted as seen again (last seen, count), not a second letter.
   */
  async deadLetter(
    source: string,
    reference: string | null,
    reason: string,
    payload: unknown,
  ): Promise<bigint> {
    const json = JSON.stringify(payload ?? null);
    const seen = await this.db.$queryRaw<Array<{ id: bigint }>>`
      UPDATE dead_letters SET last_seen_at = now(), seen_count = seen_count + 1
       WHERE id = (SELECT id FROM dead_letters
                    WHERE source = ${source} AND reference IS NOT DISTINCT FROM ${reference}
                      AND payload = ${json}::jsonb AND replayed_at IS NULL AND dismissed_at IS NULL
                    ORDER BY id LIMIT 1)
      RETURNING id`;
    if (seen[0]) return seen[0].id;
    const row = await this.db.deadLetter.create({
      data: { source, reference, reason, payload: payload as Prisma.InputJsonValue },
      select: { id: true },
    });
    return row.id;
  }

  /** Newest first, open or closed (the CLI's list; the console pages through dead-letter-store.repository.ts). */
  async deadLetters(limit = 100): Promise<DeadLetterRecord[]> {
    return this.db.deadLetter.findMany({
      orderBy: { id: "desc" },
      take: Math.min(limit, 1000),
      select: {
        id: true,
        source: true,
        reference: true,
        reason: true,
        payload: true,
        createdAt: true,
        replayedAt: true,
        lastSeenAt: true,
        seenCount: true,
        dismissedAt: true,
      },
    });
  }
}
