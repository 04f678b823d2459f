// `npm run cli -- sanctions import <file> [--format ofac-sdn|eu-xml] [--aliases alt.csv] [--json]`: imports a
// sanctions list (issue 22) as a new list version through the core's command as the CLI's user (audited), then
// screens every merchant against the newest versions. A bad file is refused whole (nothing written), exit 1.
// `npm run cli -- sanctions screen <merchantId>` screens one merchant now; `sanctions hits` lists the hits.
import { isDomainError } from "@paycore/core/errors/domain-error";
import type { Actor } from "@paycore/core/ports/audit";
import { createPool, Sql } from "@paycore/db/sql";
import { openDatabase } from "@paycore/platform/bootstrap";
import { readEnv } from "@paycore/platform/env";
import {
  SANCTIONS_FILE_FORMATS,
  type SanctionsFileFormat,
} from "@paycore/platform/sanctions/sanctions-list-files";
import {
  createSanctionsServices,
  importSanctionsFromPaths,
} from "@paycore/platform/sanctions/sanctions-services";
import { type Command, InvalidArgumentError } from "commander";
import { type CliIo, errLine, outLine } from "../cli-io";

/** Screening after an import: at most this many merchants (the worker screens any left). */
const SCREEN_AFTER_IMPORT_MAX = 100_000;

async function withSanctions<T>(
  io: CliIo,
  work: (services: ReturnType<typeof createSanctionsServices>) => Promise<T>,
): Promise<T> {
  const env = readEnv(io.env);
  const database = await openDatabase(env, (message) => errLine(io, message));
  const pool = createPool({ url: database.url, max: 2 });
  try {
    return await work(createSanctionsServices(new Sql(pool), env.SANCTIONS_MATCH_THRESHOLD));
  } finally {
    await pool.end();
    await database.stop();
  }
}

function formatArgument(value: string): SanctionsFileFormat {
  if (!(SANCTIONS_FILE_FORMATS as readonly string[]).includes(value))
    throw new InvalidArgumentError(SANCTIONS_FILE_FORMATS.join(", "));
  return value as SanctionsFileFormat;
}

function refused(io: CliIo, error: unknown, json: boolean): void {
  if (!isDomainError(error)) throw error;
  outLine(
    io,
    json
      ? JSON.stringify({ status: "REFUSED", code: error.code, reason: error.message })
      : `refused: ${error.message}`,
  );
  io.setExitCode(1);
}

export function registerSanctionsCommands(program: Command, actor: () => Actor, io: CliIo): void {
  const sanctions = program.command("sanctions").description("sanctions lists and screening");
  sanctions
    .command("import")
    .description(
      "import a sanctions list (OFAC sdn.csv, EU consolidated XML) as a new version, then screen merchants",
    )
    .argument("<file>", "the list file's path")
    .option(
      "--format <format>",
      `${SANCTIONS_FILE_FORMATS.join(" | ")} (default: told by the content)`,
      formatArgument,
    )
    .option("--aliases <file>", "the OFAC alt.csv to import with sdn.csv")
    .option("--json", "print the result as JSON", false)
    .action(
      async (path: string, options: { format?: SanctionsFileFormat; aliases?: string; json: boolean }) => {
        await withSanctions(io, async ({ sanctions: commands }) => {
          try {
            const version = await importSanctionsFromPaths(commands, actor(), path, {
              ...(options.format ? { format: options.format } : {}),
              ...(options.aliases ? { aliasesPath: options.aliases } : {}),
            });
            let merchants = 0;
            let hits = 0;
            while (merchants < SCREEN_AFTER_IMPORT_MAX) {
              const pass = await commands.screenPending(100);
              merchants += pass.merchants;
              hits += pass.openedHits;
              if (pass.merchants === 0) break;
            }
            outLine(
              io,
              options.json
                ? JSON.stringify({
                    status: "IMPORTED",
                    version,
                    screenedMerchants: merchants,
                    openedHits: hits,
                  })
                : `imported ${version.nameCount} names of ${version.entryCount} entries from ${path} (${version.source}) as ${version.id}; screened ${merchants} merchants, ${hits} new hits`,
            );
          } catch (error) {
            refused(io, error, options.json);
          }
        });
      },
    );
  sanctions
    .command("screen")
    .description("screen one merchant's names now against the newest list versions")
    .argument("<merchantId>")
    .option("--json", "print the result as JSON", false)
    .action(async (merchantId: string, options: { json: boolean }) => {
      await withSanctions(io, async ({ sanctions: commands }) => {
        const result = await commands.screenMerchant(merchantId, "MANUAL");
        outLine(
          io,
          options.json
            ? JSON.stringify(result)
            : `screened ${result.screened} names, ${result.openedHits} new hits`,
        );
      });
    });
  sanctions
    .command("hits")
    .description("list sanctions hits, open ones first")
    .option("--json", "print the hits as JSON", false)
    .action(async (options: { json: boolean }) => {
      await withSanctions(io, async ({ sanctionsReads }) => {
        const hits = await sanctionsReads.hits(100);
        if (options.json) outLine(io, JSON.stringify(hits));
        else
          for (const hit of hits)
            outLine(
              io,
              `${hit.id} ${hit.status} ${hit.merchantId} ${hit.subjectType} "${hit.subjectName}" ~ "${hit.listedName}" (${hit.source}, ${hit.score})`,
            );
      });
    });
}
