// `npm run cli -- recon import <file> --psp adyen|stripe [--json]` (or `--file <path>`): imports a settlement
// report through the core's command as the CLI's user, and prints the run: lines, counts per category, totals
// per currency. A refused file prints its line and reason and exits 1; the same file again replays its run.
import { basename } from "node:path";
import { formatMinorUnits } from "@paycore/core/money/money";
import type { Actor } from "@paycore/core/ports/audit";
import type { ReconImportRecord } from "@paycore/core/ports/reconciliation-store";
import {
  SETTLEMENT_PSPS,
  type SettlementPsp,
  SettlementReportError,
} from "@paycore/core/reconciliation/settlement-line";
import { createPool, Sql } from "@paycore/db/sql";
import { openDatabase } from "@paycore/platform/bootstrap";
import { readEnv } from "@paycore/platform/env";
import { createReconciliationCommands } from "@paycore/platform/reconciliation/reconciliation-commands.factory";
import { reportRowsOfFile, sha256OfFile } from "@paycore/platform/reconciliation/settlement-report-file";
import { type Command, InvalidArgumentError } from "commander";
import { type CliIo, errLine, outLine } from "../cli-io";

function pspOption(value: string): SettlementPsp {
  if (!(SETTLEMENT_PSPS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`one of ${SETTLEMENT_PSPS.join(", ")}`);
  return value as SettlementPsp;
}

function jsonRun(run: ReconImportRecord, replayed: boolean) {
  return {
    id: run.id,
    psp: run.psp,
    fileName: run.fileName,
    fileSha256: run.fileSha256,
    status: run.status,
    replayed,
    lineCount: run.lineCount,
    batches: run.batches,
    categoryCounts: run.categoryCounts,
    totals: run.totals.map((t) => ({
      currency: t.currency,
      gross: t.grossMinor.toString(),
      fee: t.feeMinor.toString(),
      net: t.netMinor.toString(),
    })),
  };
}

function textRun(run: ReconImportRecord, replayed: boolean): string {
  const lines = [
    `${replayed ? "already imported" : "imported"} ${run.fileName} (${run.psp}) as ${run.id}: ${run.lineCount} lines`,
    ...Object.entries(run.categoryCounts).map(([category, count]) => `  ${category.padEnd(18)} ${count}`),
    ...run.totals.map(
      (t) =>
        `  ${t.currency} gross ${formatMinorUnits(t.grossMinor, t.currency)} fee ${formatMinorUnits(t.feeMinor, t.currency)} net ${formatMinorUnits(t.netMinor, t.currency)}`,
    ),
  ];
  return lines.join("\n");
}

export function registerReconCommands(program: Command, actor: () => Actor, io: CliIo): void {
  program
    .command("recon")
    .description("settlement reports and reconciliation")
    .command("import")
    .description(
      "import a PSP's settlement report (Adyen settlement details, Stripe itemized balance changes)",
    )
    .argument("[file]", "the report's path")
    .option("--file <path>", "the report's path (instead of the argument)")
    .requiredOption("--psp <psp>", "adyen or stripe", pspOption)
    .option("--json", "print the run as JSON", false)
    .action(
      async (
        fileArgument: string | undefined,
        options: { file?: string; psp: SettlementPsp; json: boolean },
      ) => {
        const path = options.file ?? fileArgument;
        if (path === undefined) throw new InvalidArgumentError("give the report's path");
        const database = await openDatabase(readEnv(io.env), (message) => errLine(io, message));
        const pool = createPool({ url: database.url, max: 2 });
        try {
          const commands = createReconciliationCommands(new Sql(pool));
          const result = await commands.importReport(actor(), {
            psp: options.psp,
            fileName: basename(path),
            fileSha256: await sha256OfFile(path),
            rows: reportRowsOfFile(path),
          });
          outLine(
            io,
            options.json
              ? JSON.stringify(jsonRun(result.import, result.replayed))
              : textRun(result.import, result.replayed),
          );
        } catch (error) {
          if (!(error instanceof SettlementReportError)) throw error;
          const refusal = { status: "REFUSED", line: error.lineNumber, reason: error.reason };
          outLine(
            io,
            options.json ? JSON.stringify(refusal) : `refused at line ${error.lineNumber}: ${error.reason}`,
          );
          io.setExitCode(1);
        } finally {
          await pool.end();
          await database.stop();
        }
      },
    );
}
