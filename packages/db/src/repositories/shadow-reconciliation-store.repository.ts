// Shadow mode, storage side: reads the payment and its attempts through the payment store, and records a
// contradiction as an open reconciliation item with its audit row in one statement, once per attempt (or
// payment) and rule while it is open (its 'shadow' claim in recon_item_claims, migration 20261214020100).
import type {
  OperatorResolution,
  PspMessage,
  ShadowFinding,
  ShadowStore,
} from "@paycore/core/reconciliation/shadow-reconciliation";
import type { PaymentRecord } from "@paycore/core/reconciliation/shadow-types";
import type { Sql } from "../sql";
import type { PostgresPaymentStore } from "./payment-store.repository";

// The PSP's side (its message, its references) beside ours (the attempt, its amount); the audit row holds both
// outcomes, the operator's resolution included, in words the item's history shows.
// The claim first: a repeat (or a concurrent first) finds it taken (ON CONFLICT waits for the other transaction) and
// writes nothing; the item's insert trigger sees the claim is its own.
const RECORD = `
WITH claim AS (
  INSERT INTO recon_item_claims (kind, scope, key, item_id, item_created_at)
  VALUES ('shadow', $3::text, $6::text, $1::text, now())
  ON CONFLICT DO NOTHING
  RETURNING item_id
), item AS (
  INSERT INTO recon_items (id, psp, category, status, rule, currency, expected_kind, expected_id,
    expected_amount_minor, expected_currency, payment_id, merchant_id, mode, raw_type, psp_reference,
    modification_reference)
  SELECT claim.item_id, $2::text, 'STATUS_MISMATCH', 'OPEN', $3::text, $4::text, $5::text, $6::text, $7::bigint,
         $4::text, $8::text, $9::text, $10::"Mode", $12::text, $13::text, $14::text
    FROM claim
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

  async operatorResolutionOf(paymentId: string, attemptId: string): Promise<OperatorResolution | null> {
    const rows = await this.sql.query<{ after: Record<string, unknown>; created_at: Date }>(
      `SELECT after, created_at FROM operator_audit_log
        WHERE target_id = $1 AND target_type = 'payment' AND action = 'attempt.resolve'
          AND after->>'attemptId' = $2
        ORDER BY id DESC LIMIT 1`,
      [paymentId, attemptId],
    );
    const row = rows[0];
    if (row === undefined) return null;
    const after = row.after;
    return {
      operator: String(after.actor ?? "operator"),
      outcome: after.confirmedOutcome === "SUCCEEDED" ? "SUCCEEDED" : "FAILED",
      pspReference: typeof after.pspReference === "string" ? after.pspReference : null,
      note: String(after.note ?? ""),
      recordedAt: row.created_at,
    };
  }

  async recordShadowItem(item: {
    id: string;
    psp: string;
    payment: PaymentRecord;
    finding: ShadowFinding;
  }): Promise<boolean> {
    const { finding, payment } = item;
    const message = finding.pspMessage ?? null;
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
        actor: finding.detectedBy ? `system:${finding.detectedBy.worker}` : "system:shadow-reconciliation",
        // The resolver's rule (how it learned the PSP's answer) when the resolver found the contradiction.
        ...(finding.detectedBy ? { detectedBy: finding.detectedBy } : {}),
        ...(message ? { psp: message } : {}),
        ...(finding.recorded
          ? {
              recorded: {
                status: finding.recorded.status,
                ...(finding.recorded.operator
                  ? {
                      byOperator: finding.recorded.operator.operator,
                      operatorOutcome: finding.recorded.operator.outcome,
                      operatorPspReference: finding.recorded.operator.pspReference,
                      operatorNote: finding.recorded.operator.note,
                      operatorRecordedAt: finding.recorded.operator.recordedAt.toISOString(),
                    }
                  : {}),
              },
            }
          : {}),
        ...(message ? { reason: contradictionSentence(finding, message) } : {}),
      }),
      message?.description ?? null,
      message?.pspReference ?? null,
      message?.modificationReference ?? null,
    ]);
    return written === 1;
  }
}

/** The item's history line: what we recorded (and who, when an operator did) against what the PSP says. */
function contradictionSentence(finding: ShadowFinding, message: PspMessage): string {
  const operation = finding.operation.toLowerCase();
  const operator = finding.recorded?.operator ?? null;
  const asked =
    finding.detectedBy?.rule === "resolver.looked_up"
      ? "the resolver looked it up: "
      : finding.detectedBy?.rule === "resolver.asked_again"
        ? "the resolver asked again: "
        : "";
  const ours =
    operator !== null
      ? `${operator.operator} recorded the ${operation} as ${operator.outcome.toLowerCase()} (${operator.note})`
      : finding.recorded
        ? `we recorded the ${operation} as ${finding.recorded.status.toLowerCase()}`
        : `we recorded the ${operation} otherwise`;
  return `${ours}; ${asked}the PSP says ${message.description}`;
}
