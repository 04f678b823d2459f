// The operators' deny and allow lists, write side: the store behind the core's RiskListCommands. Each change and
// its operator audit row are one transaction.
import type { RiskListEntryId } from "@paycore/core/ids/ids";
import type { AuditDraft } from "@paycore/core/ports/audit";
import type { RiskListEntryRecord, RiskListStore } from "@paycore/core/ports/risk-list-store";
import type { DatabaseClient } from "../client";
import { operatorAuditRow } from "./operator-audit-row";
import { RiskListRepository } from "./risk-data.repository";

const TARGET_TYPE = "risk_list_entry";

export class RiskListStoreRepository implements RiskListStore {
  constructor(private readonly db: DatabaseClient) {}

  findEntry(id: string): Promise<RiskListEntryRecord | null> {
    return new RiskListRepository(this.db).findEntry(id);
  }

  add(entry: RiskListEntryRecord, audit: AuditDraft): Promise<RiskListEntryRecord> {
    return this.db.$transaction(async (tx) => {
      const row = await tx.riskListEntry.create({ data: entry });
      await tx.operatorAuditLog.create({ data: operatorAuditRow(audit, TARGET_TYPE), select: { id: true } });
      return { ...row, id: row.id as RiskListEntryId };
    });
  }

  remove(id: string, audit: AuditDraft): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.riskListEntry.deleteMany({ where: { id } });
      if (count === 0) return false;
      await tx.operatorAuditLog.create({ data: operatorAuditRow(audit, TARGET_TYPE), select: { id: true } });
      return true;
    });
  }
}
