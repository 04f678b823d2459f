// GET /invoices/export?merchant=&mode=&status=: the filtered list as a streamed CSV (server/export/export-route.ts).
import { csvExportRoute } from "../../../../server/export/export-route";
import { invoicesExport } from "../../../../server/export/invoices-export";

export const dynamic = "force-dynamic";

export const GET = csvExportRoute(invoicesExport);
