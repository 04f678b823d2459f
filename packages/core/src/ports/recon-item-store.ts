// Reconciliation items, operator side: read one, move it through its state machine with a reason, or accept
// the PSP's figure (an adjustment posting and the item resolved, in one transaction with the audit row).
import type { CurrencyCode } from "../money/currency";
import type { ReconCategory } from "../reconciliation/matching";
import type { AuditDraft } from "./audit";
import type { ReconItemStatus } from "./reconciliation-store";

export interface ReconItemRecord {
  id: string;
  psp: string;
  category: ReconCategory;
  status: ReconItemStatus;
  currency: CurrencyCode;
  grossMinor: bigint | null;
  feeMinor: bigint | null;
  netMinor: bigint | null;
  merchantAccount: string | null;
  expectedKind: "CAPTURE" | "REFUND" | null;
  expectedAmountMinor: bigint | null;
  merchantId: string | null;
  mode: "TEST" | "LIVE" | null;
  paymentId: string | null;
  differenceMinor: bigint;
  journalEntryId: string | null;
}

/** What linking needs of a payment: whose it is, and its currency. */
export interface LinkablePayment {
  merchantId: string;
  mode: "TEST" | "LIVE";
  currency: CurrencyCode;
}

export interface ReconItemStore {
  findPaymentScope(paymentId: string): Promise<LinkablePayment | null>;
  /** Names the payment on an OPEN item that names none, with the audit row; false when that no longer holds. */
  linkPayment(
    id: string,
    paymentId: string,
    payment: LinkablePayment,
    note: string,
    audit: AuditDraft,
  ): Promise<boolean>;
  findItem(id: string): Promise<ReconItemRecord | null>;
  /** Conditional on `from`; false when the item was no longer in it. */
  transition(
    id: string,
    from: ReconItemStatus,
    to: ReconItemStatus,
    note: string,
    audit: AuditDraft,
  ): Promise<boolean>;
  /** Posts the PSP's figure with the difference to recon_adjustments and resolves the OPEN item; false if not OPEN. */
  acceptPspFigure(id: string, note: string, audit: AuditDraft): Promise<boolean>;
}
