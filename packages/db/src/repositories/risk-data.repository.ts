// Postgres reads for fraud scoring: deny/allow lists, the card's first use at
// a merchant, the merchant's amount history, and the velocity fallback used
// when Redis is unavailable. Each is one indexed round trip.
import type { ListHit, RiskContext, VelocityCounts } from "@paycore/core/fraud/risk-types";
import { newId, type RiskListEntryId } from "@paycore/core/ids/ids";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { Mode } from "@paycore/core/payments/payment-record";
import type {
  ListLookup,
  RiskDataStore,
  VelocityAttempt,
  VelocitySnapshot,
} from "@paycore/core/ports/risk-data";
import type { DatabaseClient } from "../client";

const MINUTE_MS = 60_000;
/** Merchant history looks back this far. */
const HISTORY_WINDOW_MS = 30 * 24 * 60 * MINUTE_MS;

export interface RiskListEntryRecord {
  id: RiskListEntryId;
  merchantId: string | null;
  list: "DENY" | "ALLOW";
  kind: "FINGERPRINT" | "EMAIL" | "IP" | "BIN";
  value: string;
  note: string | null;
  createdBy: string;
  createdAt: Date;
}

export class RiskDataRepository implements RiskDataStore {
  constructor(private readonly db: DatabaseClient) {}

  async listHits(lookup: ListLookup): Promise<ListHit[]> {
    const pairs = Object.entries(lookup.values).filter(([, value]) => value);
    if (pairs.length === 0) return [];
    const rows = await this.db.riskListEntry.findMany({
      where: {
        OR: pairs.map(([kind, value]) => ({ kind: kind as ListHit["kind"], value: value as string })),
        AND: [{ OR: [{ merchantId: lookup.merchantId }, { merchantId: null }] }],
      },
      select: { list: true, kind: true, note: true },
      take: 50,
    });
    return rows.map((row) => ({ list: row.list, kind: row.kind, note: row.note }));
  }

  async firstUseAtMerchant(merchantId: string, mode: Mode, cardFingerprint: string): Promise<boolean> {
    const earlier = await this.db.payment.findFirst({
      where: { merchantId, mode, cardFingerprint },
      select: { id: true },
    });
    return earlier === null;
  }

  async merchantHistory(
    merchantId: string,
    mode: Mode,
    currency: CurrencyCode,
  ): Promise<RiskContext["merchantHistory"]> {
    const since = new Date(Date.now() - HISTORY_WINDOW_MS);
    const rows = await this.db.$queryRaw<Array<{ n: bigint; mean: number | null; stddev: number | null }>>`
      SELECT count(*)::bigint AS n,
             avg(amount_captured_minor)::float8 AS mean,
             stddev_pop(amount_captured_minor)::float8 AS stddev
        FROM payments
       WHERE merchant_id = ${merchantId} AND mode = ${mode}::"Mode" AND currency = ${currency}
         AND created_at >= ${since} AND amount_captured_minor > 0`;
    const row = rows[0];
    if (!row || row.n === 0n || row.mean === null) return null;
    return { sampleCount: Number(row.n), meanMinor: row.mean, stddevMinor: row.stddev ?? 0 };
  }

  async velocityFromPayments(
    attempt: VelocityAttempt,
    smallAmountMaxMinor: bigint,
  ): Promise<VelocitySnapshot> {
    const at = attempt.at.getTime();
    const t10m = new Date(at - 10 * MINUTE_MS);
    const t1h = new Date(at - 60 * MINUTE_MS);
    const t24h = new Date(at - 24 * 60 * MINUTE_MS);
    const {
      merchantId,
      mode,
      cardFingerprint: card,
      email,
      ipAddress: ip,
      deviceId: device,
      currency,
    } = attempt;
    // The attempt being scored is not in the table yet: every count below adds it (+1).
    const rows = await this.db.$queryRaw<Array<Record<string, bigint | number | Date | null>>>`
      SELECT
        (SELECT count(*) FROM payments WHERE card_fingerprint = ${card} AND mode = ${mode}::"Mode" AND created_at >= ${t10m}) AS card10m,
        (SELECT count(*) FROM payments WHERE card_fingerprint = ${card} AND mode = ${mode}::"Mode" AND created_at >= ${t1h}) AS card1h,
        (SELECT count(*) FROM payments WHERE card_fingerprint = ${card} AND mode = ${mode}::"Mode" AND created_at >= ${t24h}) AS card24h,
        (SELECT COALESCE(sum(amount_minor), 0)::bigint FROM payments WHERE card_fingerprint = ${card} AND mode = ${mode}::"Mode" AND currency = ${currency} AND created_at >= ${t24h}) AS card_amount24h,
        (SELECT count(*) FROM payments WHERE card_fingerprint = ${card} AND mode = ${mode}::"Mode" AND created_at >= ${t10m} AND currency = ${currency} AND amount_minor <= ${smallAmountMaxMinor}) AS card_small10m,
        (SELECT count(*) FROM payments WHERE card_fingerprint = ${card} AND mode = ${mode}::"Mode" AND created_at >= ${t1h} AND status = 'DECLINED') AS card_declines1h,
        (SELECT count(*) FROM payments WHERE merchant_id = ${merchantId} AND mode = ${mode}::"Mode" AND customer_email = ${email} AND created_at >= ${t1h}) AS email1h,
        (SELECT count(*) FROM payments WHERE merchant_id = ${merchantId} AND mode = ${mode}::"Mode" AND ip_address = ${ip} AND created_at >= ${t1h}) AS ip1h,
        (SELECT count(*) FROM payments WHERE merchant_id = ${merchantId} AND mode = ${mode}::"Mode" AND ip_address = ${ip} AND created_at >= ${t10m} AND currency = ${currency} AND amount_minor <= ${smallAmountMaxMinor}) AS ip_small10m,
        (SELECT count(*) FROM payments WHERE merchant_id = ${merchantId} AND mode = ${mode}::"Mode" AND ip_address = ${ip} AND created_at >= ${t1h} AND status = 'DECLINED') AS ip_declines1h,
        (SELECT count(*) FROM payments WHERE merchant_id = ${merchantId} AND mode = ${mode}::"Mode" AND device_id = ${device} AND created_at >= ${t1h}) AS device1h,
        (SELECT count(*) FROM payments WHERE merchant_id = ${merchantId} AND mode = ${mode}::"Mode" AND created_at >= ${t10m}) AS merchant10m,
        (SELECT json_build_object('latitude', geo_latitude, 'longitude', geo_longitude, 'at', created_at)
           FROM payments WHERE card_fingerprint = ${card} AND mode = ${mode}::"Mode" AND geo_latitude IS NOT NULL
          ORDER BY created_at DESC LIMIT 1) AS previous_location`;
    const row = rows[0] ?? {};
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
    const previous = row.previous_location as unknown as {
      latitude: number;
      longitude: number;
      at: string;
    } | null;
    return {
      velocity: {
        card: counts(
          n("card10m"),
          n("card1h"),
          n("card24h"),
          BigInt(row.card_amount24h as bigint) + attempt.amountMinor,
        ),
        email: email ? counts(0, n("email1h"), 0, 0n) : null,
        ip: ip ? counts(0, n("ip1h"), 0, 0n) : null,
        device: device ? counts(0, n("device1h"), 0, 0n) : null,
        merchant: counts(n("merchant10m"), 0, 0, 0n),
        smallAttempts10m: {
          card: n("card_small10m") - 1 + small,
          ip: ip ? n("ip_small10m") - 1 + small : null,
        },
        declines1h: { card: n("card_declines1h") - 1, ip: ip ? n("ip_declines1h") - 1 : null },
      },
      previousCardLocation: previous
        ? { latitude: previous.latitude, longitude: previous.longitude, at: new Date(previous.at) }
        : null,
    };
  }

  // Operator maintenance of the lists (console and CLI).

  async addListEntry(entry: Omit<RiskListEntryRecord, "id" | "createdAt">): Promise<RiskListEntryRecord> {
    const row = await this.db.riskListEntry.create({
      data: { id: newId("riskListEntry"), ...entry },
    });
    return { ...row, id: row.id as RiskListEntryId };
  }

  async removeListEntry(id: string): Promise<boolean> {
    const { count } = await this.db.riskListEntry.deleteMany({ where: { id } });
    return count === 1;
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
