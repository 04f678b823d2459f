// GET /reconciliation/export?<the queue's filters>: the queue as CSV, streamed page by page (1,000 items per
// query, at most EXPORT_ROWS_MAX rows) through csv-stringify, never held whole. Any signed-in operator may export
// (it is a read). Cells an operator or a PSP wrote are escaped against formula injection (queue-csv.ts).
import { Readable } from "node:stream";
import { isDomainError } from "@paycore/core/errors/domain-error";
import { reconItemsSchema } from "../../../../server/api/routers/reconciliation/reconciliation.schema";
import { itemFilter } from "../../../../server/api/routers/reconciliation/reconciliation-view";
import { getConsoleServices } from "../../../../server/services";
import { serverCaller } from "../../../../trpc/server";
import { queueInput, type SearchParams } from "../queue-params";
import { queueCsv } from "./queue-csv";

export const dynamic = "force-dynamic";

function searchParamsOf(url: URL): SearchParams {
  const params: SearchParams = {};
  for (const key of new Set(url.searchParams.keys())) params[key] = url.searchParams.getAll(key);
  return params;
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

export async function GET(request: Request): Promise<Response> {
  const me = await (await serverCaller()).auth.me();
  if (me?.stage !== "ready") return text(401, "Sign in first.");
  const services = getConsoleServices();
  const { input } = queueInput(searchParamsOf(new URL(request.url)));
  const parsed = reconItemsSchema.safeParse({ ...input, after: null });
  if (!parsed.success) return text(400, parsed.error.issues.map((issue) => issue.message).join("; "));
  let filter: ReturnType<typeof itemFilter>;
  try {
    filter = itemFilter(parsed.data, services.now());
  } catch (error) {
    if (isDomainError(error)) return text(400, error.message);
    throw error;
  }
  const csv = queueCsv(services.recon.reads, filter);
  const day = services.now().toISOString().slice(0, 10);
  return new Response(Readable.toWeb(csv) as ReadableStream<Uint8Array>, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="reconciliation-items-${day}.csv"`,
      "cache-control": "no-store",
    },
  });
}
