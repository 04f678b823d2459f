// Conversions (multiple currencies, issue 18), read side: the rate a payment's capture locked, the conversions
// of a page of payments (GraphQL's batched loader), and the ledger invariant's check that every conversion's
// two clearing legs are equal at its own rate.
import { convertMinor } from "@paycore/core/fx/fx-rate";
import type { PaymentId } from "@paycore/core/ids/ids";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { LockedConversion } from "@paycore/core/ports/payment-fx";
import type { Sql } from "../sql";

export interface FxConversionRecord {
  id: string;
  paymentId: PaymentId;
  refundId: string | null;
  disputeId: string | null;
  kind: "CAPTURE" | "REFUND" | "DISPUTE" | "DISPUTE_REVERSAL";
  sourceCurrency: CurrencyCode;
  sourceAmountMinor: bigint;
  settlementCurrency: CurrencyCode;
  settlementAmountMinor: bigint;
  originalSettlementMinor: bigint | null;
  feeMinor: bigint;
  fxFeeMinor: bigint;
  gainLossMinor: bigint;
  rateNumerator: bigint;
  rateDenominator: bigint;
  rateSource: string;
  rateAsOf: Date;
  ratePath: string;
  createdAt: Date;
}

const columns = (t: string) => `${t}.id, ${t}.payment_id AS "paymentId", ${t}.refund_id AS "refundId",
       ${t}.dispute_id AS "disputeId", ${t}.kind,
       ${t}.source_currency AS "sourceCurrency", ${t}.source_amount_minor AS "sourceAmountMinor",
       ${t}.settlement_currency AS "settlementCurrency", ${t}.settlement_amount_minor AS "settlementAmountMinor",
       ${t}.original_settlement_minor AS "originalSettlementMinor", ${t}.fee_minor AS "feeMinor",
       ${t}.fx_fee_minor AS "fxFeeMinor", ${t}.gain_loss_minor AS "gainLossMinor",
       ${t}.rate_numerator::text AS "rateNumerator", ${t}.rate_denominator::text AS "rateDenominator",
       ${t}.rate_source AS "rateSource", ${t}.rate_as_of AS "rateAsOf", ${t}.rate_path AS "ratePath",
       ${t}.created_at AS "createdAt"`;
const COLUMNS = columns("fx_conversions");

type Row = Omit<FxConversionRecord, "rateNumerator" | "rateDenominator"> & {
  rateNumerator: string;
  rateDenominator: string;
};

const toRecord = (row: Row): FxConversionRecord => ({
  ...row,
  rateNumerator: BigInt(row.rateNumerator),
  rateDenominator: BigInt(row.rateDenominator),
});

export class FxConversionRepository {
  constructor(private readonly sql: Sql) {}

  async captureConversionOf(paymentId: PaymentId): Promise<LockedConversion | null> {
    const [row] = await this.sql.query<Row>(
      `SELECT ${COLUMNS} FROM fx_conversions WHERE payment_id = $1 AND kind = 'CAPTURE'`,
      [paymentId],
    );
    if (row === undefined) return null;
    const record = toRecord(row);
    return {
      sourceCurrency: record.sourceCurrency,
      settlementCurrency: record.settlementCurrency,
      rate: { numerator: record.rateNumerator, denominator: record.rateDenominator },
    };
  }

  /** The capture conversions of these payments (at most one each), for a page's batched loader. */
  async captureConversionsOf(paymentIds: readonly string[]): Promise<FxConversionRecord[]> {
    if (paymentIds.length === 0) return [];
    const rows = await this.sql.query<Row>(
      `SELECT ${COLUMNS} FROM fx_conversions WHERE payment_id = ANY($1::text[]) AND kind = 'CAPTURE'`,
      [paymentIds],
    );
    return rows.map(toRecord);
  }

  /** The conversions of these refunds (at most one each). */
  async refundConversionsOf(refundIds: readonly string[]): Promise<FxConversionRecord[]> {
    if (refundIds.length === 0) return [];
    const rows = await this.sql.query<Row>(
      `SELECT ${COLUMNS} FROM fx_conversions WHERE refund_id = ANY($1::text[])`,
      [refundIds],
    );
    return rows.map(toRecord);
  }

  /** The conversions of these disputes' money movements (withdrawals and reinstatements), oldest first. */
  async disputeConversionsOf(disputeIds: readonly string[]): Promise<FxConversionRecord[]> {
    if (disputeIds.length === 0) return [];
    const rows = await this.sql.query<Row>(
      `SELECT ${COLUMNS} FROM fx_conversions WHERE dispute_id = ANY($1::text[]) ORDER BY created_at, id`,
      [disputeIds],
    );
    return rows.map(toRecord);
  }

  /**
   * The ledger invariant for conversions: each one's payment-currency leg moves exactly its source amount through
   * that currency's fx_clearing, its settlement leg exactly its settlement amount through the other's, in opposite
   * directions, and the settlement amount is the source amount at the conversion's own rate (convertMinor, one
   * half-even rounding); a refund's or dispute's original amount is the source at its capture's locked rate, and its
   * gain or loss the difference (a refund or a withdrawal: original − today; a reinstatement: today − original).
   * Money leaves through the source leg's clearing on a refund or withdrawal (debit), and comes in on a capture
   * or reinstatement (credit). Returns the ids of conversions that break it (always empty).
   */
  async conversionsNotNettingOut(limit = 100): Promise<string[]> {
    const rows = await this.sql.query<
      Row & {
        sourceClearing: string | null;
        sourceDirection: string | null;
        settlementClearing: string | null;
        settlementDirection: string | null;
        capturedNumerator: string | null;
        capturedDenominator: string | null;
      }
    >(
      `SELECT ${columns("c")},
              (SELECT sum(l.amount_minor)::text FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
                WHERE l.journal_entry_id = c.source_entry_id AND a.code = 'fx_clearing') AS "sourceClearing",
              (SELECT min(l.direction::text) FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
                WHERE l.journal_entry_id = c.source_entry_id AND a.code = 'fx_clearing') AS "sourceDirection",
              (SELECT sum(l.amount_minor)::text FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
                WHERE l.journal_entry_id = c.settlement_entry_id AND a.code = 'fx_clearing') AS "settlementClearing",
              (SELECT min(l.direction::text) FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
                WHERE l.journal_entry_id = c.settlement_entry_id AND a.code = 'fx_clearing') AS "settlementDirection",
              k.rate_numerator::text AS "capturedNumerator", k.rate_denominator::text AS "capturedDenominator"
         FROM fx_conversions c
         LEFT JOIN fx_conversions k ON k.payment_id = c.payment_id AND k.kind = 'CAPTURE' AND c.kind <> 'CAPTURE'`,
    );
    const broken: string[] = [];
    const refunds = new Map<
      string,
      { source: bigint; original: bigint; ids: string[]; locked: Parameters<typeof convertMinor>[1] }
    >();
    for (const row of rows) {
      const c = toRecord(row);
      const rate = { base: c.sourceCurrency, quote: c.settlementCurrency };
      const expected = convertMinor(c.sourceAmountMinor, {
        ...rate,
        numerator: c.rateNumerator,
        denominator: c.rateDenominator,
      });
      const incoming = c.kind === "CAPTURE" || c.kind === "DISPUTE_REVERSAL";
      const sourceDirection = incoming ? "CREDIT" : "DEBIT";
      const settlementDirection = incoming ? "DEBIT" : "CREDIT";
      const gainLoss =
        c.kind === "DISPUTE_REVERSAL"
          ? c.settlementAmountMinor - (c.originalSettlementMinor ?? 0n)
          : (c.originalSettlementMinor ?? 0n) - c.settlementAmountMinor;
      const ok =
        row.sourceClearing === c.sourceAmountMinor.toString() &&
        row.sourceDirection === sourceDirection &&
        expected === c.settlementAmountMinor &&
        (c.settlementAmountMinor === 0n
          ? row.settlementClearing === null
          : row.settlementClearing === c.settlementAmountMinor.toString() &&
            row.settlementDirection === settlementDirection) &&
        (c.kind === "CAPTURE" ||
          (row.capturedNumerator !== null &&
            row.capturedDenominator !== null &&
            // A refund is charged its share of the payment's refunds at the locked rate (checked on their totals
            // below); a dispute's movement is converted on its own.
            (c.kind === "REFUND" ||
              c.originalSettlementMinor ===
                convertMinor(c.sourceAmountMinor, {
                  ...rate,
                  numerator: BigInt(row.capturedNumerator),
                  denominator: BigInt(row.capturedDenominator),
                })) &&
            c.gainLossMinor === gainLoss));
      if (!ok) broken.push(c.id);
      if (broken.length >= limit) break;
      if (c.kind === "REFUND" && row.capturedNumerator !== null && row.capturedDenominator !== null) {
        const total = refunds.get(c.paymentId) ?? {
          source: 0n,
          original: 0n,
          ids: [],
          locked: {
            ...rate,
            numerator: BigInt(row.capturedNumerator),
            denominator: BigInt(row.capturedDenominator),
          },
        };
        total.source += c.sourceAmountMinor;
        total.original += c.originalSettlementMinor ?? 0n;
        total.ids.push(c.id);
        refunds.set(c.paymentId, total);
      }
    }
    // A payment's refunds together are charged the locked conversion of their total, rounded once.
    for (const total of refunds.values())
      if (total.original !== convertMinor(total.source, total.locked)) broken.push(...total.ids);
    return broken.slice(0, limit);
  }
}
