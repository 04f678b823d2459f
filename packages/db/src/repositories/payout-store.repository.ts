// Bank accounts, payouts, payout settings and schedules, and the release of pending funds: the store behind the
// core's PayoutCommands (node-postgres). A payout change is one transaction: the payout (one update per status
// step, conditional on its version and bank call count; the table's trigger checks the edge and that the version
// advances by one per status change and not otherwise), its audit events, outbox messages, journal entries
// (each with its source-event key: a repeat raises a unique violation and writes nothing), the bank notification
// that caused it, and the operator's audit row. A new payout locks the merchant's available-balance account row
// (one per merchant, mode and currency) before it reads the balance, so concurrent payouts cannot overdraw it.
import { DomainError } from "@paycore/core/errors/domain-error";
import type { MerchantId } from "@paycore/core/ids/ids";
import { newId } from "@paycore/core/ids/ids";
import {
  type JournalEntryDraft,
  LEDGER_ACCOUNTS,
  type LedgerAccountCode,
} from "@paycore/core/ledger/postings";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { Mode } from "@paycore/core/payments/payment-record";
import type { ReservePolicy } from "@paycore/core/payouts/reserves";
import type { AuditDraft } from "@paycore/core/ports/audit";
import type {
  BankAccountChange,
  BankAccountEventDraft,
  BankAccountRecord,
  BankCallState,
  DueRelease,
  NewBankAccount,
  NewPayout,
  PayoutChange,
  PayoutEventDraft,
  PayoutRecord,
  PayoutSchedule,
  PayoutStore,
  ReleasePlan,
  ReservePolicyRecord,
} from "@paycore/core/ports/payout-store";
import type { EncryptedPan } from "@paycore/core/vault/card-vault";
import { type Sql, type SqlTransaction, sqlState } from "../sql";
import { INSERT_LEDGER_ACCOUNTS, SELECT_LEDGER_ACCOUNTS } from "./payment-sql";

const UNIQUE = "23505";

export const BANK_ACCOUNT_COLUMNS = `id, merchant_id AS "merchantId", mode, rail, country, currency,
  holder_name AS "holderName", bank_name AS "bankName", last4, routing_number AS "routingNumber", status,
  verified_at AS "verifiedAt", created_at AS "createdAt", verification_method AS "verificationMethod",
  micro_deposits_sent_at AS "microDepositsSentAt", verification_attempts AS "verificationAttempts", version,
  updated_at AS "updatedAt"`;

const SCHEDULE_COLUMNS = `merchant_id AS "merchantId", mode, currency, interval, delay_days AS "delayDays",
  weekly_anchor AS "weeklyAnchor", monthly_anchor AS "monthlyAnchor", minimum_minor AS "minimumMinor",
  next_run_at AS "nextRunAt"`;

const RESERVE_COLUMNS = `merchant_id AS "merchantId", mode, currency, rolling_bps AS "rollingBps",
  rolling_days AS "rollingDays", fixed_minor AS "fixedMinor", updated_at AS "updatedAt"`;

export const PAYOUT_COLUMNS = `id, merchant_id AS "merchantId", mode, currency, amount_minor AS "amountMinor",
  bank_account_id AS "bankAccountId", status, method, bank_call AS "bankCall", bank_call_count AS "bankCallCount",
  next_bank_call_at AS "nextBankCallAt", bank_reference AS "bankReference", failure_code AS "failureCode",
  retry_of AS "retryOf", version, created_at AS "createdAt", updated_at AS "updatedAt"`;

/** Thrown inside a transaction to roll it back and answer a code. */
class Abort extends Error {
  constructor(readonly outcome: "conflict" | "duplicate") {
    super(outcome);
  }
}

const INSERT_AUDIT = `
INSERT INTO operator_audit_log (operator_id, action, target_type, target_id, before, after)
VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)`;

async function insertAudit(tx: SqlTransaction, audit: AuditDraft, targetType: string): Promise<void> {
  await tx.execute(INSERT_AUDIT, [
    audit.actor.operatorId,
    audit.action,
    targetType,
    audit.targetId,
    audit.before === null ? null : JSON.stringify(audit.before),
    JSON.stringify({ ...audit.after, actor: audit.actor.name }),
  ]);
}

const INSERT_EVENT = `
INSERT INTO payout_events (payout_id, merchant_id, type, old_status, new_status, source, actor, data)
VALUES ($1, $2, $3, $4::"PayoutStatus", $5::"PayoutStatus", $6::"EventSource", $7, $8::jsonb)`;

const INSERT_OUTBOX = `
INSERT INTO outbox_messages (merchant_id, mode, topic, aggregate_id, payload)
VALUES ($1, $2::"Mode", $3, $4, $5::jsonb)`;

const INSERT_ENTRY = `
INSERT INTO journal_entries (id, merchant_id, mode, kind, currency, payout_id, source_event_key)
VALUES ($1, $2, $3::"Mode", $4, $5, $6, $7)`;

const INSERT_LINE = `
INSERT INTO ledger_lines (journal_entry_id, account_id, direction, amount_minor, currency)
VALUES ($1, $2, $3::"EntryDirection", $4, $5)`;

/** The merchant's accounts in this mode and currency, created on first use. */
export async function ledgerAccountIds(
  tx: SqlTransaction,
  merchantId: string,
  mode: Mode,
  currency: string,
): Promise<Record<LedgerAccountCode, string>> {
  const codes = Object.keys(LEDGER_ACCOUNTS) as LedgerAccountCode[];
  await tx.execute(INSERT_LEDGER_ACCOUNTS, [
    merchantId,
    mode,
    currency,
    JSON.stringify(codes.map((code) => ({ id: newId("ledgerAccount"), code, type: LEDGER_ACCOUNTS[code] }))),
  ]);
  const rows = await tx.query<{ id: string; code: string }>(SELECT_LEDGER_ACCOUNTS, [
    merchantId,
    mode,
    currency,
    codes,
  ]);
  return Object.fromEntries(rows.map((row) => [row.code, row.id])) as Record<LedgerAccountCode, string>;
}

async function insertJournal(
  tx: SqlTransaction,
  owner: { merchantId: string; mode: Mode; payoutId: string },
  entries: Array<JournalEntryDraft & { sourceEventKey?: string | null }>,
): Promise<void> {
  for (const entry of entries) {
    const accounts = await ledgerAccountIds(tx, owner.merchantId, owner.mode, entry.currency);
    const id = newId("journalEntry");
    await tx.execute(INSERT_ENTRY, [
      id,
      owner.merchantId,
      owner.mode,
      entry.kind,
      entry.currency,
      owner.payoutId,
      entry.sourceEventKey ?? null,
    ]);
    for (const line of entry.lines)
      await tx.execute(INSERT_LINE, [
        id,
        accounts[line.account],
        line.direction,
        line.amountMinor,
        entry.currency,
      ]);
  }
}

async function insertEvents(
  tx: SqlTransaction,
  payout: { id: string; merchantId: string; mode: Mode },
  events: PayoutEventDraft[],
  outbox: Array<{ topic: string; payload: Record<string, unknown> }>,
): Promise<void> {
  for (const event of events)
    await tx.execute(INSERT_EVENT, [
      payout.id,
      payout.merchantId,
      event.type,
      event.oldStatus,
      event.newStatus,
      event.source,
      event.actor,
      JSON.stringify(event.data),
    ]);
  await insertOutbox(tx, payout, outbox);
}

/** The outbox messages of a payout's or a bank account's change, in its transaction. */
async function insertOutbox(
  tx: SqlTransaction,
  aggregate: { id: string; merchantId: string; mode: Mode },
  outbox: Array<{ topic: string; payload: Record<string, unknown> }>,
): Promise<void> {
  for (const message of outbox)
    await tx.execute(INSERT_OUTBOX, [
      aggregate.merchantId,
      aggregate.mode,
      message.topic,
      aggregate.id,
      JSON.stringify(message.payload),
    ]);
}

const INSERT_BANK_ACCOUNT_EVENT = `
INSERT INTO bank_account_events (bank_account_id, merchant_id, type, old_status, new_status, actor, data)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`;

async function insertBankAccountEvents(
  tx: SqlTransaction,
  account: { id: string; merchantId: string; mode: Mode },
  events: BankAccountEventDraft[],
  outbox: Array<{ topic: string; payload: Record<string, unknown> }>,
): Promise<void> {
  for (const event of events)
    await tx.execute(INSERT_BANK_ACCOUNT_EVENT, [
      account.id,
      account.merchantId,
      event.type,
      event.oldStatus,
      event.newStatus,
      event.actor,
      JSON.stringify(event.data),
    ]);
  await insertOutbox(tx, account, outbox);
}

const AVAILABLE_SUM = `
SELECT COALESCE(SUM(CASE l.direction WHEN 'CREDIT' THEN l.amount_minor::numeric ELSE -l.amount_minor::numeric END), 0)::text
       AS available
  FROM ledger_lines l WHERE l.account_id = $1`;

/**
 * Links every movement of the available balance ($1: the merchant_balance account) not yet settled by an automatic
 * payout to payout $2 (a release links its capture entry), and answers the sum of their effects on it.
 */
const LINK_PAYOUT_ITEMS = `
WITH effects AS (
  SELECT e.id AS effect_id, COALESCE(pr.journal_entry_id, e.id) AS item_id,
         SUM(CASE l.direction WHEN 'CREDIT' THEN l.amount_minor::numeric ELSE -l.amount_minor::numeric END) AS effect
    FROM ledger_lines l
    JOIN journal_entries e ON e.id = l.journal_entry_id
    LEFT JOIN pending_releases pr ON pr.released_entry_id = e.id
   WHERE l.account_id = $1
   GROUP BY e.id, pr.journal_entry_id
), unsettled AS (
  SELECT * FROM effects f WHERE NOT EXISTS (SELECT 1 FROM payout_items i WHERE i.journal_entry_id = f.item_id)
), linked AS (
  INSERT INTO payout_items (journal_entry_id, payout_id) SELECT DISTINCT item_id, $2 FROM unsettled
  RETURNING journal_entry_id
)
SELECT (SELECT COALESCE(SUM(effect), 0) FROM unsettled)::text AS total, (SELECT count(*) FROM linked) AS linked`;

export class PayoutStoreRepository implements PayoutStore {
  constructor(private readonly sql: Sql) {}

  async countBankAccounts(merchantId: MerchantId, mode: Mode): Promise<number> {
    const rows = await this.sql.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM bank_accounts WHERE merchant_id = $1 AND mode = $2::"Mode"`,
      [merchantId, mode],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async insertBankAccount(account: NewBankAccount): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.execute(
        `INSERT INTO bank_accounts (id, merchant_id, mode, rail, country, currency, holder_name, bank_name, last4,
                                    routing_number, number_ciphertext, number_nonce, number_auth_tag,
                                    number_key_version, status, verified_at, created_at, verification_method,
                                    micro_deposits_ciphertext, micro_deposits_nonce, micro_deposits_auth_tag,
                                    micro_deposits_key_version)
         VALUES ($1, $2, $3::"Mode", $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                 $21, $22)`,
        [
          account.id,
          account.merchantId,
          account.mode,
          account.rail,
          account.country,
          account.currency,
          account.holderName,
          account.bankName,
          account.last4,
          account.routingNumber,
          account.number.ciphertext,
          account.number.nonce,
          account.number.authTag,
          account.number.keyVersion,
          account.status,
          account.verifiedAt,
          account.createdAt,
          account.verificationMethod,
          account.microDeposits?.ciphertext ?? null,
          account.microDeposits?.nonce ?? null,
          account.microDeposits?.authTag ?? null,
          account.microDeposits?.keyVersion ?? null,
        ],
      );
      await insertBankAccountEvents(tx, account, account.events, account.outbox);
    });
  }

  async microDepositAmounts(id: string): Promise<EncryptedPan | null> {
    const rows = await this.sql.query<EncryptedPan & { ciphertext: Buffer | null }>(
      `SELECT micro_deposits_ciphertext AS ciphertext, micro_deposits_nonce AS nonce,
              micro_deposits_auth_tag AS "authTag", micro_deposits_key_version AS "keyVersion"
         FROM bank_accounts WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    return row && row.ciphertext !== null ? row : null;
  }

  async changeBankAccount(change: BankAccountChange): Promise<"written" | "conflict"> {
    const a = change.account;
    try {
      await this.sql.transaction(async (tx) => {
        const updated = await tx.execute(
          `UPDATE bank_accounts SET status = $3, verified_at = $4, micro_deposits_sent_at = $5,
                                    verification_attempts = $6, version = version + 1
            WHERE id = $1 AND version = $2`,
          [
            a.id,
            change.expectedVersion,
            a.status,
            a.verifiedAt,
            a.microDepositsSentAt,
            a.verificationAttempts,
          ],
        );
        if (updated !== 1) throw new Abort("conflict");
        await insertBankAccountEvents(tx, a, change.events, change.outbox);
        for (const entry of change.journal) {
          const accounts = await ledgerAccountIds(tx, a.merchantId, a.mode, entry.currency);
          const id = newId("journalEntry");
          await tx.execute(
            `INSERT INTO journal_entries (id, merchant_id, mode, kind, currency, bank_account_id, source_event_key)
             VALUES ($1, $2, $3::"Mode", $4, $5, $6, $7)`,
            [id, a.merchantId, a.mode, entry.kind, entry.currency, a.id, `${entry.kind}:${a.id}`],
          );
          for (const line of entry.lines)
            await tx.execute(INSERT_LINE, [
              id,
              accounts[line.account],
              line.direction,
              line.amountMinor,
              entry.currency,
            ]);
        }
      });
      return "written";
    } catch (error) {
      if (error instanceof Abort) return "conflict";
      if (sqlState(error) === UNIQUE) return "conflict";
      throw error;
    }
  }

  async microDepositsToSend(createdBefore: Date, limit: number): Promise<BankAccountRecord[]> {
    return this.sql.query<BankAccountRecord>(
      `SELECT ${BANK_ACCOUNT_COLUMNS} FROM bank_accounts
        WHERE status = 'PENDING_VERIFICATION' AND micro_deposits_sent_at IS NULL AND created_at <= $1
        ORDER BY created_at LIMIT $2`,
      [createdBefore, limit],
    );
  }

  async findBankAccount(merchantId: MerchantId, mode: Mode, id: string): Promise<BankAccountRecord | null> {
    const rows = await this.sql.query<BankAccountRecord>(
      `SELECT ${BANK_ACCOUNT_COLUMNS} FROM bank_accounts WHERE id = $1 AND merchant_id = $2 AND mode = $3::"Mode"`,
      [id, merchantId, mode],
    );
    return rows[0] ?? null;
  }

  async defaultBankAccount(
    merchantId: MerchantId,
    mode: Mode,
    currency: CurrencyCode,
  ): Promise<BankAccountRecord | null> {
    const rows = await this.sql.query<BankAccountRecord>(
      `SELECT ${BANK_ACCOUNT_COLUMNS} FROM bank_accounts
        WHERE merchant_id = $1 AND mode = $2::"Mode" AND currency = $3 AND status = 'VERIFIED'
        ORDER BY created_at DESC, id DESC LIMIT 1`,
      [merchantId, mode, currency],
    );
    return rows[0] ?? null;
  }

  async bankAccountNumber(id: string): Promise<EncryptedPan> {
    const rows = await this.sql.query<EncryptedPan>(
      `SELECT number_ciphertext AS ciphertext, number_nonce AS nonce, number_auth_tag AS "authTag",
              number_key_version AS "keyVersion" FROM bank_accounts WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) throw new Error(`bank account ${id} not found`);
    return row;
  }

  async findPayout(id: string): Promise<PayoutRecord | null> {
    const rows = await this.sql.query<PayoutRecord>(`SELECT ${PAYOUT_COLUMNS} FROM payouts WHERE id = $1`, [
      id,
    ]);
    return rows[0] ?? null;
  }

  async insertPayout(
    payout: NewPayout,
    check: (availableMinor: bigint | null) => void,
  ): Promise<PayoutRecord> {
    await this.sql.transaction(async (tx) => {
      // The lock every payout of this merchant, mode and currency queues on: the balance read below cannot
      // change under another payout until this transaction ends.
      const locked = await tx.query<{ id: string }>(
        `SELECT id FROM ledger_accounts
          WHERE merchant_id = $1 AND mode = $2::"Mode" AND currency = $3 AND code = 'merchant_balance'
          FOR UPDATE`,
        [payout.merchantId, payout.mode, payout.currency],
      );
      const accountId = locked[0]?.id;
      if (accountId === undefined) {
        check(null);
        throw new Error("check accepted a payout without a balance");
      }
      const [sum] = await tx.query<{ available: string }>(AVAILABLE_SUM, [accountId]);
      check(BigInt(sum?.available ?? "0"));
      await tx.execute(
        `INSERT INTO payouts (id, merchant_id, mode, currency, amount_minor, bank_account_id, method, retry_of)
         VALUES ($1, $2, $3::"Mode", $4, $5, $6, $7, $8)`,
        [
          payout.id,
          payout.merchantId,
          payout.mode,
          payout.currency,
          payout.amountMinor,
          payout.bankAccountId,
          payout.method,
          payout.retryOf,
        ],
      );
      await insertEvents(tx, payout, payout.events, payout.outbox);
      if (payout.method === "SCHEDULED") {
        // Stripe's payout reconciliation: the movements of the available balance this payout settles.
        const [settled] = await tx.query<{ total: string }>(LINK_PAYOUT_ITEMS, [accountId, payout.id]);
        if (BigInt(settled?.total ?? "0") !== payout.amountMinor)
          throw new DomainError(
            "PAYOUT_INSUFFICIENT_BALANCE",
            "The available balance moved while the scheduled payout was made; the next run pays it.",
          );
      }
      await insertJournal(
        tx,
        { merchantId: payout.merchantId, mode: payout.mode, payoutId: payout.id },
        payout.journal.map((entry) => ({ ...entry, sourceEventKey: `payout:${payout.id}:${entry.kind}` })),
      );
      if (payout.method === "SCHEDULED")
        await tx.execute(
          `INSERT INTO payout_items (journal_entry_id, payout_id)
           SELECT id, payout_id FROM journal_entries WHERE payout_id = $1 AND kind = 'payout.created'`,
          [payout.id],
        );
      if (payout.operatorAudit) await insertAudit(tx, payout.operatorAudit, "payout");
    });
    const stored = await this.findPayout(payout.id);
    if (stored === null) throw new Error(`payout ${payout.id} vanished after its insert`);
    return stored;
  }

  async change(change: PayoutChange): Promise<"written" | "conflict" | "duplicate"> {
    const p = change.payout;
    try {
      await this.sql.transaction(async (tx) => {
        if (change.bankEvent) {
          const seen = await tx.execute(
            `INSERT INTO bank_notifications (event_id, payout_id, type) VALUES ($1, $2, $3)
             ON CONFLICT (event_id) DO NOTHING`,
            [change.bankEvent.eventId, p.id, change.bankEvent.type],
          );
          if (seen === 0) throw new Abort("duplicate");
        }
        if (change.outbox.length !== change.events.length)
          throw new Error(`payout ${p.id}: a change has one outbox message per status step`);
        // The version counts status changes (migration 20261211020200): one UPDATE per step, each followed by its
        // audit event and outbox message, so each webhook snapshot shows its own step and version. Every update is
        // conditional on the version and the bank call count read: a claim of the bank call (recordBankCall) moves
        // only the count, and a change decided before it must not win.
        if (change.events.length === 0) {
          const updated = await tx.execute(
            `UPDATE payouts SET bank_call = $3, bank_reference = $4
              WHERE id = $1 AND version = $2 AND bank_call_count = $5`,
            [p.id, change.expectedVersion, p.bankCall, p.bankReference, p.bankCallCount],
          );
          if (updated !== 1) throw new Abort("conflict");
        }
        for (const [step, event] of change.events.entries()) {
          const last = step === change.events.length - 1;
          const updated = await tx.execute(
            `UPDATE payouts SET status = $3::"PayoutStatus", bank_call = $4, bank_reference = $5, failure_code = $6,
                                version = version + 1
              WHERE id = $1 AND version = $2 AND bank_call_count = $7`,
            [
              p.id,
              change.expectedVersion + step,
              event.newStatus,
              p.bankCall,
              p.bankReference,
              last ? p.failureCode : null,
              p.bankCallCount,
            ],
          );
          if (updated !== 1) throw new Abort("conflict");
          await insertEvents(tx, p, [event], [change.outbox[step] as PayoutChange["outbox"][number]]);
        }
        await insertJournal(tx, { merchantId: p.merchantId, mode: p.mode, payoutId: p.id }, change.journal);
        if (change.operatorAudit) await insertAudit(tx, change.operatorAudit, "payout");
      });
      return "written";
    } catch (error) {
      if (error instanceof Abort) return error.outcome;
      // A step's source-event key already posted: another route reported the same step first.
      if (sqlState(error) === UNIQUE) return "conflict";
      throw error;
    }
  }

  async recordBankCall(
    payout: PayoutRecord,
    state: BankCallState,
    nextBankCallAt: Date,
  ): Promise<"written" | "conflict"> {
    // Bookkeeping, not a status change: the version stays (merchants see it), the count is the compare-and-set.
    const updated = await this.sql.execute(
      `UPDATE payouts SET bank_call = $3, bank_call_count = bank_call_count + 1, next_bank_call_at = $4
        WHERE id = $1 AND version = $2 AND bank_call_count = $5 AND status = 'PENDING'`,
      [payout.id, payout.version, state, nextBankCallAt, payout.bankCallCount],
    );
    return updated === 1 ? "written" : "conflict";
  }

  async payoutsToSend(now: Date, limit: number): Promise<PayoutRecord[]> {
    return this.sql.query<PayoutRecord>(
      `SELECT ${PAYOUT_COLUMNS} FROM payouts WHERE id IN (
         SELECT p.id FROM payouts p
          WHERE p.status = 'PENDING' AND p.next_bank_call_at <= $1
            AND NOT EXISTS (SELECT 1 FROM payout_settings s
                             WHERE s.merchant_id = p.merchant_id AND s.mode = p.mode AND s.paused)
            -- Onboarding and sanctions (issue 22): a payout never sent waits while its merchant has an open
            -- sanctions hit, is frozen, or (live) is not verified. One already sent is asked about as ever.
            AND (p.bank_call_count > 0 OR (
                  NOT EXISTS (SELECT 1 FROM sanctions_hits h WHERE h.merchant_id = p.merchant_id AND h.status = 'OPEN')
              AND NOT EXISTS (SELECT 1 FROM merchants m WHERE m.id = p.merchant_id
                                AND (m.frozen_at IS NOT NULL OR (p.mode = 'LIVE' AND m.onboarding_status <> 'VERIFIED')))))
          ORDER BY p.next_bank_call_at LIMIT $2)
        ORDER BY next_bank_call_at`,
      [now, limit],
    );
  }

  async isPaused(merchantId: MerchantId, mode: Mode): Promise<boolean> {
    const rows = await this.sql.query<{ paused: boolean }>(
      `SELECT paused FROM payout_settings WHERE merchant_id = $1 AND mode = $2::"Mode"`,
      [merchantId, mode],
    );
    return rows[0]?.paused ?? false;
  }

  async setPaused(
    merchantId: MerchantId,
    mode: Mode,
    paused: boolean,
    reason: string | null,
    audit: AuditDraft,
  ): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.execute(
        `INSERT INTO payout_settings (merchant_id, mode, paused, paused_reason) VALUES ($1, $2::"Mode", $3, $4)
         ON CONFLICT (merchant_id, mode) DO UPDATE SET paused = $3, paused_reason = $4, updated_at = now()`,
        [merchantId, mode, paused, reason],
      );
      await insertAudit(tx, audit, "merchant");
    });
  }

  async upsertSchedule(schedule: PayoutSchedule, audit: AuditDraft): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.execute(
        `INSERT INTO payout_schedules (merchant_id, mode, currency, interval, delay_days, minimum_minor, next_run_at,
                                       weekly_anchor, monthly_anchor)
         VALUES ($1, $2::"Mode", $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (merchant_id, mode, currency) DO UPDATE
           SET interval = $4, delay_days = $5, minimum_minor = $6, next_run_at = $7, weekly_anchor = $8,
               monthly_anchor = $9, updated_at = now()`,
        [
          schedule.merchantId,
          schedule.mode,
          schedule.currency,
          schedule.interval,
          schedule.delayDays,
          schedule.minimumMinor,
          schedule.nextRunAt,
          schedule.weeklyAnchor,
          schedule.monthlyAnchor,
        ],
      );
      await insertAudit(tx, audit, "merchant");
    });
  }

  async schedules(merchantId: MerchantId, mode: Mode): Promise<PayoutSchedule[]> {
    return this.sql.query<PayoutSchedule>(
      `SELECT ${SCHEDULE_COLUMNS} FROM payout_schedules WHERE merchant_id = $1 AND mode = $2::"Mode"
        ORDER BY currency LIMIT 200`,
      [merchantId, mode],
    );
  }

  async dueSchedules(now: Date, limit: number): Promise<PayoutSchedule[]> {
    return this.sql.query<PayoutSchedule>(
      `SELECT ${SCHEDULE_COLUMNS} FROM payout_schedules WHERE next_run_at <= $1 ORDER BY next_run_at LIMIT $2`,
      [now, limit],
    );
  }

  async advanceSchedule(schedule: PayoutSchedule, nextRunAt: Date): Promise<boolean> {
    const updated = await this.sql.execute(
      `UPDATE payout_schedules SET next_run_at = $5, updated_at = now()
        WHERE merchant_id = $1 AND mode = $2::"Mode" AND currency = $3 AND next_run_at = $4`,
      [schedule.merchantId, schedule.mode, schedule.currency, schedule.nextRunAt, nextRunAt],
    );
    return updated === 1;
  }

  async availableMinor(merchantId: MerchantId, mode: Mode, currency: CurrencyCode): Promise<bigint | null> {
    const accounts = await this.sql.query<{ id: string }>(
      `SELECT id FROM ledger_accounts
        WHERE merchant_id = $1 AND mode = $2::"Mode" AND currency = $3 AND code = 'merchant_balance'`,
      [merchantId, mode, currency],
    );
    const id = accounts[0]?.id;
    if (id === undefined) return null;
    const [sum] = await this.sql.query<{ available: string }>(AVAILABLE_SUM, [id]);
    return BigInt(sum?.available ?? "0");
  }

  /**
   * One transaction per batch: the due rows are locked (SKIP LOCKED, so processes share the work), each gets its
   * release entry (debit merchant_pending, credit merchant_balance) keyed 'release:<capture entry>', then the
   * rolling reserve hold the plan decides from the merchant's policy (debit merchant_balance, credit
   * merchant_reserved, keyed 'reserve_hold:<capture entry>', tracked in reserve_holds), and is marked released.
   */
  async releaseDue(
    now: Date,
    limit: number,
    plan: (due: DueRelease, policy: ReservePolicy | null) => ReleasePlan,
  ): Promise<number> {
    return this.sql.transaction(async (tx) => {
      const due = await tx.query<{
        journalEntryId: string;
        merchantId: string;
        mode: Mode;
        currency: CurrencyCode;
        amountMinor: bigint;
      }>(
        `SELECT journal_entry_id AS "journalEntryId", merchant_id AS "merchantId", mode, currency,
                amount_minor AS "amountMinor"
           FROM pending_releases
          WHERE released_entry_id IS NULL AND available_on <= $1
          ORDER BY available_on LIMIT $2
          FOR UPDATE SKIP LOCKED`,
        [now, limit],
      );
      for (const row of due) {
        const [policy] = await tx.query<ReservePolicyRecord>(
          `SELECT ${RESERVE_COLUMNS} FROM reserve_policies
            WHERE merchant_id = $1 AND mode = $2::"Mode" AND currency = $3`,
          [row.merchantId, row.mode, row.currency],
        );
        const decided = plan({ amountMinor: row.amountMinor, currency: row.currency }, policy ?? null);
        const id = await insertOwnedEntry(tx, row, decided.release, `release:${row.journalEntryId}`);
        await tx.execute(
          `UPDATE pending_releases SET released_entry_id = $2, released_at = now() WHERE journal_entry_id = $1`,
          [row.journalEntryId, id],
        );
        if (decided.hold) {
          const holdId = await insertOwnedEntry(
            tx,
            row,
            decided.hold.entry,
            `reserve_hold:${row.journalEntryId}`,
          );
          await tx.execute(
            `INSERT INTO reserve_holds (journal_entry_id, merchant_id, mode, currency, amount_minor, release_on)
             VALUES ($1, $2, $3::"Mode", $4, $5, $6)`,
            [
              holdId,
              row.merchantId,
              row.mode,
              row.currency,
              decided.hold.amountMinor,
              decided.hold.releaseOn,
            ],
          );
        }
      }
      return due.length;
    });
  }

  /** Rolling reserve holds past their release_on: each gets its release entry, in one transaction per batch. */
  async releaseDueReserves(
    now: Date,
    limit: number,
    posting: (hold: { amountMinor: bigint; currency: CurrencyCode }) => JournalEntryDraft,
  ): Promise<number> {
    return this.sql.transaction(async (tx) => {
      const due = await tx.query<{
        journalEntryId: string;
        merchantId: string;
        mode: Mode;
        currency: CurrencyCode;
        amountMinor: bigint;
      }>(
        `SELECT journal_entry_id AS "journalEntryId", merchant_id AS "merchantId", mode, currency,
                amount_minor AS "amountMinor"
           FROM reserve_holds
          WHERE released_entry_id IS NULL AND release_on <= $1
          ORDER BY release_on LIMIT $2
          FOR UPDATE SKIP LOCKED`,
        [now, limit],
      );
      for (const row of due) {
        const id = await insertOwnedEntry(tx, row, posting(row), `reserve_release:${row.journalEntryId}`);
        await tx.execute(
          `UPDATE reserve_holds SET released_entry_id = $2, released_at = now() WHERE journal_entry_id = $1`,
          [row.journalEntryId, id],
        );
      }
      return due.length;
    });
  }

  async reservePolicies(merchantId: MerchantId, mode: Mode): Promise<ReservePolicyRecord[]> {
    return this.sql.query<ReservePolicyRecord>(
      `SELECT ${RESERVE_COLUMNS} FROM reserve_policies WHERE merchant_id = $1 AND mode = $2::"Mode"
        ORDER BY currency LIMIT 200`,
      [merchantId, mode],
    );
  }

  /** Under the policy row's lock (created first if new): the fixed reserve's change and the audit row. */
  async setReservePolicy(
    merchantId: MerchantId,
    mode: Mode,
    policy: ReservePolicy,
    change: (fixedInForceMinor: bigint) => JournalEntryDraft | null,
    audit: AuditDraft,
  ): Promise<void> {
    await this.sql.transaction((tx) => setReservePolicyIn(tx, merchantId, mode, policy, change, audit));
  }
}

/**
 * Sets a reserve policy inside a transaction: the policy locked, the entry moving the fixed reserve by its change,
 * the operator's audit row. Also the applier of an approved four-eyes reserve (approval-store.repository.ts).
 */
export async function setReservePolicyIn(
  tx: SqlTransaction,
  merchantId: string,
  mode: Mode,
  policy: ReservePolicy,
  change: (fixedInForceMinor: bigint) => JournalEntryDraft | null,
  audit: AuditDraft,
): Promise<void> {
  await tx.execute(
    `INSERT INTO reserve_policies (merchant_id, mode, currency) VALUES ($1, $2::"Mode", $3)
     ON CONFLICT (merchant_id, mode, currency) DO NOTHING`,
    [merchantId, mode, policy.currency],
  );
  const [current] = await tx.query<{ fixedMinor: bigint }>(
    `SELECT fixed_minor AS "fixedMinor" FROM reserve_policies
      WHERE merchant_id = $1 AND mode = $2::"Mode" AND currency = $3 FOR UPDATE`,
    [merchantId, mode, policy.currency],
  );
  const entry = change(BigInt(current?.fixedMinor ?? 0n));
  if (entry) await insertOwnedEntry(tx, { merchantId, mode }, entry, null);
  await tx.execute(
    `UPDATE reserve_policies SET rolling_bps = $4, rolling_days = $5, fixed_minor = $6, updated_at = now()
      WHERE merchant_id = $1 AND mode = $2::"Mode" AND currency = $3`,
    [merchantId, mode, policy.currency, policy.rollingBps, policy.rollingDays, policy.fixedMinor],
  );
  await insertAudit(tx, audit, "merchant");
}

/** A merchant's entry with no payment or payout (releases, reserves), with its lines; returns its id. */
async function insertOwnedEntry(
  tx: SqlTransaction,
  owner: { merchantId: string; mode: Mode },
  entry: JournalEntryDraft,
  sourceEventKey: string | null,
): Promise<string> {
  const accounts = await ledgerAccountIds(tx, owner.merchantId, owner.mode, entry.currency);
  const id = newId("journalEntry");
  await tx.execute(
    `INSERT INTO journal_entries (id, merchant_id, mode, kind, currency, source_event_key)
     VALUES ($1, $2, $3::"Mode", $4, $5, $6)`,
    [id, owner.merchantId, owner.mode, entry.kind, entry.currency, sourceEventKey],
  );
  for (const line of entry.lines)
    await tx.execute(INSERT_LINE, [
      id,
      accounts[line.account],
      line.direction,
      line.amountMinor,
      entry.currency,
    ]);
  return id;
}
