// GET /reviews/export?<the list's query>: the filtered list as a streamed CSV (server/export/export-route.ts).

import { csvExportRoute } from "../../../../server/export/export-route";
import { reviewsExport } from "../../../../server/export/reviews-export";

export const dynamic = "force-dynamic";

export const GET = csvExportRoute(reviewsExport);
