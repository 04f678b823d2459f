// Dead letters: storing one (the same payload again while its letter is open counts as seen again, not a new
// letter), the reads of the console's list and detail, and the store behind the core's DeadLetterCommands: a
// close (replayed or dismissed) is conditional on the letter being open and is written with its operator audit
// row in one transaction. The database keeps a closed letter final (20261208160000_workbench).
import type { AuditDraft } from "@paycore/core/ports/audit";
import type {
  DeadLetterRecord,
  DeadLetterSink,
  DeadLetterStore,
} from "@paycore/core/ports/dead-letter-store";
import type { Sql } from "../sql";
import { insertAuditRow } from "./recon-item-store.repository";

const COLUMNS = `id, source, reference, reason, payload, created_at, last_seen_at, seen_count, replayed_at,
  replayed_by, dismissed_at, dismissed_by, dismiss_note`;

interface Row {
  id: bigint;
  source: string;
  reference: string | null;
  reason: string;
  payload: unknown;
  created_at: Date;
  last_seen_at: Date;
  seen_count: number;
  replayed_at: Date | null;
  replayed_by: string | null;
  dismissed_at: Date | null;
  dismissed_by: string | null;
  dismiss_note: string | null;
}

function toRecord(row: Row): DeadLetterRecord {
  return {
    id: row.id,
    source: row.source,
    reference: row.reference,
    reason: row.reason,
    payload: row.payload,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    seenCount: row.seen_count,
    replayedAt: row.replayed_at,
    replayedBy: row.replayed_by,
    dismissedAt: row.dismissed_at,
    dismissedBy: row.dismissed_by,
    dismissNote: row.dismiss_note,
  };
}

/** The same event again (same source, reference and payload) while its letter is open: seen again. */
const SEEN_AGAIN = `
UPDATE dead_letters SET last_seen_at = now(), seen_count = seen_count + 1
 WHERE id = (SELECT id FROM dead_letters
              WHERE source = $1 AND reference IS NOT DISTINCT FROM $2 AND payload = $3::jsonb
                AND replayed_at IS NULL AND dismissed_at IS NULL
              ORDER BY id LIMIT 1)
RETURNING id`;

const INSERT = `
INSERT INTO dead_letters (source, reference, reason, payload) VALUES ($1, $2, $3, $4::jsonb) RETURNING id`;

const MARK_REPLAYED = `
UPDATE dead_letters SET replayed_at = now(), replayed_by = $2
 WHERE id = $1 AND replayed_at IS NULL AND dismissed_at IS NULL`;

const DISMISS = `
UPDATE dead_letters SET dismissed_at = now(), dismissed_by = $2, dismiss_note = $3
 WHERE id = $1 AND replayed_at IS NULL AND dismissed_at IS NULL`;

/** Page sizes of the console's list. */
export const DEAD_LETTER_PAGE_MAX = 100;
/** A count stops here: the console says "10,000+" rather than scanning the whole table to be exact. */
export const DEAD_LETTER_COUNT_CAP = 10_000;

/** Letters in a state (null: all), as the list and the count filter them. */
const STATE_FILTER = `($1::text IS NULL
               OR ($1 = 'OPEN' AND replayed_at IS NULL AND dismissed_at IS NULL)
               OR ($1 = 'REPLAYED' AND replayed_at IS NOT NULL)
               OR ($1 = 'DISMISSED' AND dismissed_at IS NOT NULL))`;

export type DeadLetterState = "OPEN" | "REPLAYED" | "DISMISSED";

export interface DeadLetterListItem {
  id: bigint;
  source: string;
  reference: string | null;
  reason: string;
  createdAt: Date;
  lastSeenAt: Date;
  seenCount: number;
  state: DeadLetterState;
}

export class DeadLetterStoreRepository implements DeadLetterStore, DeadLetterSink {
  constructor(private readonly sql: Sql) {}

  /** Stores a dead letter, or counts it seen again when the same one is open; returns its id. */
  async record(source: string, reference: string | null, reason: string, payload: unknown): Promise<bigint> {
    const json = JSON.stringify(payload ?? null);
    const [seen] = await this.sql.query<{ id: bigint }>(SEEN_AGAIN, [source, reference, json]);
    if (seen) return seen.id;
    const [row] = await this.sql.query<{ id: bigint }>(INSERT, [source, reference, reason, json]);
    if (!row) throw new Error("dead letter not stored");
    return row.id;
  }

  async find(id: bigint): Promise<DeadLetterRecord | null> {
    const [row] = await this.sql.query<Row>(`SELECT ${COLUMNS} FROM dead_letters WHERE id = $1`, [id]);
    return row === undefined ? null : toRecord(row);
  }

  /** Newest first; `state` filters; `beforeId` pages. */
  async list(options: { state: DeadLetterState | null; beforeId: bigint | null; first: number }) {
    const first = Math.min(Math.max(options.first, 1), DEAD_LETTER_PAGE_MAX);
    const rows = await this.sql.query<Row>(
      `SELECT ${COLUMNS} FROM dead_letters
        WHERE ${STATE_FILTER}
          AND ($2::bigint IS NULL OR id < $2::bigint)
        ORDER BY id DESC LIMIT $3`,
      [options.state, options.beforeId, first + 1],
    );
    const page = rows.slice(0, first).map(toRecord);
    return {
      letters: page.map(
        (letter): DeadLetterListItem => ({
          id: letter.id,
          source: letter.source,
          reference: letter.reference,
          reason: letter.reason,
          createdAt: letter.createdAt,
          lastSeenAt: letter.lastSeenAt,
          seenCount: letter.seenCount,
          state: letter.replayedAt ? "REPLAYED" : letter.dismissedAt ? "DISMISSED" : "OPEN",
        }),
      ),
      nextBeforeId: rows.length > first ? (page.at(-1)?.id ?? null) : null,
    };
  }

  /** How many letters are in `state` (null: all), counted up to `cap` (`capped`: at least that many). */
  async count(
    state: DeadLetterState | null,
    cap = DEAD_LETTER_COUNT_CAP,
  ): Promise<{ count: number; capped: boolean }> {
    const limit = Math.min(Math.max(Math.trunc(cap), 1), DEAD_LETTER_COUNT_CAP);
    const [row] = await this.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM dead_letters WHERE ${STATE_FILTER} LIMIT $2) matching`,
      [state, limit + 1],
    );
    const n = Number(row?.n ?? 0);
    return n > limit ? { count: limit, capped: true } : { count: n, capped: false };
  }

  markReplayed(id: bigint, by: string, audit: AuditDraft): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      if ((await tx.execute(MARK_REPLAYED, [id, by])) !== 1) return false;
      await insertAuditRow(tx, audit, "dead_letter");
      return true;
    });
  }

  dismiss(id: bigint, by: string, note: string, audit: AuditDraft): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      if ((await tx.execute(DISMISS, [id, by, note])) !== 1) return false;
      await insertAuditRow(tx, audit, "dead_letter");
      return true;
    });
  }
}
