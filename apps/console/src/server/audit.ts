// Writes one operator audit row. Snapshots are whitelisted fields turned into
// JSON-safe values: bigints become digit strings, dates ISO strings.
import type { OperatorId } from "@paycore/core/ids/ids";
import type { AuditSnapshot } from "@paycore/db/repositories/operator.repository";
import type { ConsoleServices } from "./services";

export type AuditInput = Record<string, string | number | boolean | bigint | Date | null | undefined>;

export function auditSnapshot(values: AuditInput): AuditSnapshot {
  const snapshot: AuditSnapshot = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    snapshot[key] =
      typeof value === "bigint" ? value.toString() : value instanceof Date ? value.toISOString() : value;
  }
  return snapshot;
}

export async function writeAudit(
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
  await services.operators.appendAudit({
    operatorId: entry.operatorId,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    before: entry.before ? auditSnapshot(entry.before) : null,
    after: entry.after ? auditSnapshot(entry.after) : null,
  });
}
