// Receipts and credit notes, read side: the data their hosted page, PDF and email are rendered from. They are
// written by the database itself in the capture's or refund's transaction (migration 20261207080000), never here.
// Whitelisted columns: the card shows as brand and last 4 only.
import type { Mode } from "@paycore/core/payments/payment-record";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import type { Sql } from "../sql";

export interface ReceiptDocument {
  kind: "receipt" | "credit_note";
  id: string;
  accessToken: string;
  /** The number in its series (receipts and credit notes each have their own per merchant and mode). */
  number: bigint;
  merchantId: string;
  merchantName: string;
  mode: Mode;
  paymentId: string;
  /** For a credit note: the receipt it corrects. */
  receiptId: string;
  receiptNumber: bigint;
  /** Null once the customer's data was erased (`customer erase`): the document renders without it. */
  email: string | null;
  amountMinor: bigint;
  currency: string;
  description: string | null;
  cardBrand: string;
  cardLast4: string;
  createdAt: Date;
}

const RECEIPT = `
SELECT 'receipt' AS kind, r.id, r.access_token AS "accessToken", r.number, r.merchant_id AS "merchantId",
       m.name AS "merchantName", r.mode, r.payment_id AS "paymentId", r.id AS "receiptId",
       r.number AS "receiptNumber", r.email, r.amount_minor AS "amountMinor", r.currency,
       p.description, COALESCE(pm.brand, 'bank transfer') AS "cardBrand", COALESCE(pm.last4, '') AS "cardLast4", r.created_at AS "createdAt"
  FROM receipts r
  JOIN merchants m ON m.id = r.merchant_id
  JOIN payments p ON p.id = r.payment_id
  -- A bank-transfer payment (issue 18) has no card.
  LEFT JOIN payment_methods pm ON pm.id = p.payment_method_id`;

const CREDIT_NOTE = `
SELECT 'credit_note' AS kind, c.id, c.access_token AS "accessToken", c.number, c.merchant_id AS "merchantId",
       m.name AS "merchantName", c.mode, r.payment_id AS "paymentId", r.id AS "receiptId",
       r.number AS "receiptNumber", r.email, c.amount_minor AS "amountMinor", c.currency,
       p.description, COALESCE(pm.brand, 'bank transfer') AS "cardBrand", COALESCE(pm.last4, '') AS "cardLast4", c.created_at AS "createdAt"
  FROM credit_notes c
  JOIN receipts r ON r.id = c.receipt_id
  JOIN merchants m ON m.id = c.merchant_id
  JOIN payments p ON p.id = r.payment_id
  -- A bank-transfer payment (issue 18) has no card.
  LEFT JOIN payment_methods pm ON pm.id = p.payment_method_id`;

export class ReceiptRepository {
  constructor(
    private readonly sql: Sql,
    /** Opens the sealed address (issue 22). */
    private readonly pii: PiiVault,
  ) {}

  private opened(row: ReceiptDocument | undefined): ReceiptDocument | null {
    return row === undefined ? null : { ...row, email: this.pii.open("email", row.merchantId, row.email) };
  }

  async findReceipt(id: string): Promise<ReceiptDocument | null> {
    const [row] = await this.sql.query<ReceiptDocument>(`${RECEIPT} WHERE r.id = $1`, [id]);
    return this.opened(row);
  }

  async findCreditNote(id: string): Promise<ReceiptDocument | null> {
    const [row] = await this.sql.query<ReceiptDocument>(`${CREDIT_NOTE} WHERE c.id = $1`, [id]);
    return this.opened(row);
  }

  /** A payment's receipt, in the merchant's own scope (the API's `Payment.receipt`). */
  async findReceiptOfPayment(
    merchantId: string,
    mode: Mode,
    paymentId: string,
  ): Promise<ReceiptDocument | null> {
    const [row] = await this.sql.query<ReceiptDocument>(
      `${RECEIPT} WHERE r.payment_id = $1 AND r.merchant_id = $2 AND r.mode = $3::"Mode"`,
      [paymentId, merchantId, mode],
    );
    return this.opened(row);
  }

  /** The receipt's credit notes, oldest first (a payment has at most a bounded number of refunds). */
  async creditNotesOfReceipt(receiptId: string): Promise<ReceiptDocument[]> {
    const rows = await this.sql.query<ReceiptDocument>(
      `${CREDIT_NOTE} WHERE c.receipt_id = $1 ORDER BY c.number LIMIT 100`,
      [receiptId],
    );
    return rows.map((row) => this.opened(row) as ReceiptDocument);
  }
}
