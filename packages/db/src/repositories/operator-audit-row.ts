// The operator_audit_log row of a change, for the write repositories that insert it inside the change's own
// transaction. The actor's name rides along in `after`: the CLI has no operator id.
import type { AuditDraft } from "@paycore/core/ports/audit";
import type { Prisma } from "../client";

export function operatorAuditRow(audit: AuditDraft, targetType: string) {
  return {
    operatorId: audit.actor.operatorId,
    action: audit.action,
    targetType,
    targetId: audit.targetId,
    ...(audit.before === null ? {} : { before: audit.before as Prisma.InputJsonValue }),
    after: { ...audit.after, actor: audit.actor.name } as Prisma.InputJsonValue,
  };
}

/** Prisma's code for a unique violation, and for a foreign key that points nowhere. */
export const UNIQUE_VIOLATION = "P2002";
export const FOREIGN_KEY_VIOLATION = "P2003";

export function prismaErrorCode(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}
