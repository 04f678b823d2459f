// Refunds of bank-transfer payments (issue 18), write side: the store behind the core's BankTransferRefunds, on
// node-postgres. Each write is one transaction: the conditional payment update (version and status as read; the
// payments trigger checks the status edge and the version), the refund row, the bank refund row (its trigger checks
// its own edges and version), the payment's audit events, outbox messages and journal entries (each with a unique
// source-event key: a repeated bank notice posts nothing).
import type { PaymentId, RefundId } from "@paycore/core/ids/ids";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { Mode, PaymentRecord, RefundRecord } from "@paycore/core/payments/payment-record";
import type {
  BankRefundDestination,
  BankRefundIntent,
  BankRefundOutcomeWrite,
  BankRefundPaymentWrite,
  BankRefundRecord,
  BankRefundStatus,
  BankRefundStore,
} from "@paycore/core/ports/bank-refund-store";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import { toPaymentRecord, toRefundRecord } from "../mappers/payment.mapper";
import type { Sql, SqlTransaction } from "../sql";
import { insertEvents, insertOutbox, postJournal } from "./bank-transfer-store.repository";
import { PAYMENT_COLUMNS, REFUND_COLUMNS } from "./payment-sql";

type Row = Record<string, unknown>;

/** Thrown inside a transaction to roll it back when a row changed since it was read. */
class Conflict extends Error {}

const toPayment = (row: Row, pii: PiiVault): PaymentRecord =>
  toPaymentRecord(row as unknown as Parameters<typeof toPaymentRecord>[0], pii);
const toRefund = (row: Row): RefundRecord =>
  toRefundRecord(row as unknown as Parameters<typeof toRefundRecord>[0]);

const BANK_REFUND_COLUMNS = `refund_id AS "refundId", payment_id AS "paymentId", merchant_id AS "merchantId", mode,
  amount_minor::text AS "amountMinor", currency, destination, transfer_id AS "transferId", rail,
  holder_name AS "holderName", account_last4 AS "last4", routing_number AS "routingNumber",
  account_ciphertext AS "ciphertext", account_nonce AS "nonce", account_auth_tag AS "authTag",
  account_key_version AS "keyVersion", status, bank_reference AS "bankReference", failure_code AS "failureCode",
  attempts, version, created_at AS "createdAt"`;

function toBankRefund(row: Row): BankRefundRecord {
  const destination: BankRefundDestination =
    row.destination === "ORIGINATING"
      ? { kind: "ORIGINATING", transferId: row.transferId as string }
      : {
          kind: "ACCOUNT",
          rail: row.rail as "SEPA" | "ACH",
          holderName: row.holderName as string,
          last4: row.last4 as string,
          routingNumber: (row.routingNumber as string | null) ?? null,
          number: {
            ciphertext: row.ciphertext as Buffer,
            nonce: row.nonce as Buffer,
            authTag: row.authTag as Buffer,
            keyVersion: Number(row.keyVersion),
          },
        };
  return {
    refundId: row.refundId as RefundId,
    paymentId: row.paymentId as PaymentId,
    merchantId: row.merchantId as string,
    mode: row.mode as Mode,
    amountMinor: BigInt(row.amountMinor as string),
    currency: row.currency as CurrencyCode,
    destination,
    status: row.status as BankRefundStatus,
    bankReference: (row.bankReference as string | null) ?? null,
    failureCode: (row.failureCode as string | null) ?? null,
    attempts: Number(row.attempts),
    version: Number(row.version),
    createdAt: row.createdAt as Date,
  };
}

export class BankRefundStoreRepository implements BankRefundStore {
  constructor(
    private readonly sql: Sql,
    /** Opens the customer's sealed e-mail and IP on the payment rows it returns. */
    private readonly pii: PiiVault,
  ) {}

  async paidByTransfers(paymentId: PaymentId): Promise<string[] | null> {
    const transfer = await this.sql.query<{ paymentId: string }>(
      `SELECT payment_id AS "paymentId" FROM bank_transfers WHERE payment_id = $1`,
      [paymentId],
    );
    if (transfer.length === 0) return null;
    const credits = await this.sql.query<{ transferId: string }>(
      `SELECT transfer_id AS "transferId" FROM bank_transfer_credits
        WHERE payment_id = $1 AND outcome IN ('partial', 'completed', 'overpaid')
        ORDER BY id LIMIT 100`,
      [paymentId],
    );
    return credits.map((credit) => credit.transferId);
  }

  async findPayment(paymentId: PaymentId): Promise<PaymentRecord | null> {
    const [row] = await this.sql.query<Row>(`SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = $1`, [
      paymentId,
    ]);
    return row ? toPayment(row, this.pii) : null;
  }

  async findRefund(refundId: RefundId): Promise<RefundRecord | null> {
    const [row] = await this.sql.query<Row>(`SELECT ${REFUND_COLUMNS} FROM refunds WHERE id = $1`, [
      refundId,
    ]);
    return row ? toRefund(row) : null;
  }

  async findBankRefund(refundId: RefundId): Promise<BankRefundRecord | null> {
    const [row] = await this.sql.query<Row>(
      `SELECT ${BANK_REFUND_COLUMNS} FROM bank_transfer_refunds WHERE refund_id = $1`,
      [refundId],
    );
    return row ? toBankRefund(row) : null;
  }

  async countAttempt(refundId: RefundId): Promise<void> {
    await this.sql.execute(
      `UPDATE bank_transfer_refunds SET attempts = LEAST(attempts + 1, 1000), version = version + 1
        WHERE refund_id = $1 AND status = 'PENDING'`,
      [refundId],
    );
  }

  async unresolved(limit: number, attemptsMax: number): Promise<RefundId[]> {
    const rows = await this.sql.query<{ refundId: string }>(
      `SELECT refund_id AS "refundId" FROM bank_transfer_refunds
        WHERE status = 'PENDING' AND bank_reference IS NULL AND attempts < $2
        ORDER BY created_at LIMIT $1`,
      [limit, attemptsMax],
    );
    return rows.map((row) => row.refundId as RefundId);
  }

  async recordIntent(
    intent: BankRefundIntent,
  ): Promise<{ refund: RefundRecord; payment: PaymentRecord } | "conflict"> {
    try {
      return await this.sql.transaction(async (tx) => {
        const payment = await updatePayment(tx, intent, this.pii);
        const r = intent.refund;
        const [refundRow] = await tx.query<Row>(
          `INSERT INTO refunds (id, payment_id, merchant_id, mode, amount_minor, currency, status, reason)
           VALUES ($1, $2, $3, $4::"Mode", $5::bigint, $6, 'PENDING', $7)
           RETURNING ${REFUND_COLUMNS}`,
          [r.id, r.paymentId, r.merchantId, r.mode, r.amountMinor, r.currency, r.reason],
        );
        const d = intent.destination;
        const account = d.kind === "ACCOUNT" ? d : null;
        await tx.query(
          `INSERT INTO bank_transfer_refunds (refund_id, payment_id, merchant_id, mode, amount_minor, currency, destination,
                                              transfer_id, rail, holder_name, account_last4, routing_number,
                                              account_ciphertext, account_nonce, account_auth_tag, account_key_version)
           VALUES ($1, $2, $3, $4::"Mode", $5::bigint, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
          [
            r.id,
            r.paymentId,
            r.merchantId,
            r.mode,
            r.amountMinor,
            r.currency,
            d.kind,
            d.kind === "ORIGINATING" ? d.transferId : null,
            account?.rail ?? null,
            account?.holderName ?? null,
            account?.last4 ?? null,
            account?.routingNumber ?? null,
            account?.number.ciphertext ?? null,
            account?.number.nonce ?? null,
            account?.number.authTag ?? null,
            account?.number.keyVersion ?? null,
          ],
        );
        await writeRest(tx, payment, intent, r.id);
        return { refund: toRefund(refundRow as Row), payment };
      });
    } catch (error) {
      if (error instanceof Conflict) return "conflict";
      throw error;
    }
  }

  async recordOutcome(
    write: BankRefundOutcomeWrite,
  ): Promise<{ refund: RefundRecord; payment: PaymentRecord } | "conflict"> {
    try {
      return await this.sql.transaction(async (tx) => {
        const moved = await tx.query<{ refundId: string }>(
          `UPDATE bank_transfer_refunds
              SET status = $3, bank_reference = COALESCE(bank_reference, $4), failure_code = $5, version = version + 1
            WHERE refund_id = $1 AND version = $2
           RETURNING refund_id AS "refundId"`,
          [write.refundId, write.expectedVersion, write.status, write.bankReference, write.failureCode],
        );
        if (moved.length !== 1) throw new Conflict();
        const payment =
          Object.keys(write.patch).length > 0 ? await updatePayment(tx, write, this.pii) : write.decidedOn;
        const [refundRow] =
          write.status === "PENDING"
            ? await tx.query<Row>(`SELECT ${REFUND_COLUMNS} FROM refunds WHERE id = $1`, [write.refundId])
            : await tx.query<Row>(
                `UPDATE refunds SET status = $2::"RefundStatus", psp_reference = COALESCE(psp_reference, $3),
                                    failure_code = $4, updated_at = now()
                  WHERE id = $1 RETURNING ${REFUND_COLUMNS}`,
                [write.refundId, write.status, write.bankReference, write.failureCode],
              );
        await writeRest(tx, payment, write, write.refundId);
        return { refund: toRefund(refundRow as Row), payment };
      });
    } catch (error) {
      if (error instanceof Conflict) return "conflict";
      throw error;
    }
  }
}

/** The conditional payment update: only if it is still as the decision read it. */
async function updatePayment(
  tx: SqlTransaction,
  write: BankRefundPaymentWrite,
  pii: PiiVault,
): Promise<PaymentRecord> {
  const p = write.decidedOn;
  const rows = await tx.query<Row>(
    `UPDATE payments
        SET status = COALESCE($4::"PaymentStatus", status),
            amount_refunded_minor = COALESCE($5::bigint, amount_refunded_minor),
            amount_refund_pending_minor = COALESCE($6::bigint, amount_refund_pending_minor),
            version = version + 1
      WHERE id = $1 AND version = $2 AND status = $3::"PaymentStatus"
     RETURNING ${PAYMENT_COLUMNS}`,
    [
      p.id,
      p.version,
      p.status,
      write.patch.status ?? null,
      write.patch.amountRefundedMinor ?? null,
      write.patch.amountRefundPendingMinor ?? null,
    ],
  );
  if (rows.length !== 1) throw new Conflict();
  return toPayment(rows[0] as Row, pii);
}

/** The events, outbox messages and journal entries of a refund's change; its entries name the refund (the balance
 * transaction's source, as for card refunds). */
async function writeRest(
  tx: SqlTransaction,
  payment: PaymentRecord,
  write: BankRefundPaymentWrite,
  refundId: string,
): Promise<void> {
  await insertEvents(tx, payment, write.events);
  await insertOutbox(tx, payment, write.outbox);
  await postJournal(
    tx,
    { merchantId: payment.merchantId, mode: payment.mode, paymentId: payment.id, refundId },
    write.journal,
  );
}
