// `npm run cli -- fx import <file> [--json]`: imports exchange rates (the ECB's euro reference rates XML, or a
// CSV `base,quote,rate,as_of`; told apart by the content) through the core's rates command as the CLI's user,
// audited. A bad file is refused whole: its line and reason are printed, the exit code is 1, nothing is written.
// `npm run cli -- fx rate <from> <to>` prints the rate in force (direct, inverse or through EUR), or why none is.
import { isDomainError } from "@paycore/core/errors/domain-error";
import { formatRatio } from "@paycore/core/fx/fx-rate";
import { parseCurrency } from "@paycore/core/money/currency";
import type { Actor } from "@paycore/core/ports/audit";
import { createDatabaseClient } from "@paycore/db/client";
import { createPool, Sql } from "@paycore/db/sql";
import { openDatabase } from "@paycore/platform/bootstrap";
import { readEnv } from "@paycore/platform/env";
import { createFxServices, type FxServices, importRatesFromPath } from "@paycore/platform/fx/fx-services";
import { type Command, InvalidArgumentError } from "commander";
import { type CliIo, errLine, outLine } from "../cli-io";

function currencyArgument(value: string) {
  const code = parseCurrency(value);
  if (code === null) throw new InvalidArgumentError("an ISO 4217 currency code (upper case)");
  return code;
}

async function withFx<T>(io: CliIo, work: (fx: FxServices) => Promise<T>): Promise<T> {
  const env = readEnv(io.env);
  const database = await openDatabase(env, (message) => errLine(io, message));
  const pool = createPool({ url: database.url, max: 2 });
  const db = createDatabaseClient({ pool });
  try {
    return await work(createFxServices(new Sql(pool), db, { maxAgeHours: env.FX_RATE_MAX_AGE_HOURS }));
  } finally {
    await db.$disconnect();
    await pool.end();
    await database.stop();
  }
}

/** A refusal with a typed code: printed (JSON or text), exit 1; anything else is thrown. */
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

export function registerFxCommands(program: Command, actor: () => Actor, io: CliIo): void {
  const fx = program.command("fx").description("exchange rates (multiple currencies)");
  fx.command("import")
    .description(
      "import exchange rates: the ECB's eurofxref XML, or a CSV with the header base,quote,rate,as_of",
    )
    .argument("<file>", "the rates file's path")
    .option("--json", "print the result as JSON", false)
    .action(async (path: string, options: { json: boolean }) => {
      await withFx(io, async ({ fxRateCommands }) => {
        try {
          const result = await importRatesFromPath(fxRateCommands, actor(), path);
          const latest = result.latestAsOf?.toISOString() ?? null;
          outLine(
            io,
            options.json
              ? JSON.stringify({ status: "IMPORTED", ...result, latestAsOf: latest })
              : `imported ${result.inserted} rates from ${path} (${result.source}) as ${result.batchId}; ${result.unchanged} already stored; newest ${latest}`,
          );
        } catch (error) {
          refused(io, error, options.json);
        }
      });
    });
  fx.command("rate")
    .description("print the rate in force from one currency to another, or why there is none")
    .argument("<from>", "ISO 4217 code", currencyArgument)
    .argument("<to>", "ISO 4217 code", currencyArgument)
    .option("--json", "print the rate as JSON", false)
    .action(async (from, to, options: { json: boolean }) => {
      await withFx(io, async ({ fxRates }) => {
        try {
          const rate = await fxRates.rateInForce(from, to);
          const text = formatRatio(rate, 12);
          outLine(
            io,
            options.json
              ? JSON.stringify({
                  from,
                  to,
                  rate: text,
                  numerator: rate.numerator.toString(),
                  denominator: rate.denominator.toString(),
                  source: rate.source,
                  asOf: rate.asOf.toISOString(),
                  path: rate.path,
                })
              : `1 ${from} = ${text} ${to} (${rate.path.toLowerCase()}, ${rate.source}, ${rate.asOf.toISOString()})`,
          );
        } catch (error) {
          refused(io, error, options.json);
        }
      });
    });
}
