// GET /dead-letters/export?state=<the list's state>: the filtered list as a streamed CSV (server/export/export-route.ts).
import { deadLettersExport } from "../../../../server/export/dead-letters-export";
import { csvExportRoute } from "../../../../server/export/export-route";

export const dynamic = "force-dynamic";

export const GET = csvExportRoute(deadLettersExport);
