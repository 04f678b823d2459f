// The parts of a payment and its attempts the shadow check compares (the payment store's records fit).
import type { PaymentRecord as FullPaymentRecord, PspAttemptStatus } from "../payments/payment-record";

export type PaymentRecord = Pick<
  FullPaymentRecord,
  "id" | "merchantId" | "mode" | "currency" | "status" | "amountCapturedMinor" | "amountRefundedMinor"
>;

export interface StoredAttemptLike {
  id: string;
  operation: "AUTHORIZE" | "CAPTURE" | "VOID" | "REFUND";
  pspName: string;
  idempotencyKey: string;
  amountMinor: bigint;
  status: PspAttemptStatus;
  pspReference: string | null;
}
