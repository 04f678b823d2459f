// The exchange-rate services every process shares: the core's one write path for rates (the CLI's `fx import`
// and the scheduled fetch) and the rate book, which answers the rate in force between two currencies or refuses
// with FX_RATE_MISSING / FX_RATE_STALE. Built by one call in the composition root.

import { DomainError } from "@paycore/core/errors/domain-error";
import { type AppliedRate, type DatedRate, findRate, rateInForce } from "@paycore/core/fx/fx-rate";
import { FxRateCommands } from "@paycore/core/fx/fx-rate-commands";
import { newId, type PaymentId } from "@paycore/core/ids/ids";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { Actor } from "@paycore/core/ports/audit";
import type { FxImportResult, FxRateStore } from "@paycore/core/ports/fx-rate-store";
import type { PaymentFxRates } from "@paycore/core/ports/payment-fx";
import type { DatabaseClient } from "@paycore/db/client";
import { FxConversionRepository } from "@paycore/db/repositories/fx-conversion.repository";
import { FxRateStoreRepository } from "@paycore/db/repositories/fx-rate-store.repository";
import { MerchantCurrencyRepository } from "@paycore/db/repositories/merchant-currency.repository";
import type { Sql } from "@paycore/db/sql";
import { parseRatesBytes, type RatesFile, readRatesFile } from "./rate-files";

/** A rate older than this is stale by default: the ECB publishes on TARGET working days, so a Friday rate must
 * last the weekend and a holiday Monday (FX_RATE_MAX_AGE_HOURS). */
export const DEFAULT_FX_RATE_MAX_AGE_HOURS = 96;

/**
 * Looks up the rate in force, refusing a missing or stale one; never guesses. Also the payment commands' port
 * (PaymentFxRates) with the conversions' reads.
 */
export class FxRateBook implements PaymentFxRates {
  constructor(
    private readonly store: Pick<FxRateStore, "latestRatesFor">,
    private readonly maxAgeMs: number,
    private readonly now: () => Date = () => new Date(),
    private readonly conversions: Pick<FxConversionRepository, "captureConversionOf"> | null = null,
  ) {}

  /** The newest rate whatever its age; FX_RATE_MISSING when none can be made. */
  async newestRate(from: CurrencyCode, to: CurrencyCode): Promise<AppliedRate> {
    const rates = await this.latest(from, to);
    const rate = findRate(from, to, (base, quote) => rates.find((r) => r.base === base && r.quote === quote));
    if (rate === null)
      throw new DomainError("FX_RATE_MISSING", `No exchange rate from ${from} to ${to} has been imported.`, {
        field: ["currency"],
      });
    return rate;
  }

  async captureConversionOf(paymentId: PaymentId) {
    if (this.conversions === null) return null;
    return this.conversions.captureConversionOf(paymentId);
  }

  /** The newest stored rates relevant to the two currencies (their pairs and every EUR-based one). */
  async latest(from: CurrencyCode, to: CurrencyCode): Promise<DatedRate[]> {
    return this.store.latestRatesFor([from, to]);
  }

  /** The rate from `from` to `to` now: direct, inverse or through EUR (FX_RATE_MISSING, FX_RATE_STALE). */
  async rateInForce(from: CurrencyCode, to: CurrencyCode, field?: string[]): Promise<AppliedRate> {
    const rates = await this.latest(from, to);
    const lookup = (base: CurrencyCode, quote: CurrencyCode) =>
      rates.find((rate) => rate.base === base && rate.quote === quote);
    return rateInForce(from, to, lookup, this.now(), this.maxAgeMs, field);
  }
}

export interface FxServices {
  /** The write path for exchange rates. */
  fxRateCommands: FxRateCommands;
  /** The rate in force between two currencies (also the payment commands' PaymentFxRates). */
  fxRates: FxRateBook;
  /** Read side of conversions (the rates payments locked). */
  fxConversions: FxConversionRepository;
  /** Read side of merchants' settlement currencies, FX fee and fixed fees per currency. */
  merchantCurrencies: MerchantCurrencyRepository;
}

export function createFxServices(
  sql: Sql,
  db: DatabaseClient,
  options: { maxAgeHours?: number; now?: () => Date } = {},
): FxServices {
  const now = options.now ?? (() => new Date());
  const store = new FxRateStoreRepository(sql);
  const maxAgeMs = (options.maxAgeHours ?? DEFAULT_FX_RATE_MAX_AGE_HOURS) * 3_600_000;
  const fxConversions = new FxConversionRepository(sql);
  return {
    fxRateCommands: new FxRateCommands({ store, now, newId: () => newId("fxRateImport") }),
    fxRates: new FxRateBook(store, maxAgeMs, now, fxConversions),
    fxConversions,
    merchantCurrencies: new MerchantCurrencyRepository(db),
  };
}

/** Imports a parsed file: the ECB layout is stored with source "ECB", the CSV layout with "CSV". */
export function importRatesFile(
  commands: Pick<FxRateCommands, "importRates">,
  actor: Actor,
  file: RatesFile,
): Promise<FxImportResult> {
  return commands.importRates(actor, { source: file.format, rows: file.rows });
}

/** `fx import <file>`: read (bounded), parse, check every row, store all or nothing. */
export async function importRatesFromPath(
  commands: Pick<FxRateCommands, "importRates">,
  actor: Actor,
  path: string,
): Promise<FxImportResult> {
  return importRatesFile(commands, actor, await readRatesFile(path));
}

export { parseRatesBytes };
