// GET /reviews/export?<the list's query>: the filtered list as a streamed CSV (server/export/export-route.ts).
import { reviewsExport } from "../../../../server/export/reviews-export";
import { csvExportRoute } from "../../../../server/export/export-route";

export const dynamic = "force-dynamic";

export const GET = csvExportRoute(reviewsExport);
