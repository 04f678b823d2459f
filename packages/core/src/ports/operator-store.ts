// Where console operator accounts are kept, and how their passwords are hashed. Every change is written together
// with its operator audit row, in one transaction; the "last active admin" rule is checked inside that transaction
// with the admins locked, so two admins demoting each other at once cannot leave none.
import type { OperatorId } from "../ids/ids";
import type { OperatorAccount, OperatorListing, OperatorRole } from "../operators/operator";
import type { AuditDraft, AuditValue } from "./audit";

/** Hashes passwords (argon2id in production); the core never sees a hash algorithm. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
}

export interface NewOperatorRow {
  id: OperatorId;
  email: string;
  role: OperatorRole;
  passwordHash: string;
}

/** What an update may change; sessions are revoked when an account is disabled or its password reset. */
export interface OperatorChange {
  role?: OperatorRole;
  disabledAt?: Date | null;
  passwordHash?: string;
  revokeSessionsAt?: Date;
}

export type OperatorUpdateResult =
  /** Written, with its audit row. */
  | "applied"
  /** No such operator. */
  | "not_found"
  /** Its role or status is no longer the one the command decided on. */
  | "changed"
  /** The change would leave no enabled admin. */
  | "last_active_admin";

/** An audit row that records an event rather than an account change (sign-in, sign-out, a chain check). */
export interface OperatorEvent {
  operatorId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  before?: Record<string, AuditValue> | null;
  after: Record<string, AuditValue> | null;
}

export const OPERATOR_LIST_MAX = 500;

export interface OperatorStore {
  count(): Promise<number>;
  findById(id: string): Promise<OperatorAccount | null>;
  findByEmail(email: string): Promise<OperatorAccount | null>;
  /** Every operator by email, at most OPERATOR_LIST_MAX; `now` decides which sign-in blocks still hold. */
  list(now: Date): Promise<OperatorListing[]>;
  /** The new account; null (nothing written) when the email already has one. */
  create(row: NewOperatorRow, audit: AuditDraft): Promise<OperatorAccount | null>;
  /**
   * Applies the change only while the operator still has `expected`'s role and status. With
   * `keepAnActiveAdmin`, refuses when no other enabled admin would remain.
   */
  update(
    id: OperatorId,
    expected: { role: OperatorRole; disabled: boolean },
    change: OperatorChange,
    options: { keepAnActiveAdmin: boolean },
    audit: AuditDraft,
  ): Promise<OperatorUpdateResult>;
  /** Forgets the sign-in failures and blocks of this email (password and second step); returns how many. */
  clearSignInThrottles(email: string, audit: AuditDraft): Promise<number>;
  recordEvent(event: OperatorEvent): Promise<void>;
}
