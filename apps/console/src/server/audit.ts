// Records a console event in the operator audit log through the operator commands (the one write path): sign-in,
// sign-out, a chain check. Snapshots are whitelisted fields turned into JSON-safe values: bigints become digit
// strings, dates ISO strings. A change to an account, a merchant or a PSP account is audited by its own command,
// in the change's transaction, never here.
import type { OperatorId } from "@paycore/core/ids/ids";
import type { AuditValue } from "@paycore/core/ports/audit";
import type { ConsoleServices } from "./services";

export type AuditInput = Record<string, string | number | boolean | bigint | Date | null | undefined>;

export function auditSnapshot(values: AuditInput): Record<string, AuditValue> {
  const snapshot: Record<string, AuditValue> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    snapshot[key] =
      typeof value === "bigint" ? value.toString() : value instanceof Date ? value.toISOString() : value;
  }
  return snapshot;
}

export async function recordAuditEvent(
  services: ConsoleServices,
  entry: {
    operatorId: OperatorId | null;
    action: string;
    targetType: string;
    targetId: string | null;
    before?: AuditInput | null;
    after?: AuditInput | null;
  },
): Promise<void> {
  await services.app.services.operatorCommands.recordEvent({
    operatorId: entry.operatorId,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    before: entry.before ? auditSnapshot(entry.before) : null,
    after: entry.after ? auditSnapshot(entry.after) : null,
  });
}
