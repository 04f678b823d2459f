// Dead letters, operator side: the PSP events that could not be applied, closed by a replay (once their cause is
// fixed) or a dismissal with a note. Each close is conditional on the letter still being open and is written
// with its operator audit row in one transaction.
import type { AuditDraft } from "./audit";

export interface DeadLetterRecord {
  id: bigint;
  /** `webhook:<psp>`, or `resolver:<psp>` for an attempt resolver's contradiction whose item could not be written. */
  source: string;
  reference: string | null;
  reason: string;
  payload: unknown;
  /** First seen. */
  createdAt: Date;
  lastSeenAt: Date;
  seenCount: number;
  replayedAt: Date | null;
  replayedBy: string | null;
  dismissedAt: Date | null;
  dismissedBy: string | null;
  dismissNote: string | null;
}

/** Where a message no command could apply is kept for operators (the webhook route's and the resolver's fallback). */
export interface DeadLetterSink {
  /** Stores an open letter, or counts one more sighting of the same open letter (same source, reference and payload). */
  record(source: string, reference: string | null, reason: string, payload: unknown): Promise<bigint>;
}

export interface DeadLetterStore {
  find(id: bigint): Promise<DeadLetterRecord | null>;
  /** Closes an open letter as replayed, with the audit row; false when it was no longer open. */
  markReplayed(id: bigint, by: string, audit: AuditDraft): Promise<boolean>;
  /** Closes an open letter as dismissed, with the audit row; false when it was no longer open. */
  dismiss(id: bigint, by: string, note: string, audit: AuditDraft): Promise<boolean>;
}
