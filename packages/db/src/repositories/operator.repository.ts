// Console operators' read side, their sessions, sign-in throttles and second factor, and the audit log's reads.
// Account changes (create, disable, role, password, unlock) and audit events are written only by
// operator-store.repository.ts behind the core's OperatorCommands. Passwords, session tokens and CSRF tokens are
// stored only as hashes; the console hashes them before they reach this file.

import { newId, type OperatorId, type OperatorSessionId } from "@paycore/core/ids/ids";
import type { DatabaseClient, Prisma } from "../client";

export type OperatorRole = "VIEWER" | "OPERATOR" | "ADMIN";

export interface OperatorRecord {
  id: OperatorId;
  email: string;
  role: OperatorRole;
  createdAt: Date;
  disabledAt: Date | null;
  /** TOTP enrolled and confirmed: sign-in needs a code after the password. */
  totpEnabled: boolean;
}

/** What sign-in needs: the only read that returns the password hash. */
export interface OperatorCredentials extends OperatorRecord {
  passwordHash: string;
}

/** A sign-in throttle key: per client IP, or per email as typed and IP. */
export interface SignInThrottleKey {
  key: string;
  kind: "ip" | "account_ip";
  email: string | null;
  ip: string;
}

/** An operator's email being throttled from one address, for the admin's "needs attention". */
export interface ThrottledAccount {
  operatorId: OperatorId;
  email: string;
  ip: string;
  failures: number;
  lastFailureAt: Date;
  blockedUntil: Date;
}

export const THROTTLED_ACCOUNTS_MAX = 50;

export interface ActiveSession {
  sessionId: OperatorSessionId;
  csrfTokenHash: string;
  expiresAt: Date;
  lastSeenAt: Date;
  /** Password checked, second factor not yet: only the second step is allowed. */
  secondFactorPending: boolean;
  operator: OperatorRecord;
}

/** An operator's TOTP settings; the secret still encrypted. */
export interface TotpState {
  secretEncrypted: string | null;
  enabledAt: Date | null;
  lastTimeStep: bigint | null;
}

export const RECOVERY_CODES_MAX = 20;

/** A JSON snapshot for the audit log: plain values only (bigints already turned into digit strings). */
export type AuditSnapshot = { [key: string]: AuditValue };
type AuditValue = string | number | boolean | null | AuditValue[] | { [key: string]: AuditValue };

export interface AuditEntryDraft {
  operatorId: OperatorId | null;
  action: string;
  targetType: string;
  targetId: string | null;
  before: AuditSnapshot | null;
  after: AuditSnapshot | null;
}

export interface AuditEntryRecord extends AuditEntryDraft {
  id: bigint;
  operatorEmail: string | null;
  createdAt: Date;
}

export const AUDIT_PAGE_SIZE_MAX = 100;
export const OPERATOR_LIST_MAX = 500;

const operatorSelect = {
  id: true,
  email: true,
  role: true,
  createdAt: true,
  disabledAt: true,
  totpEnabledAt: true,
} as const;

interface OperatorRow {
  id: string;
  email: string;
  role: OperatorRole;
  createdAt: Date;
  disabledAt: Date | null;
  totpEnabledAt: Date | null;
}

function toOperatorRecord(row: OperatorRow): OperatorRecord {
  return {
    id: row.id as OperatorId,
    email: row.email,
    role: row.role,
    createdAt: row.createdAt,
    disabledAt: row.disabledAt,
    totpEnabled: row.totpEnabledAt !== null,
  };
}

type TransactionClient = Parameters<Parameters<DatabaseClient["$transaction"]>[0]>[0];

function auditCreate(client: DatabaseClient | TransactionClient, entry: AuditEntryDraft) {
  return client.operatorAuditLog.create({
    data: {
      operatorId: entry.operatorId,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      ...(entry.before === null ? {} : { before: entry.before as Prisma.InputJsonValue }),
      ...(entry.after === null ? {} : { after: entry.after as Prisma.InputJsonValue }),
    },
    select: { id: true },
  });
}

export class OperatorRepository {
  constructor(private readonly db: DatabaseClient) {}

  async count(): Promise<number> {
    return this.db.operator.count();
  }

  async findById(id: string): Promise<OperatorRecord | null> {
    const row = await this.db.operator.findUnique({ where: { id }, select: operatorSelect });
    return row && toOperatorRecord(row);
  }

  async findCredentialsByEmail(email: string): Promise<OperatorCredentials | null> {
    const row = await this.db.operator.findUnique({
      where: { email },
      select: { ...operatorSelect, passwordHash: true },
    });
    return row && { ...toOperatorRecord(row), passwordHash: row.passwordHash };
  }

  async list(limit = OPERATOR_LIST_MAX): Promise<OperatorRecord[]> {
    const rows = await this.db.operator.findMany({
      orderBy: { email: "asc" },
      take: Math.min(limit, OPERATOR_LIST_MAX),
      select: operatorSelect,
    });
    return rows.map(toOperatorRecord);
  }

  /** The latest time any of these keys is blocked until, if later than `now`. */
  async findSignInBlock(keys: string[], now: Date): Promise<Date | null> {
    const rows = await this.db.consoleSignInThrottle.findMany({
      where: { key: { in: keys.slice(0, 10) }, blockedUntil: { gt: now } },
      orderBy: { blockedUntil: "desc" },
      take: 1,
      select: { blockedUntil: true },
    });
    return rows[0]?.blockedUntil ?? null;
  }

  /**
   * Counts a failed sign-in in one statement (parallel attempts cannot lose a count); a key whose last failure is
   * older than `windowMs` starts again at 1. Returns the count including this failure.
   */
  async recordSignInFailure(throttle: SignInThrottleKey, now: Date, windowMs: number): Promise<number> {
    const windowStart = new Date(now.getTime() - windowMs);
    const rows = await this.db.$queryRaw<Array<{ failures: number }>>`
      INSERT INTO console_sign_in_throttles AS t (key, kind, email, ip, failures, last_failure_at)
      VALUES (${throttle.key}, ${throttle.kind}, ${throttle.email}, ${throttle.ip}, 1, ${now})
      ON CONFLICT (key) DO UPDATE
         SET failures = CASE WHEN t.last_failure_at < ${windowStart} THEN 1 ELSE t.failures + 1 END,
             blocked_until = CASE WHEN t.last_failure_at < ${windowStart} THEN NULL ELSE t.blocked_until END,
             last_failure_at = ${now}
      RETURNING failures`;
    return rows[0]?.failures ?? 1;
  }

  /** Blocks a key until `until`, never shortening a block a parallel failure set. */
  async blockSignIns(key: string, until: Date): Promise<void> {
    await this.db.$executeRaw`
      UPDATE console_sign_in_throttles
         SET blocked_until = GREATEST(COALESCE(blocked_until, ${until}), ${until})
       WHERE key = ${key}`;
  }

  /** Forgets a key's failures (after a successful sign-in from there). */
  async clearSignInThrottle(key: string): Promise<void> {
    await this.db.consoleSignInThrottle.deleteMany({ where: { key } });
  }

  /**
   * Operators' emails that earned a sign-in delay from some address and failed there since `since` (a run of
   * failures that has not been forgotten yet), latest failure first.
   */
  async listThrottledAccounts(since: Date, limit = THROTTLED_ACCOUNTS_MAX): Promise<ThrottledAccount[]> {
    const rows = await this.db.$queryRaw<
      Array<{
        operator_id: string;
        email: string;
        ip: string;
        failures: number;
        last_failure_at: Date;
        blocked_until: Date;
      }>
    >`
      SELECT o.id AS operator_id, o.email, t.ip, t.failures, t.last_failure_at, t.blocked_until
        FROM console_sign_in_throttles t
        JOIN operators o ON o.email = t.email
       WHERE t.kind = 'account_ip' AND t.blocked_until IS NOT NULL AND t.last_failure_at > ${since}
       ORDER BY t.last_failure_at DESC
       LIMIT ${Math.min(Math.max(limit, 1), THROTTLED_ACCOUNTS_MAX)}`;
    return rows.map((row) => ({
      operatorId: row.operator_id as OperatorId,
      email: row.email,
      ip: row.ip,
      failures: row.failures,
      lastFailureAt: row.last_failure_at,
      blockedUntil: row.blocked_until,
    }));
  }

  async createSession(input: {
    operatorId: OperatorId;
    tokenHash: string;
    csrfTokenHash: string;
    createdAt: Date;
    expiresAt: Date;
    secondFactorPending: boolean;
  }): Promise<OperatorSessionId> {
    const id = newId("operatorSession");
    await this.db.operatorSession.create({
      data: { id, ...input, lastSeenAt: input.createdAt },
      select: { id: true },
    });
    return id;
  }

  /**
   * The session with this token hash if it is unrevoked, before its expiry, used within the last `idleMs`, its
   * operator is still enabled, and (while it awaits its second factor) made within the last `secondFactorMs`.
   */
  async findActiveSession(
    tokenHash: string,
    now: Date,
    limits: { idleMs: number; secondFactorMs: number },
  ): Promise<ActiveSession | null> {
    const row = await this.db.operatorSession.findUnique({
      where: { tokenHash },
      select: {
        id: true,
        csrfTokenHash: true,
        expiresAt: true,
        lastSeenAt: true,
        revokedAt: true,
        secondFactorPending: true,
        createdAt: true,
        operator: { select: operatorSelect },
      },
    });
    if (
      row === null ||
      row.revokedAt !== null ||
      row.expiresAt <= now ||
      row.lastSeenAt.getTime() <= now.getTime() - limits.idleMs ||
      (row.secondFactorPending && row.createdAt.getTime() <= now.getTime() - limits.secondFactorMs) ||
      row.operator.disabledAt !== null
    ) {
      return null;
    }
    return {
      sessionId: row.id as OperatorSessionId,
      csrfTokenHash: row.csrfTokenHash,
      expiresAt: row.expiresAt,
      lastSeenAt: row.lastSeenAt,
      secondFactorPending: row.secondFactorPending,
      operator: toOperatorRecord(row.operator),
    };
  }

  /** Marks the session used at `now`, unless a parallel request already moved it later. */
  async touchSession(id: OperatorSessionId, now: Date): Promise<void> {
    await this.db.operatorSession.updateMany({
      where: { id, revokedAt: null, lastSeenAt: { lt: now } },
      data: { lastSeenAt: now },
    });
  }

  async revokeSession(id: OperatorSessionId, now: Date): Promise<void> {
    await this.db.operatorSession.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
  }

  async findTotpState(id: OperatorId): Promise<TotpState | null> {
    const row = await this.db.operator.findUnique({
      where: { id },
      select: { totpSecretEncrypted: true, totpEnabledAt: true, totpLastTimeStep: true },
    });
    return (
      row && {
        secretEncrypted: row.totpSecretEncrypted,
        enabledAt: row.totpEnabledAt,
        lastTimeStep: row.totpLastTimeStep,
      }
    );
  }

  /** Keeps a new, unconfirmed TOTP secret; false when TOTP is already enabled. */
  async savePendingTotpSecret(id: OperatorId, secretEncrypted: string): Promise<boolean> {
    const { count } = await this.db.operator.updateMany({
      where: { id, totpEnabledAt: null },
      data: { totpSecretEncrypted: secretEncrypted, totpLastTimeStep: null },
    });
    return count === 1;
  }

  /**
   * Confirms the pending secret (the caller checked a code of `timeStep` against it), stores the recovery codes'
   * hashes and the audit row, all in one transaction; false when it was enabled meanwhile or the pending secret
   * changed (a second enrolment started in another tab).
   */
  async enableTotp(
    id: OperatorId,
    input: { secretEncrypted: string; timeStep: bigint; now: Date; recoveryCodeHashes: string[] },
    audit: AuditEntryDraft,
  ): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.operator.updateMany({
        where: { id, totpEnabledAt: null, totpSecretEncrypted: input.secretEncrypted },
        data: { totpEnabledAt: input.now, totpLastTimeStep: input.timeStep },
      });
      if (count !== 1) return false;
      await tx.operatorRecoveryCode.createMany({
        data: input.recoveryCodeHashes
          .slice(0, RECOVERY_CODES_MAX)
          .map((codeHash) => ({ operatorId: id, codeHash, createdAt: input.now })),
      });
      await auditCreate(tx, audit);
      return true;
    });
  }

  /** Turns TOTP off and forgets the recovery codes, with the audit row, in one transaction. */
  async disableTotp(id: OperatorId, audit: AuditEntryDraft): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await tx.operator.update({
        where: { id },
        data: { totpSecretEncrypted: null, totpEnabledAt: null, totpLastTimeStep: null },
        select: { id: true },
      });
      await tx.operatorRecoveryCode.deleteMany({ where: { operatorId: id } });
      await auditCreate(tx, audit);
    });
  }

  /**
   * Records a code's time step as used, only if later than the last one accepted: the same code (or an older
   * one) cannot be replayed, even by two parallel requests. False when refused.
   */
  async acceptTotpTimeStep(id: OperatorId, timeStep: bigint): Promise<boolean> {
    const { count } = await this.db.operator.updateMany({
      where: {
        id,
        totpEnabledAt: { not: null },
        OR: [{ totpLastTimeStep: null }, { totpLastTimeStep: { lt: timeStep } }],
      },
      data: { totpLastTimeStep: timeStep },
    });
    return count === 1;
  }

  /**
   * Ends a session's second step by replacing it: the password-step session is revoked and a new one (new
   * token, new CSRF token, same absolute expiry) takes its place, so a token seen before the code was entered
   * is worth nothing after. With `recoveryCodeHash`, that unused code is spent too. All of it and the audit row
   * in one transaction; null (nothing written) when the code was already used or the session is no longer
   * waiting for its second factor.
   */
  async completeSecondFactor(input: {
    pendingSessionId: OperatorSessionId;
    operatorId: OperatorId;
    recoveryCodeHash: string | null;
    next: { tokenHash: string; csrfTokenHash: string; expiresAt: Date };
    now: Date;
    audit: (sessionId: OperatorSessionId) => AuditEntryDraft;
  }): Promise<OperatorSessionId | null> {
    const id = newId("operatorSession");
    const refused = new Error("second factor refused");
    try {
      return await this.db.$transaction(async (tx) => {
        if (input.recoveryCodeHash !== null) {
          const spent = await tx.operatorRecoveryCode.updateMany({
            where: { operatorId: input.operatorId, codeHash: input.recoveryCodeHash, usedAt: null },
            data: { usedAt: input.now },
          });
          if (spent.count !== 1) throw refused;
        }
        const revoked = await tx.operatorSession.updateMany({
          where: { id: input.pendingSessionId, secondFactorPending: true, revokedAt: null },
          data: { revokedAt: input.now },
        });
        if (revoked.count !== 1) throw refused;
        await tx.operatorSession.create({
          data: {
            id,
            operatorId: input.operatorId,
            ...input.next,
            createdAt: input.now,
            lastSeenAt: input.now,
            secondFactorPending: false,
          },
          select: { id: true },
        });
        await auditCreate(tx, input.audit(id));
        return id;
      });
    } catch (error) {
      if (error === refused) return null;
      throw error;
    }
  }

  async countUnusedRecoveryCodes(operatorId: OperatorId): Promise<number> {
    return this.db.operatorRecoveryCode.count({ where: { operatorId, usedAt: null } });
  }

  /**
   * The audit log, newest first, keyset-paginated on id. `search` matches an action prefix, a target id or an
   * operator email exactly (each an indexed or small lookup).
   */
  async listAudit(filter: {
    search: string | null;
    operatorId: string | null;
    beforeId: bigint | null;
    first: number;
  }): Promise<{ entries: AuditEntryRecord[]; hasNextPage: boolean }> {
    const take = Math.min(Math.max(filter.first, 1), AUDIT_PAGE_SIZE_MAX);
    const search = filter.search?.trim() || null;
    let searchOperatorIds: string[] = [];
    if (search?.includes("@")) {
      const found = await this.db.operator.findUnique({
        where: { email: search.toLowerCase() },
        select: { id: true },
      });
      searchOperatorIds = found ? [found.id] : [];
    }
    const rows = await this.db.operatorAuditLog.findMany({
      where: {
        ...(filter.operatorId ? { operatorId: filter.operatorId } : {}),
        ...(filter.beforeId !== null ? { id: { lt: filter.beforeId } } : {}),
        ...(search
          ? {
              OR: [
                { action: { startsWith: search } },
                { targetId: search },
                ...(searchOperatorIds.length > 0 ? [{ operatorId: { in: searchOperatorIds } }] : []),
              ],
            }
          : {}),
      },
      orderBy: { id: "desc" },
      take: take + 1,
      select: {
        id: true,
        operatorId: true,
        action: true,
        targetType: true,
        targetId: true,
        before: true,
        after: true,
        createdAt: true,
      },
    });
    const page = rows.slice(0, take);
    const operatorIds = [...new Set(page.flatMap((row) => (row.operatorId ? [row.operatorId] : [])))];
    const emails = new Map(
      (
        await this.db.operator.findMany({
          where: { id: { in: operatorIds } },
          select: { id: true, email: true },
        })
      ).map((operator) => [operator.id, operator.email]),
    );
    return {
      entries: page.map((row) => ({
        id: row.id,
        operatorId: row.operatorId as OperatorId | null,
        operatorEmail: row.operatorId ? (emails.get(row.operatorId) ?? null) : null,
        action: row.action,
        targetType: row.targetType,
        targetId: row.targetId,
        before: row.before as AuditSnapshot | null,
        after: row.after as AuditSnapshot | null,
        createdAt: row.createdAt,
      })),
      hasNextPage: rows.length > take,
    };
  }
}
