// An in-memory operator store for unit tests of the operator commands: accounts in a map, and the same rules the
// Postgres store enforces in its transaction (unique email, the change applied only while the role and status are
// the expected ones, at least one enabled admin kept). Each write appends its audit row, or nothing on a refusal.
import type { OperatorId } from "../ids/ids";
import type { OperatorAccount, OperatorListing } from "../operators/operator";
import type { AuditDraft } from "../ports/audit";
import type {
  NewOperatorRow,
  OperatorChange,
  OperatorEvent,
  OperatorStore,
  OperatorUpdateResult,
} from "../ports/operator-store";

interface StoredOperator extends OperatorAccount {
  passwordHash: string;
  sessionsRevokedAt: Date | null;
}

export class InMemoryOperatorStore implements OperatorStore {
  readonly operators = new Map<string, StoredOperator>();
  readonly audit: AuditDraft[] = [];
  readonly events: OperatorEvent[] = [];
  /** Sign-in blocks by email, as the console's throttle would leave them. */
  readonly blockedUntil = new Map<string, Date>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  async count() {
    return this.operators.size;
  }

  async findById(id: string) {
    const stored = this.operators.get(id);
    return stored ? this.account(stored) : null;
  }

  async findByEmail(email: string) {
    const stored = [...this.operators.values()].find((operator) => operator.email === email);
    return stored ? this.account(stored) : null;
  }

  async list(now: Date): Promise<OperatorListing[]> {
    return [...this.operators.values()]
      .sort((a, b) => (a.email < b.email ? -1 : 1))
      .map((stored) => {
        const blocked = this.blockedUntil.get(stored.email) ?? null;
        return {
          ...this.account(stored),
          lastSignInAt: null,
          lockedUntil: blocked && blocked > now ? blocked : null,
        };
      });
  }

  async create(row: NewOperatorRow, audit: AuditDraft) {
    if ([...this.operators.values()].some((operator) => operator.email === row.email)) return null;
    const stored: StoredOperator = {
      ...row,
      createdAt: this.now(),
      disabledAt: null,
      totpEnabled: false,
      sessionsRevokedAt: null,
    };
    this.operators.set(row.id, stored);
    this.audit.push(audit);
    return this.account(stored);
  }

  async update(
    id: OperatorId,
    expected: { role: OperatorAccount["role"]; disabled: boolean },
    change: OperatorChange,
    options: { keepAnActiveAdmin: boolean },
    audit: AuditDraft,
  ): Promise<OperatorUpdateResult> {
    const stored = this.operators.get(id);
    if (!stored) return "not_found";
    if (stored.role !== expected.role || (stored.disabledAt !== null) !== expected.disabled) return "changed";
    if (options.keepAnActiveAdmin) {
      const otherActiveAdmins = [...this.operators.values()].filter(
        (operator) => operator.id !== id && operator.role === "ADMIN" && operator.disabledAt === null,
      );
      if (otherActiveAdmins.length === 0) return "last_active_admin";
    }
    if (change.role !== undefined) stored.role = change.role;
    if (change.disabledAt !== undefined) stored.disabledAt = change.disabledAt;
    if (change.passwordHash !== undefined) stored.passwordHash = change.passwordHash;
    if (change.revokeSessionsAt !== undefined) stored.sessionsRevokedAt = change.revokeSessionsAt;
    this.audit.push(audit);
    return "applied";
  }

  async clearSignInThrottles(email: string, audit: AuditDraft) {
    const cleared = this.blockedUntil.delete(email) ? 1 : 0;
    this.audit.push({ ...audit, after: { ...audit.after, cleared } });
    return cleared;
  }

  async recordEvent(event: OperatorEvent) {
    this.events.push(event);
  }

  /** The stored hash and when sessions were last revoked, for assertions. */
  secretsOf(id: string): { passwordHash: string; sessionsRevokedAt: Date | null } | null {
    const stored = this.operators.get(id);
    return stored ? { passwordHash: stored.passwordHash, sessionsRevokedAt: stored.sessionsRevokedAt } : null;
  }

  private account(stored: StoredOperator): OperatorAccount {
    const { passwordHash: _hash, sessionsRevokedAt: _revoked, ...account } = stored;
    return { ...account };
  }
}
