// Exchange rates: imported in batches (a file, or one scheduled fetch) with their operator audit row in one
// transaction, and read as the newest rate per currency pair.
import type { DatedRate } from "../fx/fx-rate";
import type { CurrencyCode } from "../money/currency";
import type { AuditDraft } from "./audit";

/** One rate of a file, checked: the line it came from, the exact decimal text and its fraction. */
export interface FxRateRow {
  line: number;
  base: CurrencyCode;
  quote: CurrencyCode;
  /** The decimal exactly as the file wrote it (canonical digits), stored as numeric. */
  rateText: string;
  numerator: bigint;
  denominator: bigint;
  asOf: Date;
}

export interface FxRateBatch {
  id: string;
  /** "ECB" or "CSV" (the file's layout), or "ECB:<url>"-style for a scheduled fetch. */
  source: string;
  importedAt: Date;
  rows: FxRateRow[];
}

export interface FxImportResult {
  batchId: string;
  source: string;
  /** Rates stored by this import. */
  inserted: number;
  /** Rates that were already stored with the same value (a re-import of the same file). */
  unchanged: number;
  /** The newest date among the file's rates. */
  latestAsOf: Date | null;
}

export interface FxRateStore {
  /**
   * Stores every row, or none: a row whose (source, base, quote, asOf) is already stored with a different
   * rate refuses the whole batch (FX_RATES_FILE_INVALID naming its line). Writes the audit row in the same
   * transaction.
   */
  importRates(batch: FxRateBatch, audit: AuditDraft): Promise<FxImportResult>;
  /** The newest stored rate of each pair that has `currency` as its base or quote, or EUR as its base. */
  latestRatesFor(currencies: readonly CurrencyCode[]): Promise<DatedRate[]>;
}
