// Where invoices are kept. Every write is conditional on the version the command read (a lost race writes
// nothing and returns null) and writes the invoice's event, and for a status change its outbox message, in the
// same transaction. Finalising takes the invoice number from the merchant's gap-free series in that transaction.
import type { InvoiceId, MerchantId } from "../ids/ids";
import type { InvoiceEvent, InvoiceStatus } from "../invoices/invoice-state-machine";
import type { LineAmounts, TaxBehavior } from "../invoices/invoice-totals";
import type { Mode } from "../payments/payment-record";
import type { AuditDraft } from "./audit";

export interface InvoiceLineRecord extends LineAmounts {
  id: string;
  position: number;
  description: string;
  quantity: number;
  unitAmountMinor: bigint;
  taxRateBps: number | null;
  taxBehavior: TaxBehavior;
}

export interface InvoiceRecord {
  id: InvoiceId;
  merchantId: MerchantId;
  mode: Mode;
  status: InvoiceStatus;
  currency: string;
  customerEmail: string | null;
  memo: string | null;
  /** YYYY-MM-DD. */
  dueDate: string | null;
  number: bigint | null;
  netMinor: bigint;
  taxMinor: bigint;
  totalMinor: bigint;
  accessToken: string;
  /** The payment that paid it (PAID only). */
  paymentId: string | null;
  version: number;
  finalizedAt: Date | null;
  paidAt: Date | null;
  voidedAt: Date | null;
  createdAt: Date;
  lines: InvoiceLineRecord[];
}

/** Who changed an invoice, as its event records it. */
export interface InvoiceEventDraft {
  type: string;
  source: "API" | "OPERATOR" | "SYSTEM";
  actor: string | null;
  data: Record<string, string | number | boolean | null>;
}

export interface NewInvoice {
  id: InvoiceId;
  merchantId: MerchantId;
  mode: Mode;
  currency: string;
  customerEmail: string | null;
  memo: string | null;
  dueDate: string | null;
  lines: InvoiceLineRecord[];
  totals: LineAmounts;
}

/** What a status change writes besides the invoice, its event and its outbox message (same transaction). */
export interface InvoiceTransitionExtras {
  /** PAID: the payment that paid it, and the hosted page's try that made it (marked SUCCEEDED). */
  payment?: { paymentId: string; tryId: string | null } | null;
  /** An operator's change: its operator_audit_log row. */
  operatorAudit?: AuditDraft | null;
}

/** One try to pay an invoice made by the former direct pay path of its hosted page (see invoice-payment.ts). */
export interface InvoicePaymentTry {
  id: string;
  invoiceId: InvoiceId;
  paymentId: string | null;
  status: "PENDING" | "SUCCEEDED" | "FAILED";
  amountMinor: bigint;
  currency: string;
}

export interface InvoiceStore {
  insert(invoice: NewInvoice, event: InvoiceEventDraft): Promise<InvoiceRecord>;
  find(merchantId: MerchantId, mode: Mode, id: InvoiceId): Promise<InvoiceRecord | null>;
  /** Replaces a DRAFT's lines and totals if it still has `version`; null otherwise. */
  replaceDraftLines(
    invoice: InvoiceRecord,
    lines: InvoiceLineRecord[],
    totals: LineAmounts,
    event: InvoiceEventDraft,
  ): Promise<InvoiceRecord | null>;
  /**
   * Moves the invoice from its status to `to` if it still has its version; null otherwise. A void is refused with
   * "checkout_in_flight" while a customer's payment of it through a checkout session is being decided (the
   * session's row is locked, so a payment cannot start meanwhile).
   */
  transition(
    invoice: InvoiceRecord,
    event: InvoiceEvent,
    to: InvoiceStatus,
    audit: InvoiceEventDraft,
    outbox: { topic: string; payload: Record<string, string | number | boolean | null> } | null,
    extras?: InvoiceTransitionExtras,
  ): Promise<InvoiceRecord | "checkout_in_flight" | null>;
  /** The invoice's PENDING or SUCCEEDED try, if any. */
  findLivePaymentTry(invoiceId: InvoiceId): Promise<InvoicePaymentTry | null>;
  /** A PENDING try whose payment did not succeed: the invoice may be paid by another try. */
  failPaymentTry(tryId: string): Promise<void>;
  list(
    merchantId: MerchantId,
    mode: Mode,
    options: { first: number; status: InvoiceStatus | null; beforeId: string | null },
  ): Promise<InvoiceRecord[]>;
}
