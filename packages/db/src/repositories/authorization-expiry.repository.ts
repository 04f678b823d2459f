// Authorizations about to expire: AUTHORIZED payments (nothing in flight) whose brand's window, counted from the
// authorization's success at the PSP, closes soon. Read by the core's expireAuthorizations (warning, then void)
// and counted for the workbench's needs-attention item. The windows come in as parameters (per brand, default).
import type { MerchantId, PaymentId } from "@paycore/core/ids/ids";
import type {
  AuthorizationExpiryStore,
  AuthorizationWindows,
  DueAuthorization,
} from "@paycore/core/payments/expire-authorizations";
import type { Mode } from "@paycore/core/payments/payment-record";
import type { Sql } from "../sql";

/**
 * Each AUTHORIZED payment with its window's end: the newest successful AUTHORIZE attempt's time plus the brand's
 * days ($1 default, $2 jsonb brand -> days), and whether its warning event exists.
 */
const WITH_EXPIRY = `
WITH authorized AS (
  SELECT p.id, p.merchant_id, p.mode::text AS mode,
         a.succeeded_at + make_interval(days => COALESCE(($2::jsonb ->> lower(pm.brand))::int, $1::int))
           AS expires_at,
         EXISTS (SELECT 1 FROM payment_events e WHERE e.payment_id = p.id AND e.type = 'authorization.expiring')
           AS warned
    FROM payments p
    JOIN payment_methods pm ON pm.id = p.payment_method_id
    JOIN LATERAL (SELECT max(updated_at) AS succeeded_at FROM psp_attempts
                   WHERE payment_id = p.id AND operation = 'AUTHORIZE' AND status = 'SUCCEEDED') a ON true
   WHERE p.status = 'AUTHORIZED' AND p.pending_operation IS NULL AND a.succeeded_at IS NOT NULL
)`;

export class AuthorizationExpiryRepository implements AuthorizationExpiryStore {
  constructor(private readonly sql: Sql) {}

  async dueAuthorizations(
    now: Date,
    windows: AuthorizationWindows,
    limit: number,
  ): Promise<DueAuthorization[]> {
    const rows = await this.sql.query<{
      id: string;
      merchant_id: string;
      mode: Mode;
      expires_at: Date;
      warned: boolean;
    }>(
      `${WITH_EXPIRY}
SELECT id, merchant_id, mode, expires_at, warned FROM authorized
 WHERE (NOT warned AND expires_at - make_interval(secs => $4::float8 / 1000) <= $3::timestamptz)
    OR expires_at - make_interval(secs => $5::float8 / 1000) <= $3::timestamptz
 ORDER BY expires_at LIMIT $6`,
      [
        windows.defaultDays,
        JSON.stringify(windows.byBrand),
        now,
        windows.warnBeforeMs,
        windows.voidBeforeMs,
        Math.max(1, Math.min(limit, 500)),
      ],
    );
    return rows.map((row) => ({
      paymentId: row.id as PaymentId,
      merchantId: row.merchant_id as MerchantId,
      mode: row.mode,
      expiresAt: row.expires_at,
      warned: row.warned,
    }));
  }

  /** Authorized payments warned of their expiry and not voided or captured yet (the needs-attention count). */
  async expiringCount(now: Date, windows: AuthorizationWindows): Promise<number> {
    const [row] = await this.sql.query<{ count: bigint }>(
      `${WITH_EXPIRY}
SELECT count(*)::bigint AS count FROM authorized
 WHERE expires_at - make_interval(secs => $4::float8 / 1000) <= $3::timestamptz`,
      [windows.defaultDays, JSON.stringify(windows.byBrand), now, windows.warnBeforeMs],
    );
    return Number(row?.count ?? 0n);
  }

  /** The same payments, soonest first (bounded), for the console's list. */
  async expiring(now: Date, windows: AuthorizationWindows, limit = 100) {
    return this.sql.query<{
      id: string;
      merchant_id: string;
      mode: string;
      expires_at: Date;
      warned: boolean;
    }>(
      `${WITH_EXPIRY}
SELECT id, merchant_id, mode, expires_at, warned FROM authorized
 WHERE expires_at - make_interval(secs => $4::float8 / 1000) <= $3::timestamptz
 ORDER BY expires_at LIMIT $5`,
      [windows.defaultDays, JSON.stringify(windows.byBrand), now, windows.warnBeforeMs, Math.min(limit, 200)],
    );
  }
}
