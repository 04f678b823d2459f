// Balances, balance transactions, payouts and bank accounts: the read side, every query scoped by merchant and
// mode. Sums are numeric, returned as text and parsed to bigint (a balance past 2^63 is answered exactly).
import type { MerchantId } from "@paycore/core/ids/ids";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { Mode } from "@paycore/core/payments/payment-record";
import type { PayoutStatus } from "@paycore/core/payouts/payout-state-machine";
import type {
  BankAccountRecord,
  PayoutRecord,
  PayoutSchedule,
  ReservePolicyRecord,
} from "@paycore/core/ports/payout-store";
import type { Sql } from "../sql";
import { BANK_ACCOUNT_COLUMNS, PAYOUT_COLUMNS } from "./payout-store.repository";

export const BALANCE_TRANSACTION_TYPES = [
  "charge",
  "refund",
  // A bank-transfer refund the payer's bank sent back after it was paid (Stripe's refund_failure): funds come back.
  "refund_failure",
  "dispute",
  "dispute_reversal",
  "payout",
  "payout_failure",
  "adjustment",
  "fx",
  // Reserves: between the available and the reserved parts (the total balance does not change).
  "reserve_hold",
  "reserve_release",
] as const;
export type BalanceTransactionType = (typeof BALANCE_TRANSACTION_TYPES)[number];

export interface BalancePartsRecord {
  currency: CurrencyCode;
  availableMinor: bigint;
  pendingMinor: bigint;
  reservedMinor: bigint;
}

export interface BalanceTransactionRecord {
  /** The journal entry's id: one balance transaction per ledger movement. */
  id: string;
  type: BalanceTransactionType;
  amountMinor: bigint;
  feeMinor: bigint;
  netMinor: bigint;
  currency: CurrencyCode;
  sourceId: string | null;
  availableOn: Date;
  createdAt: Date;
}

export interface BalanceTransactionFilter {
  type: BalanceTransactionType | null;
  payoutId: string | null;
  createdAfter: Date | null;
  createdBefore: Date | null;
}

export interface PageRequest {
  direction: "forward" | "backward";
  size: number;
  cursor: { createdAt: Date; id: string } | null;
}

interface Actor {
  merchantId: MerchantId | string;
  mode: Mode;
}

const MERCHANT_ACCOUNTS = "('merchant_balance', 'merchant_pending', 'merchant_reserved')";

/**
 * One row per journal entry of the merchant that moves its balance (available + pending + reserved), and every
 * capture. A release (pending -> available) moves nothing in total and is not listed. net: the change of the
 * merchant's balance; fee: our fee in the entry; amount = net + fee (Stripe's gross). A reserve hold or release
 * moves funds between available and reserved: net 0 (the total is unchanged), amount its change of available.
 */
const BALANCE_TRANSACTIONS = `
WITH moves AS (
  SELECT e.id, e.kind, e.currency, e.created_at, e.payment_id, e.refund_id, e.dispute_id, e.payout_id,
         COALESCE(SUM(CASE WHEN a.code IN ${MERCHANT_ACCOUNTS} THEN
                        CASE l.direction WHEN 'CREDIT' THEN l.amount_minor::numeric ELSE -l.amount_minor::numeric END
                      END), 0) AS net,
         COALESCE(SUM(CASE WHEN a.code = 'fee_revenue' AND l.direction = 'CREDIT' THEN l.amount_minor::numeric END), 0)
           AS fee,
         COALESCE(SUM(CASE WHEN a.code = 'merchant_balance' THEN
                        CASE l.direction WHEN 'CREDIT' THEN l.amount_minor::numeric ELSE -l.amount_minor::numeric END
                      END), 0) AS available,
         bool_or(a.code IN ${MERCHANT_ACCOUNTS}) AS touches
    FROM journal_entries e
    JOIN ledger_lines l ON l.journal_entry_id = e.id
    JOIN ledger_accounts a ON a.id = l.account_id
   WHERE e.merchant_id = $1 AND e.mode = $2::"Mode" AND e.kind <> 'balance.released'
     AND ($3::text IS NULL OR e.id IN (SELECT i.journal_entry_id FROM payout_items i
                                        JOIN payouts po ON po.id = i.payout_id
                                       WHERE i.payout_id = $3 AND po.merchant_id = $1 AND po.mode = $2::"Mode"))
     AND ($3::text IS NULL OR e.payout_id IS DISTINCT FROM $3)
     AND ($4::timestamptz IS NULL OR e.created_at > $4)
     AND ($5::timestamptz IS NULL OR e.created_at < $5)
     AND ($6::timestamptz IS NULL OR (e.created_at, e.id) < ($6, $7::text))
     AND ($8::timestamptz IS NULL OR (e.created_at, e.id) > ($8, $9::text))
   GROUP BY e.id, e.created_at
), typed AS (
  SELECT m.*,
         CASE
           WHEN m.kind = 'payment.captured' THEN 'charge'
           WHEN m.kind = 'refund.succeeded' THEN 'refund'
           WHEN m.kind = 'refund.returned' THEN 'refund_failure'
           WHEN m.kind = 'dispute.funds_withdrawn' THEN 'dispute'
           WHEN m.kind = 'dispute.funds_reinstated' THEN 'dispute_reversal'
           -- A converted payment's dispute moves the merchant's balance in its settlement currency only.
           WHEN m.kind = 'fx.dispute_conversion' THEN 'dispute'
           WHEN m.kind = 'fx.dispute_reversal_conversion' THEN 'dispute_reversal'
           WHEN m.kind = 'payout.created' THEN 'payout'
           WHEN m.kind IN ('payout.failed', 'payout.canceled', 'payout.returned') THEN 'payout_failure'
           WHEN m.kind LIKE 'fx.%' THEN 'fx'
           WHEN m.kind = 'reserve.held' THEN 'reserve_hold'
           WHEN m.kind = 'reserve.released' THEN 'reserve_release'
           ELSE 'adjustment'
         END AS type
    FROM moves m
   WHERE m.touches OR m.kind = 'payment.captured'
)
SELECT t.id, t.type,
       (CASE WHEN t.type IN ('reserve_hold', 'reserve_release') THEN t.available ELSE t.net + t.fee END)::text AS amount, t.fee::text AS fee, t.net::text AS net, t.currency,
       COALESCE(t.refund_id, t.dispute_id, t.payout_id, t.payment_id) AS "sourceId",
       COALESCE(pr.available_on, t.created_at) AS "availableOn", t.created_at AS "createdAt"
  FROM typed t
  LEFT JOIN pending_releases pr ON pr.journal_entry_id = t.id
 WHERE ($10::text IS NULL OR t.type = $10)
 ORDER BY t.created_at __DIR__, t.id __DIR__
 LIMIT $11`;

const FORWARD = BALANCE_TRANSACTIONS.replaceAll("__DIR__", "DESC");
const BACKWARD = BALANCE_TRANSACTIONS.replaceAll("__DIR__", "ASC");

export class PayoutRepository {
  constructor(private readonly sql: Sql) {}

  /** Available, pending and reserved per currency, from the ledger. */
  async balances(actor: Actor): Promise<BalancePartsRecord[]> {
    const rows = await this.sql.query<{ currency: string; code: string; balance: string }>(
      `SELECT a.currency, a.code,
              COALESCE(SUM(CASE l.direction WHEN 'CREDIT' THEN l.amount_minor::numeric
                                            ELSE -l.amount_minor::numeric END), 0)::text AS balance
         FROM ledger_accounts a
         LEFT JOIN ledger_lines l ON l.account_id = a.id
        WHERE a.merchant_id = $1 AND a.mode = $2::"Mode" AND a.code IN ${MERCHANT_ACCOUNTS}
        GROUP BY a.currency, a.code
        ORDER BY a.currency`,
      [actor.merchantId, actor.mode],
    );
    const byCurrency = new Map<string, BalancePartsRecord>();
    for (const row of rows) {
      const currency = row.currency as CurrencyCode;
      const parts = byCurrency.get(currency) ?? {
        currency,
        availableMinor: 0n,
        pendingMinor: 0n,
        reservedMinor: 0n,
      };
      const amount = BigInt(row.balance);
      if (row.code === "merchant_balance") parts.availableMinor = amount;
      else if (row.code === "merchant_pending") parts.pendingMinor = amount;
      else parts.reservedMinor = amount;
      byCurrency.set(currency, parts);
    }
    return [...byCurrency.values()];
  }

  /** A page of balance transactions, newest first; one more row than asked tells whether more lie beyond. */
  async balanceTransactions(
    actor: Actor,
    filter: BalanceTransactionFilter,
    page: PageRequest,
  ): Promise<{ rows: BalanceTransactionRecord[]; hasMore: boolean }> {
    const forward = page.direction === "forward";
    const rows = await this.sql.query<{
      id: string;
      type: BalanceTransactionType;
      amount: string;
      fee: string;
      net: string;
      currency: string;
      sourceId: string | null;
      availableOn: Date;
      createdAt: Date;
    }>(forward ? FORWARD : BACKWARD, [
      actor.merchantId,
      actor.mode,
      filter.payoutId,
      filter.createdAfter,
      filter.createdBefore,
      forward ? (page.cursor?.createdAt ?? null) : null,
      forward ? (page.cursor?.id ?? null) : null,
      forward ? null : (page.cursor?.createdAt ?? null),
      forward ? null : (page.cursor?.id ?? null),
      filter.type,
      page.size + 1,
    ]);
    const hasMore = rows.length > page.size;
    const kept = rows.slice(0, page.size).map((row) => ({
      id: row.id,
      type: row.type,
      amountMinor: BigInt(row.amount),
      feeMinor: BigInt(row.fee),
      netMinor: BigInt(row.net),
      currency: row.currency as CurrencyCode,
      sourceId: row.sourceId,
      availableOn: row.availableOn,
      createdAt: row.createdAt,
    }));
    return { rows: forward ? kept : kept.reverse(), hasMore };
  }

  async payout(actor: Actor, id: string): Promise<PayoutRecord | null> {
    const rows = await this.sql.query<PayoutRecord>(
      `SELECT ${PAYOUT_COLUMNS} FROM payouts WHERE id = $1 AND merchant_id = $2 AND mode = $3::"Mode"`,
      [id, actor.merchantId, actor.mode],
    );
    return rows[0] ?? null;
  }

  /** Newest first; `before` a payout id pages on. */
  async payouts(
    actor: Actor,
    options: { first: number; before: string | null; status: PayoutStatus | null },
  ): Promise<PayoutRecord[]> {
    return this.sql.query<PayoutRecord>(
      `SELECT ${PAYOUT_COLUMNS} FROM payouts
        WHERE merchant_id = $1 AND mode = $2::"Mode"
          AND ($3::text IS NULL OR (created_at, id) < (SELECT created_at, id FROM payouts WHERE id = $3))
          AND ($4::text IS NULL OR status = $4::"PayoutStatus")
        ORDER BY created_at DESC, id DESC LIMIT $5`,
      [actor.merchantId, actor.mode, options.before, options.status, options.first],
    );
  }

  /** node/nodes: the payouts of these ids that the actor's merchant and mode own (others are left out). */
  async payoutsByIds(actor: Actor, ids: readonly string[]): Promise<PayoutRecord[]> {
    return this.sql.query<PayoutRecord>(
      `SELECT ${PAYOUT_COLUMNS} FROM payouts WHERE id = ANY($1::text[]) AND merchant_id = $2 AND mode = $3::"Mode"`,
      [ids, actor.merchantId, actor.mode],
    );
  }

  /** node/nodes: the bank accounts of these ids that the actor's merchant and mode own. */
  async bankAccountsByIds(actor: Actor, ids: readonly string[]): Promise<BankAccountRecord[]> {
    return this.sql.query<BankAccountRecord>(
      `SELECT ${BANK_ACCOUNT_COLUMNS} FROM bank_accounts
        WHERE id = ANY($1::text[]) AND merchant_id = $2 AND mode = $3::"Mode"`,
      [ids, actor.merchantId, actor.mode],
    );
  }

  async bankAccounts(actor: Actor): Promise<BankAccountRecord[]> {
    return this.sql.query<BankAccountRecord>(
      `SELECT ${BANK_ACCOUNT_COLUMNS} FROM bank_accounts WHERE merchant_id = $1 AND mode = $2::"Mode"
        ORDER BY created_at DESC, id DESC LIMIT 100`,
      [actor.merchantId, actor.mode],
    );
  }

  async bankAccount(actor: Actor, id: string): Promise<BankAccountRecord | null> {
    const rows = await this.sql.query<BankAccountRecord>(
      `SELECT ${BANK_ACCOUNT_COLUMNS} FROM bank_accounts WHERE id = $1 AND merchant_id = $2 AND mode = $3::"Mode"`,
      [id, actor.merchantId, actor.mode],
    );
    return rows[0] ?? null;
  }

  async schedules(actor: Actor): Promise<PayoutSchedule[]> {
    return this.sql.query<PayoutSchedule>(
      `SELECT merchant_id AS "merchantId", mode, currency, interval, delay_days AS "delayDays",
              weekly_anchor AS "weeklyAnchor", monthly_anchor AS "monthlyAnchor", minimum_minor AS "minimumMinor",
              next_run_at AS "nextRunAt"
         FROM payout_schedules WHERE merchant_id = $1 AND mode = $2::"Mode" ORDER BY currency LIMIT 200`,
      [actor.merchantId, actor.mode],
    );
  }

  async reservePolicies(actor: Actor): Promise<ReservePolicyRecord[]> {
    return this.sql.query<ReservePolicyRecord>(
      `SELECT merchant_id AS "merchantId", mode, currency, rolling_bps AS "rollingBps",
              rolling_days AS "rollingDays", fixed_minor AS "fixedMinor", updated_at AS "updatedAt"
         FROM reserve_policies WHERE merchant_id = $1 AND mode = $2::"Mode" ORDER BY currency LIMIT 200`,
      [actor.merchantId, actor.mode],
    );
  }

  async payoutsPaused(actor: Actor): Promise<boolean> {
    const rows = await this.sql.query<{ paused: boolean }>(
      `SELECT paused FROM payout_settings WHERE merchant_id = $1 AND mode = $2::"Mode"`,
      [actor.merchantId, actor.mode],
    );
    return rows[0]?.paused ?? false;
  }

  /** The ledger check for payouts: each payout's entries agree with its status (must always be empty). */
  async payoutsDisagreeingWithLedger(limit = 100): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      `SELECT p.id FROM payouts p
         LEFT JOIN LATERAL (
           SELECT COALESCE(SUM(CASE WHEN a.code = 'payouts_in_transit' THEN
                    CASE l.direction WHEN 'CREDIT' THEN l.amount_minor::numeric ELSE -l.amount_minor::numeric END END), 0)
                    AS in_transit,
                  COALESCE(SUM(CASE WHEN a.code = 'payout_bank' THEN
                    CASE l.direction WHEN 'CREDIT' THEN l.amount_minor::numeric ELSE -l.amount_minor::numeric END END), 0)
                    AS paid_out
             FROM journal_entries e JOIN ledger_lines l ON l.journal_entry_id = e.id
             JOIN ledger_accounts a ON a.id = l.account_id
            WHERE e.payout_id = p.id
         ) j ON true
        WHERE j.in_transit <> CASE WHEN p.status IN ('PENDING', 'IN_TRANSIT') THEN p.amount_minor ELSE 0 END
           OR j.paid_out <> CASE WHEN p.status = 'PAID' THEN p.amount_minor ELSE 0 END
        LIMIT $1`,
      [limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Accounts whose pending balance differs from their unreleased pending funds (must always be empty): every
   * credit to merchant_pending waits in pending_releases until its one release entry moves it to available.
   */
  async pendingDisagreeingWithReleases(limit = 100): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      `SELECT a.id FROM ledger_accounts a
         LEFT JOIN LATERAL (
           SELECT COALESCE(SUM(CASE l.direction WHEN 'CREDIT' THEN l.amount_minor::numeric
                                                ELSE -l.amount_minor::numeric END), 0) AS pending
             FROM ledger_lines l WHERE l.account_id = a.id) b ON true
         LEFT JOIN LATERAL (
           SELECT COALESCE(SUM(r.amount_minor::numeric), 0) AS waiting FROM pending_releases r
            WHERE r.merchant_id = a.merchant_id AND r.mode = a.mode AND r.currency = a.currency
              AND r.released_entry_id IS NULL) w ON true
        WHERE a.code = 'merchant_pending' AND b.pending <> w.waiting
        LIMIT $1`,
      [limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Accounts whose reserved balance differs from their unreleased rolling holds plus the fixed reserve in force
   * (must always be empty): merchant_reserved moves only by those.
   */
  async reservedDisagreeingWithHolds(limit = 100): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      `SELECT a.id FROM ledger_accounts a
         LEFT JOIN LATERAL (
           SELECT COALESCE(SUM(CASE l.direction WHEN 'CREDIT' THEN l.amount_minor::numeric
                                                ELSE -l.amount_minor::numeric END), 0) AS reserved
             FROM ledger_lines l WHERE l.account_id = a.id) b ON true
         LEFT JOIN LATERAL (
           SELECT COALESCE(SUM(h.amount_minor::numeric), 0) AS held FROM reserve_holds h
            WHERE h.merchant_id = a.merchant_id AND h.mode = a.mode AND h.currency = a.currency
              AND h.released_entry_id IS NULL) h ON true
         LEFT JOIN reserve_policies p
           ON p.merchant_id = a.merchant_id AND p.mode = a.mode AND p.currency = a.currency
        WHERE a.code = 'merchant_reserved' AND b.reserved <> h.held + COALESCE(p.fixed_minor, 0)
        LIMIT $1`,
      [limit],
    );
    return rows.map((row) => row.id);
  }
}
