// Bank-transfer payments, both sides: the store behind the core's BankTransferCommands, on node-postgres. Each
// write is one transaction: the transfer row locked first (so two credits of one payment apply one after the
// other), the conditional payment update (version and status as read; the payments trigger checks the edge), its
// audit events, outbox messages, journal entries with their unique source-event keys, and queued returns.
import type {
  BankJournalDraft,
  BankTransferRecord,
  IncomingCredit,
} from "@paycore/core/bank-transfers/bank-transfer";
import { BANK_TRANSFER_ACCOUNTS } from "@paycore/core/bank-transfers/bank-transfer";
import { invariant } from "@paycore/core/errors/domain-error";
import { type MerchantId, newId, type PaymentId } from "@paycore/core/ids/ids";
import { LEDGER_ACCOUNTS } from "@paycore/core/ledger/postings";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { Mode, PaymentEventDraft, PaymentRecord } from "@paycore/core/payments/payment-record";
import type {
  ApplyCreditResult,
  BankTransferStore,
  CreditWrite,
  LockedTransfer,
  NewBankTransferPayment,
  PendingReturn,
} from "@paycore/core/ports/bank-transfer-store";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import { toPaymentRecord } from "../mappers/payment.mapper";
import type { Sql, SqlTransaction } from "../sql";
import { PAYMENT_COLUMNS } from "./payment-sql";

const TRANSFER_COLUMNS = `payment_id AS "paymentId", merchant_id AS "merchantId", mode, reference, iban, bic, currency,
  amount_due_minor AS "amountDueMinor", amount_received_minor AS "amountReceivedMinor", expires_at AS "expiresAt"`;

const ACCOUNT_TYPES: Record<string, string> = { ...LEDGER_ACCOUNTS, ...BANK_TRANSFER_ACCOUNTS };

/** Digit strings for bigints: JSON has no bigint. */
function json(value: unknown): string {
  return JSON.stringify(value, (_key, item) => (typeof item === "bigint" ? item.toString() : item));
}

type Row = Record<string, unknown>;

function toTransfer(row: Row): BankTransferRecord {
  return {
    paymentId: row.paymentId as PaymentId,
    merchantId: row.merchantId as MerchantId,
    mode: row.mode as Mode,
    reference: row.reference as string,
    iban: row.iban as string,
    bic: row.bic as string,
    currency: row.currency as CurrencyCode,
    amountDueMinor: BigInt(row.amountDueMinor as string),
    amountReceivedMinor: BigInt(row.amountReceivedMinor as string),
    expiresAt: row.expiresAt as Date,
  };
}

function toPayment(row: Row, pii: PiiVault): PaymentRecord {
  return toPaymentRecord(row as unknown as Parameters<typeof toPaymentRecord>[0], pii);
}

export async function insertEvents(tx: SqlTransaction, payment: PaymentRecord, events: PaymentEventDraft[]) {
  if (events.length === 0) return;
  await tx.query(
    `INSERT INTO payment_events (payment_id, merchant_id, type, old_status, new_status, source, actor, data)
     SELECT $1, $2, e.type, e.old_status::"PaymentStatus", e.new_status::"PaymentStatus", e.source::"EventSource",
            e.actor, e.data
       FROM jsonb_to_recordset($3::jsonb) AS e(type text, old_status text, new_status text, source text, actor text,
                                              data jsonb)`,
    [
      payment.id,
      payment.merchantId,
      json(
        events.map((e) => ({
          type: e.type,
          old_status: e.oldStatus,
          new_status: e.newStatus,
          source: e.source,
          actor: e.actor,
          data: e.data,
        })),
      ),
    ],
  );
}

export async function insertOutbox(
  tx: SqlTransaction,
  payment: PaymentRecord,
  outbox: CreditWrite["outbox"],
) {
  for (const message of outbox) {
    await tx.query(
      `INSERT INTO outbox_messages (merchant_id, mode, topic, aggregate_id, payload) VALUES ($1, $2::"Mode", $3, $4, $5::jsonb)`,
      [payment.merchantId, payment.mode, message.topic, payment.id, json(message.payload)],
    );
  }
}

/** Posts entries; one whose source key was posted before is skipped (journal_entry_ids holds the keys). */
export async function postJournal(
  tx: SqlTransaction,
  owner: { merchantId: string; mode: Mode; paymentId: string | null; refundId?: string | null },
  entries: readonly BankJournalDraft[],
): Promise<number> {
  let posted = 0;
  for (const draft of entries) {
    const codes = [...new Set(draft.lines.map((line) => line.account))];
    await tx.query(
      `INSERT INTO ledger_accounts (id, merchant_id, mode, code, type, currency)
       SELECT a.id, $1, $2::"Mode", a.code, a.type::"LedgerAccountType", $3
         FROM jsonb_to_recordset($4::jsonb) AS a(id text, code text, type text)
       ON CONFLICT DO NOTHING`,
      [
        owner.merchantId,
        owner.mode,
        draft.currency,
        json(codes.map((code) => ({ id: newId("ledgerAccount"), code, type: ACCOUNT_TYPES[code] }))),
      ],
    );
    const accounts = await tx.query<{ id: string; code: string }>(
      `SELECT id, code FROM ledger_accounts WHERE merchant_id = $1 AND mode = $2::"Mode" AND currency = $3
          AND code = ANY($4::text[])`,
      [owner.merchantId, owner.mode, draft.currency, codes],
    );
    const idOf = new Map(accounts.map((a) => [a.code, a.id]));
    const entryId = newId("journalEntry");
    // The key's uniqueness lives in journal_entry_ids (journal_entries is partitioned by month), whose claim
    // raises unique_violation on a taken key. The lock makes a concurrent repeat wait for the first posting as the
    // former ON CONFLICT did; once it commits, the repeat's next statement sees the key and posts nothing.
    await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [draft.sourceEventKey]);
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO journal_entries (id, merchant_id, mode, kind, payment_id, currency, source_event_key, refund_id)
       SELECT $1, $2, $3::"Mode", $4, $5, $6, $7, $8
        WHERE NOT EXISTS (SELECT 1 FROM journal_entry_ids WHERE source_event_key = $7)
       RETURNING id`,
      [
        entryId,
        owner.merchantId,
        owner.mode,
        draft.kind,
        owner.paymentId,
        draft.currency,
        draft.sourceEventKey,
        owner.refundId ?? null,
      ],
    );
    if (inserted.length === 0) continue;
    await tx.query(
      `INSERT INTO ledger_lines (journal_entry_id, account_id, direction, amount_minor, currency)
       SELECT $1, l.account_id, l.direction::"EntryDirection", l.amount_minor, $2
         FROM jsonb_to_recordset($3::jsonb) AS l(account_id text, direction text, amount_minor bigint)`,
      [
        entryId,
        draft.currency,
        json(
          draft.lines.map((line) => {
            const accountId = idOf.get(line.account);
            invariant(accountId !== undefined, `no ledger account ${line.account}`);
            return { account_id: accountId, direction: line.direction, amount_minor: line.amountMinor };
          }),
        ),
      ],
    );
    posted++;
  }
  return posted;
}

export class BankTransferStoreRepository implements BankTransferStore {
  constructor(
    private readonly sql: Sql,
    private readonly pii: PiiVault,
  ) {}

  insertPayment(input: NewBankTransferPayment): Promise<PaymentRecord> {
    const { payment: p, transfer: t } = input;
    return this.sql.transaction(async (tx) => {
      const rows = await tx.query<Row>(
        `INSERT INTO payments (id, merchant_id, mode, status, amount_minor, currency, capture_method,
                               payment_method_id, description, metadata, receipt_email, receipt_email_bidx)
         VALUES ($1, $2, $3::"Mode", $4::"PaymentStatus", $5::bigint, $6, $7::"CaptureMethod", NULL, $8, $9::jsonb, $10,
                 $11)
         RETURNING ${PAYMENT_COLUMNS}`,
        [
          p.id,
          p.merchantId,
          p.mode,
          p.status,
          p.amountMinor,
          p.currency,
          p.captureMethod,
          p.description,
          json(p.metadata),
          this.pii.seal("email", p.merchantId, input.receiptEmail),
          this.pii.blindIndex("email", input.receiptEmail),
        ],
      );
      const payment = toPayment(rows[0] as Row, this.pii);
      await tx.query(
        `INSERT INTO bank_transfers (payment_id, merchant_id, mode, reference, iban, bic, currency, amount_due_minor,
                                     expires_at)
         VALUES ($1, $2, $3::"Mode", $4, $5, $6, $7, $8::bigint, $9::timestamptz)`,
        [
          t.paymentId,
          t.merchantId,
          t.mode,
          t.reference,
          t.iban,
          t.bic,
          t.currency,
          t.amountDueMinor,
          t.expiresAt,
        ],
      );
      await insertEvents(tx, payment, [input.event]);
      await insertOutbox(tx, payment, input.outbox);
      return payment;
    });
  }

  async findTransfer(
    actor: { merchantId: MerchantId; mode: Mode },
    paymentId: PaymentId,
  ): Promise<BankTransferRecord | null> {
    const rows = await this.sql.query<Row>(
      `SELECT ${TRANSFER_COLUMNS} FROM bank_transfers WHERE payment_id = $1 AND merchant_id = $2 AND mode = $3::"Mode"`,
      [paymentId, actor.merchantId, actor.mode],
    );
    return rows[0] ? toTransfer(rows[0]) : null;
  }

  /** Transfers of these payments (the GraphQL loader), scoped to the merchant and mode. */
  async transfersOf(
    actor: { merchantId: MerchantId; mode: Mode },
    paymentIds: readonly PaymentId[],
  ): Promise<BankTransferRecord[]> {
    if (paymentIds.length === 0) return [];
    const rows = await this.sql.query<Row>(
      `SELECT ${TRANSFER_COLUMNS} FROM bank_transfers
        WHERE payment_id = ANY($1::text[]) AND merchant_id = $2 AND mode = $3::"Mode"`,
      [paymentIds, actor.merchantId, actor.mode],
    );
    return rows.map(toTransfer);
  }

  /** The transfer, locked, and its payment and the merchant's fees; null when absent. */
  private async lock(tx: SqlTransaction, where: string, value: string): Promise<LockedTransfer | null> {
    const rows = await tx.query<Row>(
      `SELECT ${TRANSFER_COLUMNS} FROM bank_transfers WHERE ${where} = $1 FOR UPDATE`,
      [value],
    );
    if (!rows[0]) return null;
    const transfer = toTransfer(rows[0]);
    const payments = await tx.query<Row>(`SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = $1 FOR UPDATE`, [
      transfer.paymentId,
    ]);
    const fees = await tx.query<{ rate: number; fixed: string }>(
      `SELECT fee_rate_bps AS rate, fee_fixed_minor AS fixed FROM merchants WHERE id = $1`,
      [transfer.merchantId],
    );
    invariant(
      payments[0] !== undefined && fees[0] !== undefined,
      `transfer ${transfer.paymentId} has no payment`,
    );
    return {
      transfer,
      payment: toPayment(payments[0], this.pii),
      fee: { rateBps: Number(fees[0].rate), fixedMinor: BigInt(fees[0].fixed) },
    };
  }

  /** Writes a decided change: the conditional payment update, events, outbox, journal, transfer and returns. */
  private async write(tx: SqlTransaction, locked: LockedTransfer, write: CreditWrite): Promise<void> {
    const { payment, transfer } = locked;
    const patch = write.patch ?? {};
    const updated = await tx.query<Row>(
      `UPDATE payments
          SET status = COALESCE($4::"PaymentStatus", status),
              amount_captured_minor = COALESCE($5::bigint, amount_captured_minor),
              failure_code = COALESCE($6, failure_code),
              failure_message = COALESCE($7, failure_message),
              version = version + 1
        WHERE id = $1 AND version = $2 AND status = $3::"PaymentStatus"
       RETURNING ${PAYMENT_COLUMNS}`,
      [
        payment.id,
        payment.version,
        payment.status,
        patch.status ?? null,
        patch.amountCapturedMinor ?? null,
        patch.failureCode ?? null,
        patch.failureMessage ?? null,
      ],
    );
    invariant(updated.length === 1, `payment ${payment.id} changed under its lock`);
    const after = toPayment(updated[0] as Row, this.pii);
    await insertEvents(tx, after, write.events);
    await insertOutbox(tx, after, write.outbox);
    await postJournal(
      tx,
      { merchantId: payment.merchantId, mode: payment.mode, paymentId: payment.id },
      write.journal,
    );
    await tx.query(`UPDATE bank_transfers SET amount_received_minor = $2::bigint WHERE payment_id = $1`, [
      transfer.paymentId,
      write.amountReceivedMinor,
    ]);
    for (const item of write.returns) {
      await tx.query(
        `INSERT INTO bank_transfer_returns (id, payment_id, merchant_id, mode, transfer_id, amount_minor, currency, reason)
         VALUES ($1, $2, $3, $4::"Mode", $5, $6::bigint, $7, $8)`,
        [
          item.id,
          payment.id,
          payment.merchantId,
          payment.mode,
          item.transferId,
          item.amountMinor,
          item.currency,
          item.reason,
        ],
      );
    }
  }

  applyCredit(
    credit: IncomingCredit,
    decide: (locked: LockedTransfer) => CreditWrite,
  ): Promise<ApplyCreditResult> {
    return this.sql.transaction(async (tx): Promise<ApplyCreditResult> => {
      const locked =
        (credit.reference ? await this.lock(tx, "reference", credit.reference) : null) ??
        (credit.iban ? await this.lock(tx, "iban", credit.iban) : null);
      if (locked === null) return { applied: false, reason: "unknown_reference" };
      const seen = await tx.query(
        `SELECT 1 FROM bank_transfer_credits WHERE event_id = $1 OR transfer_id = $2`,
        [credit.eventId, credit.transferId],
      );
      if (seen.length > 0) return { applied: false, reason: "duplicate" };
      const write = decide(locked);
      await tx.query(
        `INSERT INTO bank_transfer_credits (event_id, transfer_id, payment_id, merchant_id, amount_minor, currency,
                                            outcome, received_at)
         VALUES ($1, $2, $3, $4, $5::bigint, $6, $7, $8::timestamptz)`,
        [
          credit.eventId,
          credit.transferId,
          locked.transfer.paymentId,
          locked.transfer.merchantId,
          credit.amountMinor,
          credit.currency,
          write.outcome,
          credit.receivedAt,
        ],
      );
      await this.write(tx, locked, write);
      return { applied: true, paymentId: locked.transfer.paymentId, outcome: write.outcome };
    });
  }

  async expiredTransfers(
    now: Date,
    limit: number,
  ): Promise<Array<{ paymentId: PaymentId; merchantId: MerchantId; mode: Mode }>> {
    return this.sql.query(
      `SELECT t.payment_id AS "paymentId", t.merchant_id AS "merchantId", t.mode
         FROM bank_transfers t JOIN payments p ON p.id = t.payment_id
        WHERE t.expires_at < $1::timestamptz AND p.status = 'AWAITING_FUNDS'
        ORDER BY t.expires_at LIMIT $2`,
      [now, limit],
    );
  }

  expire(
    paymentId: PaymentId,
    decide: (
      locked: LockedTransfer,
      partialCredits: Array<{ transferId: string; amountMinor: bigint }>,
    ) => CreditWrite,
  ): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const locked = await this.lock(tx, "payment_id", paymentId);
      if (locked === null || locked.payment.status !== "AWAITING_FUNDS") return false;
      const partials = await tx.query<{ transferId: string; amountMinor: string }>(
        `SELECT transfer_id AS "transferId", amount_minor AS "amountMinor" FROM bank_transfer_credits
          WHERE payment_id = $1 AND outcome = 'partial' ORDER BY id`,
        [paymentId],
      );
      await this.write(
        tx,
        locked,
        decide(
          locked,
          partials.map((p) => ({ transferId: p.transferId, amountMinor: BigInt(p.amountMinor) })),
        ),
      );
      return true;
    });
  }

  async pendingReturns(limit: number): Promise<PendingReturn[]> {
    const rows = await this.sql.query<Row>(
      `SELECT id, payment_id AS "paymentId", merchant_id AS "merchantId", mode, transfer_id AS "transferId",
              amount_minor AS "amountMinor", currency, reason, attempts
         FROM bank_transfer_returns WHERE status = 'PENDING' ORDER BY created_at, id LIMIT $1`,
      [limit],
    );
    return rows.map((row) => ({
      id: row.id as string,
      paymentId: row.paymentId as PaymentId,
      merchantId: row.merchantId as MerchantId,
      mode: row.mode as Mode,
      transferId: row.transferId as string,
      amountMinor: BigInt(row.amountMinor as string),
      currency: row.currency as CurrencyCode,
      reason: row.reason as PendingReturn["reason"],
      attempts: Number(row.attempts),
    }));
  }

  markReturnSent(returnId: string, bankReference: string, journal: BankJournalDraft): Promise<void> {
    return this.sql.transaction(async (tx) => {
      const rows = await tx.query<{ merchantId: string; mode: Mode; paymentId: string }>(
        `UPDATE bank_transfer_returns SET status = 'SENT', bank_reference = $2, sent_at = now(), attempts = attempts + 1
          WHERE id = $1 AND status = 'PENDING'
        RETURNING merchant_id AS "merchantId", mode, payment_id AS "paymentId"`,
        [returnId, bankReference],
      );
      const owner = rows[0];
      if (!owner) return;
      await postJournal(tx, owner, [journal]);
    });
  }

  /**
   * The ledger invariant for bank transfers: per payment, `bank_transfer_unapplied` holds exactly what arrived
   * while it still awaits funds (zero once captured or expired), and `bank_transfer_owed` exactly the returns
   * not yet sent. Answers the payments that disagree.
   */
  async disagreeingWithLedger(limit = 100): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      `WITH nets AS (
         SELECT e.payment_id, a.code,
                SUM(CASE WHEN l.direction = 'CREDIT' THEN l.amount_minor ELSE -l.amount_minor END)::numeric AS net
           FROM journal_entries e
           JOIN ledger_lines l ON l.journal_entry_id = e.id
           JOIN ledger_accounts a ON a.id = l.account_id
          WHERE a.code IN ('bank_transfer_unapplied', 'bank_transfer_owed') AND e.payment_id IS NOT NULL
          GROUP BY e.payment_id, a.code)
       SELECT t.payment_id AS id
         FROM bank_transfers t JOIN payments p ON p.id = t.payment_id
         LEFT JOIN nets u ON u.payment_id = t.payment_id AND u.code = 'bank_transfer_unapplied'
         LEFT JOIN nets o ON o.payment_id = t.payment_id AND o.code = 'bank_transfer_owed'
        WHERE COALESCE(u.net, 0) <> CASE WHEN p.status = 'AWAITING_FUNDS' THEN t.amount_received_minor ELSE 0 END
           OR COALESCE(o.net, 0) <> (SELECT COALESCE(SUM(r.amount_minor), 0)::numeric FROM bank_transfer_returns r
                                      WHERE r.payment_id = t.payment_id AND r.status <> 'SENT')
        LIMIT $1`,
      [limit],
    );
    return rows.map((row) => row.id);
  }

  async markReturnFailed(returnId: string, reason: string): Promise<void> {
    const retry = reason.startsWith("retry: ");
    await this.sql.execute(
      `UPDATE bank_transfer_returns
          SET attempts = attempts + 1, last_error = left($2, 500), status = CASE WHEN $3 THEN status ELSE 'FAILED' END
        WHERE id = $1 AND status = 'PENDING'`,
      [returnId, reason, retry],
    );
  }
}
