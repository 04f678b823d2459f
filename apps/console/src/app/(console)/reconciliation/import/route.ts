// POST /reconciliation/import: an operator's settlement report upload (server/reconciliation/report-upload-route.ts).
import { reportUploadRoute } from "../../../../server/reconciliation/report-upload-route";

export const dynamic = "force-dynamic";

export const POST = reportUploadRoute();
