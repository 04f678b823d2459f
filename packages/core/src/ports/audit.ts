// Who made an operator change and what the audit trail keeps of it. Every write port takes an AuditDraft with
// its change and writes the operator_audit_log row in the same transaction, so no change commits unaudited.

/** Who made a change: a console operator, or the CLI's user (no operator id). */
export interface Actor {
  operatorId: string | null;
  /** "cli:alice", or the operator's email. */
  name: string;
}

/** An audit snapshot's values: JSON-safe, so bigints travel as digit strings and dates as ISO strings. */
export type AuditValue = string | number | boolean | null;

export interface AuditDraft {
  actor: Actor;
  action: string;
  targetId: string;
  before: Record<string, AuditValue> | null;
  after: Record<string, AuditValue> | null;
}

/** A whitelisted snapshot made JSON-safe: bigints become digit strings, dates ISO strings, undefined is left out. */
export function auditSnapshot(
  values: Record<string, AuditValue | bigint | Date | undefined>,
): Record<string, AuditValue> {
  const snapshot: Record<string, AuditValue> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    snapshot[key] =
      typeof value === "bigint" ? value.toString() : value instanceof Date ? value.toISOString() : value;
  }
  return snapshot;
}
