// Exchange rates, write side (the store behind the core's FxRateCommands) and the read of the rates in force.
// One import is one transaction: the import row, every rate in chunks of one set-based statement, the check
// that no stored rate of the same (source, pair, date) differs, and the operator audit row. A difference
// raises, so the whole file is refused and nothing is written.

import { type DatedRate, parseRateText } from "@paycore/core/fx/fx-rate";
import { fileInvalid } from "@paycore/core/fx/fx-rate-commands";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { AuditDraft } from "@paycore/core/ports/audit";
import type { FxImportResult, FxRateBatch, FxRateStore } from "@paycore/core/ports/fx-rate-store";
import type { Sql, SqlTransaction } from "../sql";

const CHUNK = 2_000;

const INSERT_IMPORT = `
INSERT INTO fx_rate_imports (id, source, rate_count, latest_as_of, imported_at) VALUES ($1, $2, $3, $4, $5)`;

/**
 * The chunk's rates: new ones inserted, and every row of the chunk returned with the stored rate of its key
 * (its own, or the one already there) so that a conflicting value is found in the same statement.
 */
const INSERT_RATES = `
WITH input AS (
  SELECT r.line, r.base, r.quote, r.rate::numeric AS rate, r.as_of
    FROM jsonb_to_recordset($3::jsonb) AS r(line integer, base text, quote text, rate text, as_of timestamptz)
), inserted AS (
  INSERT INTO fx_rates (import_id, source, base, quote, rate, as_of, imported_at)
  SELECT $1, $2, i.base, i.quote, i.rate, i.as_of, $4 FROM input i
  ON CONFLICT (source, base, quote, as_of) DO NOTHING
  RETURNING base, quote, as_of
)
SELECT i.line, (SELECT count(*) FROM inserted)::integer AS inserted,
       s.rate::text AS stored_rate, i.rate::text AS file_rate
  FROM input i
  JOIN fx_rates s ON s.source = $2 AND s.base = i.base AND s.quote = i.quote AND s.as_of = i.as_of
 WHERE s.rate <> i.rate
 UNION ALL
SELECT NULL, (SELECT count(*) FROM inserted)::integer, NULL, NULL
 ORDER BY 1 NULLS LAST
 LIMIT 2`;

const INSERT_AUDIT = `
INSERT INTO operator_audit_log (operator_id, action, target_type, target_id, before, after)
VALUES ($1, $2, 'fx_rate_import', $3, $4::jsonb, $5::jsonb)`;

/**
 * The newest rate of each pair touching the given currencies, plus every EUR-based pair (for cross rates):
 * DISTINCT ON walks the (base, quote, as_of DESC, imported_at DESC) index.
 */
const LATEST_RATES = `
SELECT DISTINCT ON (base, quote) base, quote, rate::text AS rate, source, as_of
  FROM fx_rates
 WHERE base = ANY($1::text[]) OR quote = ANY($1::text[]) OR base = 'EUR'
 ORDER BY base, quote, as_of DESC, imported_at DESC`;

interface LatestRow {
  base: string;
  quote: string;
  rate: string;
  source: string;
  as_of: Date;
}

/** A numeric's text without the scale's trailing zeros ("1.084200000000" → "1.0842"). */
export function canonicalRateText(text: string): string {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

export class FxRateStoreRepository implements FxRateStore {
  constructor(private readonly sql: Sql) {}

  importRates(batch: FxRateBatch, audit: AuditDraft): Promise<FxImportResult> {
    const latestAsOf = batch.rows.reduce<Date | null>(
      (max, row) => (max === null || row.asOf > max ? row.asOf : max),
      null,
    );
    return this.sql.transaction(async (tx: SqlTransaction) => {
      await tx.execute(INSERT_IMPORT, [
        batch.id,
        batch.source,
        batch.rows.length,
        latestAsOf,
        batch.importedAt,
      ]);
      let inserted = 0;
      for (let start = 0; start < batch.rows.length; start += CHUNK) {
        const chunk = batch.rows.slice(start, start + CHUNK).map((row) => ({
          line: row.line,
          base: row.base,
          quote: row.quote,
          rate: row.rateText,
          as_of: row.asOf.toISOString(),
        }));
        const rows = await tx.query<{
          line: number | null;
          inserted: number;
          stored_rate: string | null;
          file_rate: string | null;
        }>(INSERT_RATES, [batch.id, batch.source, JSON.stringify(chunk), batch.importedAt]);
        const conflict = rows.find((row) => row.line !== null);
        if (conflict)
          throw fileInvalid(
            conflict.line,
            `the rate ${canonicalRateText(conflict.file_rate ?? "")} differs from the one already imported for that date and source (${canonicalRateText(conflict.stored_rate ?? "")})`,
          );
        inserted += rows[0]?.inserted ?? 0;
      }
      await tx.execute(INSERT_AUDIT, [
        audit.actor.operatorId,
        audit.action,
        audit.targetId,
        audit.before === null ? null : JSON.stringify(audit.before),
        JSON.stringify({ ...audit.after, inserted, actor: audit.actor.name }),
      ]);
      return {
        batchId: batch.id,
        source: batch.source,
        inserted,
        unchanged: batch.rows.length - inserted,
        latestAsOf,
      };
    });
  }

  async latestRatesFor(currencies: readonly CurrencyCode[]): Promise<DatedRate[]> {
    const rows = await this.sql.query<LatestRow>(LATEST_RATES, [currencies]);
    return rows.map((row) => {
      const ratio = parseRateText(canonicalRateText(row.rate));
      if (ratio === null)
        throw new Error(`fx_rates holds a rate that is not a positive decimal: ${row.rate}`);
      return {
        base: row.base as CurrencyCode,
        quote: row.quote as CurrencyCode,
        ...ratio,
        source: row.source,
        asOf: row.as_of,
      };
    });
  }
}
