// Erasing a customer's personal data (issue 22): the store rewrites every column that holds it and writes the
// operator audit row in one transaction.
import type { AuditDraft } from "./audit";

/** How many rows lost the customer's data, per table (the audit row keeps these counts, never the address). */
export interface CustomerErasureResult {
  payments: number;
  receipts: number;
  invoices: number;
  checkoutSessions: number;
  mails: number;
}

export interface CustomerErasureStore {
  /** Erases, at one merchant, everything found by the e-mail's blind index; audited in the same transaction. */
  eraseCustomer(merchantId: string, emailIndex: string, audit: AuditDraft): Promise<CustomerErasureResult>;
}
