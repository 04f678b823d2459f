// Console operator accounts, write side: the store behind the core's OperatorCommands. Each change and its
// operator audit row are one transaction. The "last enabled admin" rule is checked with every enabled admin
// locked (FOR UPDATE, in id order), so two admins disabling each other at once serialize and the second is
// refused; every change applies only while the operator still has the role and status the command decided on.
import type { OperatorId } from "@paycore/core/ids/ids";
import type { OperatorAccount, OperatorListing, OperatorRole } from "@paycore/core/operators/operator";
import type { AuditDraft } from "@paycore/core/ports/audit";
import {
  type NewOperatorRow,
  OPERATOR_LIST_MAX,
  type OperatorChange,
  type OperatorEvent,
  type OperatorStore,
  type OperatorUpdateResult,
} from "@paycore/core/ports/operator-store";
import type { DatabaseClient, Prisma } from "../client";
import { operatorAuditRow, prismaErrorCode, UNIQUE_VIOLATION } from "./operator-audit-row";

const TARGET_TYPE = "operator";

const accountSelect = {
  id: true,
  email: true,
  role: true,
  createdAt: true,
  disabledAt: true,
  totpEnabledAt: true,
} as const;

function toAccount(row: {
  id: string;
  email: string;
  role: OperatorRole;
  createdAt: Date;
  disabledAt: Date | null;
  totpEnabledAt: Date | null;
}): OperatorAccount {
  return {
    id: row.id as OperatorId,
    email: row.email,
    role: row.role,
    createdAt: row.createdAt,
    disabledAt: row.disabledAt,
    totpEnabled: row.totpEnabledAt !== null,
  };
}

export class OperatorStoreRepository implements OperatorStore {
  constructor(private readonly db: DatabaseClient) {}

  count(): Promise<number> {
    return this.db.operator.count();
  }

  async findById(id: string): Promise<OperatorAccount | null> {
    const row = await this.db.operator.findUnique({ where: { id }, select: accountSelect });
    return row && toAccount(row);
  }

  async findByEmail(email: string): Promise<OperatorAccount | null> {
    const row = await this.db.operator.findUnique({ where: { email }, select: accountSelect });
    return row && toAccount(row);
  }

  async list(now: Date): Promise<OperatorListing[]> {
    // Last sign-in: the newest session past its second step. Locked: the latest block on the email's password or
    // second-step throttle keys (from any address) that still holds.
    const rows = await this.db.$queryRaw<
      Array<{
        id: string;
        email: string;
        role: OperatorRole;
        created_at: Date;
        disabled_at: Date | null;
        totp_enabled_at: Date | null;
        last_sign_in_at: Date | null;
        locked_until: Date | null;
      }>
    >`
      SELECT o.id, o.email, o.role::text AS role, o.created_at, o.disabled_at, o.totp_enabled_at,
             (SELECT max(s.created_at) FROM operator_sessions s
               WHERE s.operator_id = o.id AND NOT s.second_factor_pending) AS last_sign_in_at,
             (SELECT max(t.blocked_until) FROM console_sign_in_throttles t
               WHERE t.kind = 'account_ip' AND t.email = o.email) AS locked_until
        FROM operators o
       ORDER BY o.email
       LIMIT ${OPERATOR_LIST_MAX}`;
    return rows.map((row) => ({
      ...toAccount({
        id: row.id,
        email: row.email,
        role: row.role,
        createdAt: row.created_at,
        disabledAt: row.disabled_at,
        totpEnabledAt: row.totp_enabled_at,
      }),
      lastSignInAt: row.last_sign_in_at,
      // Compared here rather than in SQL: `now` is the caller's clock (a test's may be fixed).
      lockedUntil: row.locked_until !== null && row.locked_until > now ? row.locked_until : null,
    }));
  }

  async create(row: NewOperatorRow, audit: AuditDraft): Promise<OperatorAccount | null> {
    try {
      return await this.db.$transaction(async (tx) => {
        const created = await tx.operator.create({ data: row, select: accountSelect });
        await tx.operatorAuditLog.create({
          data: operatorAuditRow(audit, TARGET_TYPE),
          select: { id: true },
        });
        return toAccount(created);
      });
    } catch (error) {
      if (prismaErrorCode(error) === UNIQUE_VIOLATION) return null;
      throw error;
    }
  }

  update(
    id: OperatorId,
    expected: { role: OperatorRole; disabled: boolean },
    change: OperatorChange,
    options: { keepAnActiveAdmin: boolean },
    audit: AuditDraft,
  ): Promise<OperatorUpdateResult> {
    return this.db.$transaction(async (tx): Promise<OperatorUpdateResult> => {
      if (options.keepAnActiveAdmin) {
        const admins = await tx.$queryRaw<Array<{ id: string }>>`
          SELECT id FROM operators WHERE role = 'ADMIN' AND disabled_at IS NULL ORDER BY id FOR UPDATE`;
        if (!admins.some((admin) => admin.id !== id)) {
          const current = await tx.operator.findUnique({ where: { id }, select: { id: true } });
          return current === null ? "not_found" : "last_active_admin";
        }
      }
      const data: Prisma.OperatorUpdateManyMutationInput = {};
      if (change.role !== undefined) data.role = change.role;
      if (change.disabledAt !== undefined) data.disabledAt = change.disabledAt;
      if (change.passwordHash !== undefined) data.passwordHash = change.passwordHash;
      const { count } = await tx.operator.updateMany({
        where: { id, role: expected.role, disabledAt: expected.disabled ? { not: null } : null },
        data,
      });
      if (count === 0) {
        const current = await tx.operator.findUnique({ where: { id }, select: { id: true } });
        return current === null ? "not_found" : "changed";
      }
      if (change.revokeSessionsAt !== undefined) {
        await tx.operatorSession.updateMany({
          where: { operatorId: id, revokedAt: null },
          data: { revokedAt: change.revokeSessionsAt },
        });
      }
      await tx.operatorAuditLog.create({ data: operatorAuditRow(audit, TARGET_TYPE), select: { id: true } });
      return "applied";
    });
  }

  clearSignInThrottles(email: string, audit: AuditDraft): Promise<number> {
    return this.db.$transaction(async (tx) => {
      // The password step's and the second step's keys both carry the email; the per-address keys stay (they
      // count everyone failing from that address, not this account).
      const { count } = await tx.consoleSignInThrottle.deleteMany({ where: { kind: "account_ip", email } });
      await tx.operatorAuditLog.create({
        data: operatorAuditRow({ ...audit, after: { ...audit.after, cleared: count } }, TARGET_TYPE),
        select: { id: true },
      });
      return count;
    });
  }

  async recordEvent(event: OperatorEvent): Promise<void> {
    await this.db.operatorAuditLog.create({
      data: {
        operatorId: event.operatorId,
        action: event.action,
        targetType: event.targetType,
        targetId: event.targetId,
        ...(event.before ? { before: event.before as Prisma.InputJsonValue } : {}),
        ...(event.after === null ? {} : { after: event.after as Prisma.InputJsonValue }),
      },
      select: { id: true },
    });
  }
}
