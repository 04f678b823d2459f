// Shadow mode, storage side: reads the payment and its attempts through the payment store, and records a
// contradiction as an open reconciliation item with its audit row in one statement, once per attempt (or
// payment) and rule while it is open (the partial unique index recon_items_shadow_key).
import type { ShadowFinding, ShadowStore } from "@paycore/core/reconciliation/shadow-reconciliation";
import type { PaymentRecord } from "@paycore/core/reconciliation/shadow-types";
import type { Sql } from "../sql";
import type { PostgresPaymentStore } from "./payment-store.repository";

const RECORD = `
WITH item AS (
  INSERT INTO recon_items (id, psp, category, status, rule, currency, expected_kind, expected_id,
    expected_amount_minor, expected_currency, payment_id, merchant_id, mode)
  VALUES ($1, $2, 'STATUS_MISMATCH', 'OPEN', $3, $4, $5, $6, $7, $4, $8, $9, $10::"Mode")
  ON CONFLICT (expected_id, rule) WHERE rule LIKE 'shadow.%' AND status = 'OPEN' DO NOTHING
  RETURNING id
)
INSERT INTO operator_audit_log (operator_id, action, target_type, target_id, before, after)
SELECT NULL, 'reconciliation.shadow_contradiction', 'recon_item', item.id, NULL, $11::jsonb FROM item`;

export class ShadowReconciliationStoreRepository implements ShadowStore {
  constructor(
    private readonly sql: Sql,
    private readonly payments: Pick<PostgresPaymentStore, "findPaymentByPspReference" | "attemptsOf">,
  ) {}

  findPaymentByPspReference(pspName: string, pspReference: string) {
    return this.payments.findPaymentByPspReference(pspName, pspReference);
  }

  async findPaymentById(paymentId: string): Promise<PaymentRecord | null> {
    const rows = await this.sql.query<{
      id: string;
      merchant_id: string;
      mode: "TEST" | "LIVE";
      currency: string;
      status: string;
      amount_captured_minor: bigint;
      amount_refunded_minor: bigint;
    }>(
      `SELECT id, merchant_id, mode, currency, status, amount_captured_minor, amount_refunded_minor
         FROM payments WHERE id = $1`,
      [paymentId],
    );
    const row = rows[0];
    if (row === undefined) return null;
    return {
      id: row.id,
      merchantId: row.merchant_id,
      mode: row.mode,
      currency: row.currency,
      status: row.status,
      amountCapturedMinor: BigInt(row.amount_captured_minor),
      amountRefundedMinor: BigInt(row.amount_refunded_minor),
    } as PaymentRecord;
  }

  attemptsOf(paymentId: PaymentRecord["id"]) {
    return this.payments.attemptsOf(paymentId);
  }

  async recordShadowItem(item: {
    id: string;
    psp: string;
    payment: PaymentRecord;
    finding: ShadowFinding;
  }): Promise<boolean> {
    const { finding, payment } = item;
    const written = await this.sql.execute(RECORD, [
      item.id,
      item.psp,
      finding.rule,
      payment.currency,
      finding.operation,
      finding.attemptId ?? payment.id,
      finding.amountMinor,
      payment.id,
      payment.merchantId,
      payment.mode,
      JSON.stringify({
        rule: finding.rule,
        operation: finding.operation,
        paymentId: payment.id,
        attemptId: finding.attemptId,
        actor: "system:shadow-reconciliation",
      }),
    ]);
    return written === 1;
  }
}
