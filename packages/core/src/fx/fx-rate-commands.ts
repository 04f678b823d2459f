// The one write path for exchange rates (the CLI's `fx import` and the scheduled fetch): every row of a file is
// checked first, and one bad row refuses the whole file with its line and reason, nothing written.
import { DomainError } from "../errors/domain-error";
import { parseCurrency } from "../money/currency";
import type { Actor } from "../ports/audit";
import type { FxImportResult, FxRateRow, FxRateStore } from "../ports/fx-rate-store";
import { parseRateText, RATE_FRACTION_DIGITS_MAX, RATE_INTEGER_DIGITS_MAX } from "./fx-rate";

/** A rate as a file spells it, before any check; `line` is the file's line (or the XML element's position). */
export interface RawRateRow {
  line: number;
  base: string;
  quote: string;
  rate: string;
  asOf: string;
}

/** At most this many rates per file (the ECB's daily file has about 30; a year of it about 8,000). */
export const RATE_ROWS_MAX = 50_000;
/** A rate dated more than a day ahead of the importing clock is refused as a typo, not stored. */
const FUTURE_TOLERANCE_MS = 24 * 60 * 60 * 1000;
const SOURCE_PATTERN = /^[A-Za-z0-9:._/+-]{1,200}$/;
const DATE_ONLY = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const DATE_TIME =
  /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,3})?)?(Z|[+-][0-9]{2}:[0-9]{2})$/;

export function fileInvalid(line: number | null, reason: string): DomainError {
  return new DomainError("FX_RATES_FILE_INVALID", line === null ? reason : `line ${line}: ${reason}`, {
    field: ["file"],
  });
}

/**
 * A rate's date: `YYYY-MM-DD` is that day at 00:00 UTC (the ECB dates its reference rates by day; taking the
 * day's start makes a rate look older, never fresher, than it is), or an ISO 8601 time with its offset.
 */
export function parseAsOf(text: string): Date | null {
  const day = DATE_ONLY.exec(text);
  if (day) {
    const date = new Date(`${text}T00:00:00.000Z`);
    // Refuses 2026-02-30 and the like, which Date would roll over.
    return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text ? null : date;
  }
  if (!DATE_TIME.test(text)) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The rows checked, in file order, or FX_RATES_FILE_INVALID for the first bad one. */
export function validateRateRows(rows: readonly RawRateRow[], now: Date): FxRateRow[] {
  if (rows.length === 0) throw fileInvalid(null, "the file holds no rates");
  if (rows.length > RATE_ROWS_MAX) throw fileInvalid(null, `the file holds more than ${RATE_ROWS_MAX} rates`);
  const seen = new Set<string>();
  return rows.map((raw) => {
    const base = parseCurrency(raw.base);
    if (base === null)
      throw fileInvalid(raw.line, `base ${JSON.stringify(raw.base)} is not an ISO 4217 currency`);
    const quote = parseCurrency(raw.quote);
    if (quote === null)
      throw fileInvalid(raw.line, `quote ${JSON.stringify(raw.quote)} is not an ISO 4217 currency`);
    if (base === quote) throw fileInvalid(raw.line, "base and quote are the same currency");
    const ratio = parseRateText(raw.rate);
    if (ratio === null)
      throw fileInvalid(
        raw.line,
        `rate ${JSON.stringify(raw.rate.slice(0, 40))} is not a positive decimal (digits and one point, at most ${RATE_INTEGER_DIGITS_MAX}.${RATE_FRACTION_DIGITS_MAX} digits)`,
      );
    const asOf = parseAsOf(raw.asOf);
    if (asOf === null)
      throw fileInvalid(
        raw.line,
        `date ${JSON.stringify(raw.asOf.slice(0, 40))} is not YYYY-MM-DD or an ISO time`,
      );
    if (asOf.getTime() > now.getTime() + FUTURE_TOLERANCE_MS)
      throw fileInvalid(raw.line, `date ${raw.asOf} is in the future`);
    const key = `${base}/${quote}@${asOf.toISOString()}`;
    if (seen.has(key)) throw fileInvalid(raw.line, `${base}/${quote} on ${raw.asOf} appears twice`);
    seen.add(key);
    return { line: raw.line, base, quote, rateText: raw.rate, ...ratio, asOf };
  });
}

export class FxRateCommands {
  constructor(private readonly deps: { store: FxRateStore; now: () => Date; newId: () => string }) {}

  /** Checks every row, then stores them all with the audit row, or nothing. */
  async importRates(
    actor: Actor,
    input: { source: string; rows: readonly RawRateRow[] },
  ): Promise<FxImportResult> {
    if (!SOURCE_PATTERN.test(input.source)) throw fileInvalid(null, "the source name is not valid");
    const now = this.deps.now();
    const rows = validateRateRows(input.rows, now);
    const id = this.deps.newId();
    const latest = rows.reduce<Date | null>(
      (max, row) => (max === null || row.asOf > max ? row.asOf : max),
      null,
    );
    return this.deps.store.importRates(
      { id, source: input.source, importedAt: now, rows },
      {
        actor,
        action: "fx.rates_imported",
        targetId: id,
        before: null,
        after: { source: input.source, rates: rows.length, latestAsOf: latest?.toISOString() ?? null },
      },
    );
  }
}
