// The pattern of every CSV export: GET <list path>/export with the list page's own query string. The route
// checks the session and role as the list's procedure does, validates the filters with the list's schema
// (a bad filter is a 400 with a sentence), records the export in the operator audit log before the first
// byte, then streams the rows page by page (keyset pagination) up to CSV_EXPORT_MAX_ROWS.
// A new export is one route file: `export const GET = csvExportRoute({...})` (see payments/export/route.ts).
import { isDomainError } from "@paycore/core/errors/domain-error";
import type { OperatorRole } from "@paycore/db/repositories/operator.repository";
import { ZodError, type z } from "zod";
import { createConsoleContext, roleAtLeast, type SignedInContext, sessionStage } from "../api/trpc";
import { recordAuditEvent } from "../audit";
import { getConsoleServices } from "../services";
import { type CsvColumn, csvStream } from "./csv";
import { CSV_EXPORT_MAX_ROWS } from "./export-limits";

export interface CsvExport<Input, Row> {
  /** Names the file (`<name>-<UTC date>.csv`) and the audit action (`export.<name>`). */
  name: string;
  minimumRole: OperatorRole;
  /** The list's own input schema, fed the query string. */
  schema: z.ZodType<Input>;
  /** The query string as the schema's input (repeated keys, renamed fields). */
  inputOf(query: URLSearchParams): unknown;
  columns: ReadonlyArray<CsvColumn<Row>>;
  /** Pages of rows in the list's order, at most `maxRows` in all. Throwing before the first page is a 400. */
  pages(ctx: SignedInContext, input: Input, maxRows: number): AsyncIterable<Row[]>;
}

function textResponse(status: number, message: string): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}

/** A validation failure as one sentence. */
function problemOf(error: unknown): string | null {
  if (error instanceof ZodError) {
    return `Invalid filter: ${error.issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`).join("; ")}.`;
  }
  // A domain error from the filter (an amount without a currency, a search too short).
  if (isDomainError(error)) return error.message;
  return null;
}

export function csvExportRoute<Input, Row>(definition: CsvExport<Input, Row>) {
  return async function handleExport(request: Request): Promise<Response> {
    const services = getConsoleServices();
    const ctx = await createConsoleContext({
      services,
      cookieHeader: request.headers.get("cookie"),
      csrfHeader: null,
      requestUrl: request.url,
      forwardedProto: request.headers.get("x-forwarded-proto"),
      forwardedFor: request.headers.get("x-forwarded-for"),
      setCookie: () => {},
    });
    const session = ctx.session;
    if (!session || sessionStage(session) !== "ready") return textResponse(401, "Sign in first.");
    if (!roleAtLeast(session.operator.role, definition.minimumRole)) {
      return textResponse(403, `This export needs the ${definition.minimumRole.toLowerCase()} role.`);
    }
    const signedIn: SignedInContext = { ...ctx, session };
    const query = new URL(request.url).searchParams;
    let input: Input;
    let pages: AsyncIterator<Row[]>;
    let first: IteratorResult<Row[]>;
    try {
      input = definition.schema.parse(definition.inputOf(query));
      pages = definition.pages(signedIn, input, CSV_EXPORT_MAX_ROWS)[Symbol.asyncIterator]();
      // The first page is read before answering: a bad filter is still a 400, not a broken download.
      first = await pages.next();
    } catch (error) {
      const problem = problemOf(error);
      if (problem) return textResponse(400, problem);
      services.logger.error({ err: error, export: definition.name }, "console export failed");
      return textResponse(
        500,
        "The export failed on the server. Try again; if it keeps failing, tell an administrator.",
      );
    }
    await recordAuditEvent(services, {
      operatorId: session.operator.id,
      action: `export.${definition.name}`,
      targetType: definition.name,
      targetId: null,
      after: { query: query.toString().slice(0, 2_000), maxRows: CSV_EXPORT_MAX_ROWS },
    });
    async function* all(): AsyncGenerator<Row[]> {
      if (!first.done) yield first.value;
      while (true) {
        const next = await pages.next();
        if (next.done) return;
        yield next.value;
      }
    }
    const date = services.now().toISOString().slice(0, 10);
    return new Response(csvStream(definition.columns, all()), {
      status: 200,
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${definition.name}-${date}.csv"`,
        "cache-control": "no-store",
        "x-export-row-limit": String(CSV_EXPORT_MAX_ROWS),
      },
    });
  };
}
