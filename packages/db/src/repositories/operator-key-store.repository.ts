// Operators' API keys, write side: the store behind the core's OperatorKeyCommands. Each change and its operator
// audit row are one transaction; a key is stored only as its hash.
import type { AuditDraft } from "@paycore/core/ports/audit";
import type { NewOperatorKeyRow, OperatorKeyStore } from "@paycore/core/ports/operator-key-store";
import type { DatabaseClient } from "../client";
import { operatorAuditRow } from "./operator-audit-row";

const TARGET_TYPE = "operator_key";

export class OperatorKeyStoreRepository implements OperatorKeyStore {
  constructor(private readonly db: DatabaseClient) {}

  async create(key: NewOperatorKeyRow, audit: AuditDraft): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await tx.operatorApiKey.create({ data: key, select: { id: true } });
      await tx.operatorAuditLog.create({ data: operatorAuditRow(audit, TARGET_TYPE), select: { id: true } });
    });
  }

  async findActiveName(id: string): Promise<string | null> {
    const row = await this.db.operatorApiKey.findUnique({
      where: { id },
      select: { name: true, revokedAt: true },
    });
    return row === null || row.revokedAt !== null ? null : row.name;
  }

  revoke(id: string, at: Date, audit: AuditDraft): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.operatorApiKey.updateMany({
        where: { id, revokedAt: null },
        data: { revokedAt: at },
      });
      if (count === 0) return false;
      await tx.operatorAuditLog.create({ data: operatorAuditRow(audit, TARGET_TYPE), select: { id: true } });
      return true;
    });
  }
}
