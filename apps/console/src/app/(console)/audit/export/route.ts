// GET /audit/export?<the list's query>: the filtered list as a streamed CSV (server/export/export-route.ts).
import { auditExport } from "../../../../server/export/audit-export";
import { csvExportRoute } from "../../../../server/export/export-route";

export const dynamic = "force-dynamic";

export const GET = csvExportRoute(auditExport);
