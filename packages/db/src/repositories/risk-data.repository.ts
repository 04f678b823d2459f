// Postgres reads for fraud scoring: deny/allow lists, the card's first use at
// a merchant, the merchant's amount history, and the velocity fallback used
// when Redis is unavailable. Each is one indexed round trip, run on every
// createPayment, so through node-postgres (../sql.ts). The operators' list
// reads below it go through Prisma; their writes are in risk-list-store.repository.ts.

import type { ListHit, RiskContext, VelocityCounts } from "@paycore/core/fraud/risk-types";
import type { RiskListEntryId } from "@paycore/core/ids/ids";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { Mode } from "@paycore/core/payments/payment-record";
import type {
  CardContext,
  ListLookup,
  RiskDataStore,
  VelocityAttempt,
  VelocitySnapshot,
} from "@paycore/core/ports/risk-data";
import type { RiskListEntryRecord } from "@paycore/core/ports/risk-list-store";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import type { DatabaseClient } from "../client";
import { openPaymentLocation } from "../mappers/payment.mapper";
import type { Sql } from "../sql";

const MINUTE_MS = 60_000;
/** Merchant history looks back this far. */
const HISTORY_WINDOW_MS = 30 * 24 * 60 * MINUTE_MS;

/**
 * Deny/allow entries for $1 kinds and $2 values (pairwise) that apply to merchant $3 (its own and the global
 * ones), and whether card $5 is new at the merchant in mode $4: a probe of card_first_uses's primary key, which
 * finds at most one row whatever the planner thinks of payments (a NOT EXISTS over payments scanned the table
 * under a generic plan when its statistics were skewed).
 */
const CARD_CONTEXT = `SELECT ${cardContextColumns("unnest($1::text[], $2::text[])", "$3", '$4::"Mode"', "$5")}`;

/**
 * CARD_CONTEXT's two columns, `hits` and `first_use`, as SQL over expressions: `pairs` a relation of (kind, value)
 * text pairs, `merchant`, `mode` and `fingerprint`. The payment store reads them with the card itself, from its
 * row (payment-store.repository.ts, one round trip for both).
 */
export function cardContextColumns(
  pairs: string,
  merchant: string,
  mode: string,
  fingerprint: string,
): string {
  return `
  (SELECT COALESCE(json_agg(json_build_object('list', h.list, 'kind', h.kind, 'note', h.note)), '[]'::json)
     FROM (SELECT list, kind, note FROM risk_list_entries
            WHERE (kind, value) IN (SELECT k::"RiskListKind", v FROM ${pairs} AS u(k, v))
              AND (merchant_id = ${merchant} OR merchant_id IS NULL)
            LIMIT 50) AS h) AS hits,
  NOT EXISTS (SELECT 1 FROM card_first_uses
               WHERE merchant_id = ${merchant} AND mode = ${mode} AND card_fingerprint = ${fingerprint}) AS first_use`;
}

const MERCHANT_HISTORY = `
SELECT count(*) AS n, avg(amount_captured_minor)::float8 AS mean, stddev_pop(amount_captured_minor)::float8 AS stddev
  FROM payments
 WHERE merchant_id = $1 AND mode = $2::"Mode" AND currency = $3 AND created_at >= $4::timestamptz
   AND amount_captured_minor > 0`;

/**
 * $1 card fingerprint, $2 mode, $3–$5 10 minutes, 1 hour and 24 hours ago, $6 currency, $7 the largest "small"
 * amount, $8 merchant, $9 email's and $10 IP's blind indexes (issue 22: the columns are sealed), $11 device. The
 * card's previous location is one row (the newest located payment of the card in the mode, through the partial
 * index payments_card_fingerprint_located_idx), sealed at its own merchant: opened here, in the app. Amounts are
 * summed and compared as numeric and the sum returned as text: a card's day of large payments may add up past a signed 64-bit integer, which the ::bigint
 * cast turned into an error (and the fallback into a 500).
 */
const VELOCITY_FROM_PAYMENTS = `
SELECT
  (SELECT count(*) FROM payments WHERE card_fingerprint = $1 AND mode = $2::"Mode" AND created_at >= $3::timestamptz) AS card10m,
  (SELECT count(*) FROM payments WHERE card_fingerprint = $1 AND mode = $2::"Mode" AND created_at >= $4::timestamptz) AS card1h,
  (SELECT count(*) FROM payments WHERE card_fingerprint = $1 AND mode = $2::"Mode" AND created_at >= $5::timestamptz) AS card24h,
  (SELECT COALESCE(sum(amount_minor), 0)::text FROM payments
    WHERE card_fingerprint = $1 AND mode = $2::"Mode" AND currency = $6 AND created_at >= $5::timestamptz) AS card_amount24h,
  (SELECT count(*) FROM payments WHERE card_fingerprint = $1 AND mode = $2::"Mode" AND created_at >= $3::timestamptz
      AND currency = $6 AND amount_minor <= $7::numeric) AS card_small10m,
  (SELECT count(*) FROM payments WHERE card_fingerprint = $1 AND mode = $2::"Mode" AND created_at >= $4::timestamptz
      AND status = 'DECLINED') AS card_declines1h,
  (SELECT count(*) FROM payments WHERE merchant_id = $8 AND mode = $2::"Mode" AND customer_email_bidx = $9
      AND created_at >= $4::timestamptz) AS email1h,
  (SELECT count(*) FROM payments WHERE merchant_id = $8 AND mode = $2::"Mode" AND ip_address_bidx = $10
      AND created_at >= $4::timestamptz) AS ip1h,
  (SELECT count(*) FROM payments WHERE merchant_id = $8 AND mode = $2::"Mode" AND ip_address_bidx = $10
      AND created_at >= $3::timestamptz AND currency = $6 AND amount_minor <= $7::numeric) AS ip_small10m,
  (SELECT count(*) FROM payments WHERE merchant_id = $8 AND mode = $2::"Mode" AND ip_address_bidx = $10
      AND created_at >= $4::timestamptz AND status = 'DECLINED') AS ip_declines1h,
  (SELECT count(*) FROM payments WHERE merchant_id = $8 AND mode = $2::"Mode" AND device_id = $11
      AND created_at >= $4::timestamptz) AS device1h,
  (SELECT count(*) FROM payments WHERE merchant_id = $8 AND mode = $2::"Mode" AND created_at >= $3::timestamptz) AS merchant10m,
  (SELECT json_build_object('merchantId', merchant_id, 'sealed', geo_location, 'latitude', geo_latitude,
                            'longitude', geo_longitude, 'at', created_at)
     FROM payments WHERE card_fingerprint = $1 AND mode = $2::"Mode"
      AND (geo_location IS NOT NULL OR geo_latitude IS NOT NULL)
    ORDER BY created_at DESC LIMIT 1) AS previous_location`;

/** The previous located payment of a card as VELOCITY_FROM_PAYMENTS returns it. */
interface StoredLocation {
  merchantId: string;
  sealed: string | null;
  latitude: number | null;
  longitude: number | null;
  at: string;
}

export type { RiskListEntryRecord } from "@paycore/core/ports/risk-list-store";

export class RiskDataRepository implements RiskDataStore {
  constructor(
    private readonly sql: Sql,
    /** Velocity by e-mail and IP counts through their blind indexes. */
    private readonly pii: PiiVault,
  ) {}

  async cardContext(lookup: ListLookup & { mode: Mode; cardFingerprint: string }): Promise<CardContext> {
    const pairs = Object.entries(lookup.values).filter(([, value]) => value);
    const [row] = await this.sql.query<{ hits: ListHit[]; first_use: boolean }>(CARD_CONTEXT, [
      pairs.map(([kind]) => kind),
      pairs.map(([, value]) => value),
      lookup.merchantId,
      lookup.mode,
      lookup.cardFingerprint,
    ]);
    return { listHits: row?.hits ?? [], firstUseAtMerchant: row?.first_use ?? true };
  }

  async merchantHistory(
    merchantId: string,
    mode: Mode,
    currency: CurrencyCode,
  ): Promise<RiskContext["merchantHistory"]> {
    const since = new Date(Date.now() - HISTORY_WINDOW_MS);
    const [row] = await this.sql.query<{ n: bigint; mean: number | null; stddev: number | null }>(
      MERCHANT_HISTORY,
      [merchantId, mode, currency, since],
    );
    if (!row || row.n === 0n || row.mean === null) return null;
    return { sampleCount: Number(row.n), meanMinor: row.mean, stddevMinor: row.stddev ?? 0 };
  }

  async velocityFromPayments(
    attempt: VelocityAttempt,
    smallAmountMaxMinor: bigint,
  ): Promise<VelocitySnapshot> {
    const at = attempt.at.getTime();
    const { merchantId, mode, cardFingerprint, email, ipAddress, deviceId, currency } = attempt;
    const [row = {}] = await this.sql.query<Record<string, bigint | number | string | Date | null>>(
      VELOCITY_FROM_PAYMENTS,
      [
        cardFingerprint,
        mode,
        new Date(at - 10 * MINUTE_MS),
        new Date(at - 60 * MINUTE_MS),
        new Date(at - 24 * 60 * MINUTE_MS),
        currency,
        smallAmountMaxMinor,
        merchantId,
        this.pii.blindIndex("email", email),
        this.pii.blindIndex("ip", ipAddress),
        deviceId,
      ],
    );
    // The attempt being scored is not in the table yet: every count below adds it (+1).
    const n = (key: string) => Number(row[key] ?? 0) + 1;
    const small = attempt.small ? 1 : 0;
    const counts = (
      count10m: number,
      count1h: number,
      count24h: number,
      amount24hMinor: bigint,
    ): VelocityCounts => ({
      count10m,
      count1h,
      count24h,
      amount24hMinor,
    });
    const previous = this.openLocation(row.previous_location as unknown as StoredLocation | null);
    return {
      velocity: {
        card: counts(
          n("card10m"),
          n("card1h"),
          n("card24h"),
          BigInt((row.card_amount24h as string | null) ?? "0") + attempt.amountMinor,
        ),
        email: email ? counts(0, n("email1h"), 0, 0n) : null,
        ip: ipAddress ? counts(0, n("ip1h"), 0, 0n) : null,
        device: deviceId ? counts(0, n("device1h"), 0, 0n) : null,
        merchant: counts(n("merchant10m"), 0, 0, 0n),
        smallAttempts10m: {
          card: n("card_small10m") - 1 + small,
          ip: ipAddress ? n("ip_small10m") - 1 + small : null,
        },
        declines1h: { card: n("card_declines1h") - 1, ip: ipAddress ? n("ip_declines1h") - 1 : null },
      },
      previousCardLocation: previous,
    };
  }

  /** The sealed location (a legacy row: its clear columns) of the card's previous payment, as the rule reads it. */
  private openLocation(stored: StoredLocation | null): RiskContext["previousCardLocation"] {
    if (stored === null) return null;
    const { geoLatitude, geoLongitude } = openPaymentLocation(
      {
        merchantId: stored.merchantId,
        geoLocation: stored.sealed,
        geoLatitude: stored.latitude,
        geoLongitude: stored.longitude,
      },
      this.pii,
    );
    return geoLatitude === null || geoLongitude === null
      ? null
      : { latitude: geoLatitude, longitude: geoLongitude, at: new Date(stored.at) };
  }
}

/** Operators' deny and allow lists, read side; changes go through the core's RiskListCommands. */
export class RiskListRepository {
  constructor(private readonly db: DatabaseClient) {}

  async findEntry(id: string): Promise<RiskListEntryRecord | null> {
    const row = await this.db.riskListEntry.findUnique({ where: { id } });
    return row === null ? null : { ...row, id: row.id as RiskListEntryId };
  }

  async listEntries(
    filter: { merchantId?: string | null; list?: "DENY" | "ALLOW" },
    limit = 200,
  ): Promise<RiskListEntryRecord[]> {
    const rows = await this.db.riskListEntry.findMany({
      where: {
        ...(filter.merchantId !== undefined ? { merchantId: filter.merchantId } : {}),
        ...(filter.list ? { list: filter.list } : {}),
      },
      orderBy: { createdAt: "desc" },
      take: Math.min(limit, 1000),
    });
    return rows.map((row) => ({ ...row, id: row.id as RiskListEntryId }));
  }
}
