// POST /reconciliation/import?psp=<adyen|stripe>&fileName=<name>: an operator uploads a PSP's settlement report
// (issue 16, the console's way in beside the CLI and the announced downloads). The body is the file itself, streamed
// to a temporary file with a byte bound (never held whole), hashed, then imported through the same reconciliation
// command as the CLI and the workers, as the signed-in operator: the import records who, when, the file's hash and
// the outcome, and the same file again replays its run. Operators and admins only; the CSRF token is checked as for
// every tRPC mutation (double submit, bound to the session). A refused file answers 422 with its line and reason.
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { isDomainError } from "@paycore/core/errors/domain-error";
import {
  SETTLEMENT_PSPS,
  type SettlementPsp,
  SettlementReportError,
} from "@paycore/core/reconciliation/settlement-line";
import { createReconciliationCommands } from "@paycore/platform/reconciliation/reconciliation-commands.factory";
import { reportRowsOfFile, sha256OfFile } from "@paycore/platform/reconciliation/settlement-report-file";
import { createConsoleContext, csrfValid, roleAtLeast, sessionStage } from "../api/trpc";
import { CSRF_HEADER } from "../auth/cookies";
import { getConsoleServices } from "../services";

/** A busy account's day is tens of MB; an upload through the browser stops here (the CLI takes larger files). */
export const REPORT_UPLOAD_BYTES_MAX = 256 * 1024 * 1024;
const FILE_NAME = /^[\w.-]{1,255}$/;
/**
 * Uploads streamed to disk at once in this process: each may write REPORT_UPLOAD_BYTES_MAX to a temporary file,
 * so without a bound 20 parallel uploads could take 5 GiB of disk (campaign 2026-12-07). Further ones get 429.
 */
export const REPORT_UPLOADS_IN_FLIGHT_MAX = 2;
let uploadsInFlight = 0;

function json(status: number, body: Record<string, unknown>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

class UploadTooLarge extends Error {}

/** Counts the bytes going through and fails past the bound. */
function byteBound(maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > maxBytes) callback(new UploadTooLarge());
      else callback(null, chunk);
    },
  });
}

export function reportUploadRoute() {
  return async function handleUpload(request: Request): Promise<Response> {
    const services = getConsoleServices();
    const ctx = await createConsoleContext({
      services,
      cookieHeader: request.headers.get("cookie"),
      csrfHeader: request.headers.get(CSRF_HEADER),
      requestUrl: request.url,
      forwardedProto: request.headers.get("x-forwarded-proto"),
      forwardedFor: request.headers.get("x-forwarded-for"),
      setCookie: () => {},
    });
    const session = ctx.session;
    if (!session || sessionStage(session) !== "ready") return json(401, { error: "Sign in first." });
    if (!csrfValid(ctx)) return json(403, { error: "Missing or invalid CSRF token." });
    if (!roleAtLeast(session.operator.role, "OPERATOR"))
      return json(403, { error: "Importing a settlement report needs the operator role." });
    const url = new URL(request.url);
    const psp = url.searchParams.get("psp") ?? "";
    const fileName = url.searchParams.get("fileName") ?? "";
    if (!(SETTLEMENT_PSPS as readonly string[]).includes(psp))
      return json(400, { error: `psp is one of ${SETTLEMENT_PSPS.join(", ")}.` });
    if (!FILE_NAME.test(fileName))
      return json(400, { error: "The file name is 1 to 255 letters, digits, '.', '_' or '-'." });
    const declared = Number(request.headers.get("content-length") ?? "0");
    if (declared > REPORT_UPLOAD_BYTES_MAX || request.body === null)
      return json(request.body === null ? 400 : 413, {
        error:
          request.body === null
            ? "The request carries no file."
            : `The file is over ${REPORT_UPLOAD_BYTES_MAX / 1024 / 1024} MiB: import it with the CLI.`,
      });

    if (uploadsInFlight >= REPORT_UPLOADS_IN_FLIGHT_MAX)
      return json(429, {
        error: `At most ${REPORT_UPLOADS_IN_FLIGHT_MAX} reports are imported at once: try again when one has finished.`,
      });
    uploadsInFlight++;
    const dir = await mkdtemp(join(tmpdir(), "report-upload-")).catch((error: unknown) => {
      uploadsInFlight--;
      throw error;
    });
    const path = join(dir, "report.csv");
    try {
      try {
        await pipeline(
          Readable.fromWeb(request.body as NodeReadableStream),
          byteBound(REPORT_UPLOAD_BYTES_MAX),
          createWriteStream(path),
        );
      } catch (error) {
        if (error instanceof UploadTooLarge)
          return json(413, {
            error: `The file is over ${REPORT_UPLOAD_BYTES_MAX / 1024 / 1024} MiB: import it with the CLI.`,
          });
        throw error;
      }
      const commands = createReconciliationCommands(services.app.sql, {
        payments: services.app.services.commands,
        disputes: services.app.services.disputes,
      });
      const { import: run, replayed } = await commands.importReport(
        { operatorId: session.operator.id, name: session.operator.email },
        {
          psp: psp as SettlementPsp,
          fileName,
          fileSha256: await sha256OfFile(path),
          rows: reportRowsOfFile(path),
        },
      );
      return json(200, {
        importId: run.id,
        replayed,
        lineCount: run.lineCount,
        categoryCounts: run.categoryCounts,
      });
    } catch (error) {
      if (error instanceof SettlementReportError)
        return json(422, { error: `Refused, nothing imported: line ${error.lineNumber}: ${error.reason}` });
      if (isDomainError(error)) return json(422, { error: error.message, code: error.code });
      throw error;
    } finally {
      uploadsInFlight--;
      await rm(dir, { recursive: true, force: true });
    }
  };
}
