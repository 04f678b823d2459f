// The operator audit log as CSV: the audit page's search, newest first, before and after as JSON text.
import { AUDIT_PAGE_SIZE_MAX, type AuditEntryRecord } from "@paycore/db/repositories/operator.repository";
import { one, readerOf } from "../../lib/list-params";
import { auditListSchema } from "../api/routers/audit/list.schema";
import type { CsvExport } from "./export-route";

const json = (value: unknown) => (value === null || value === undefined ? "" : JSON.stringify(value));

export const auditExport: CsvExport<ReturnType<typeof auditListSchema.parse>, AuditEntryRecord> = {
  name: "audit",
  minimumRole: "VIEWER",
  schema: auditListSchema,
  inputOf: (query) => ({ search: one(readerOf(query), "q") || null }),
  columns: [
    { header: "id", value: (row) => row.id },
    { header: "created_at", value: (row) => row.createdAt },
    { header: "operator", value: (row) => row.operatorEmail },
    { header: "action", value: (row) => row.action },
    { header: "target_type", value: (row) => row.targetType },
    { header: "target_id", value: (row) => row.targetId },
    { header: "before", value: (row) => json(row.before) },
    { header: "after", value: (row) => json(row.after) },
  ],
  async *pages(ctx, input, maxRows) {
    let remaining = maxRows;
    let beforeId: bigint | null = null;
    while (remaining > 0) {
      const { entries, hasNextPage } = await ctx.services.operators.listAudit({
        search: input.search ?? null,
        operatorId: null,
        beforeId,
        first: Math.min(AUDIT_PAGE_SIZE_MAX, remaining),
      });
      if (entries.length === 0) return;
      yield entries;
      remaining -= entries.length;
      beforeId = (entries.at(-1) as AuditEntryRecord).id;
      if (!hasNextPage) return;
    }
  },
};
