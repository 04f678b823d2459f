// A manual ledger adjustment: one balanced journal entry (kind manual.adjustment) moving an amount between two
// adjustable accounts of one merchant, mode and currency, with a reason. Adjustable are the accounts no PSP
// figure or payment drives: the merchant's balance, our fee revenue, and the reconciliation expense accounts.
// The receivable and bank cash follow the PSPs' money and are never adjusted by hand.
import { DomainError } from "../errors/domain-error";
import type { MerchantId } from "../ids/ids";
import type { CurrencyCode } from "../money/currency";
import type { Mode } from "../payments/payment-record";
import type { EntryDirection } from "./postings";

export const ADJUSTABLE_ACCOUNTS = {
  merchant_balance: "LIABILITY",
  fee_revenue: "REVENUE",
  psp_fees: "EXPENSE",
  recon_adjustments: "EXPENSE",
} as const;

export type AdjustableAccount = keyof typeof ADJUSTABLE_ACCOUNTS;

export const ADJUSTMENT_REASON_MAX_LENGTH = 500;

export function isAdjustableAccount(code: string): code is AdjustableAccount {
  return Object.hasOwn(ADJUSTABLE_ACCOUNTS, code);
}

export interface LedgerAdjustment {
  journalEntryId: string;
  merchantId: MerchantId;
  mode: Mode;
  currency: CurrencyCode;
  debitAccount: AdjustableAccount;
  creditAccount: AdjustableAccount;
  amountMinor: bigint;
  reason: string;
  requestedBy: string;
  approvedBy: string | null;
  approvalRequestId: string | null;
  /** The requester's key for this adjustment (the console form's): one adjustment per key and requester. */
  requestKey: string | null;
}

export interface AdjustmentLine {
  account: AdjustableAccount;
  direction: EntryDirection;
  amountMinor: bigint;
}

/** The adjustment's two lines: balanced by construction (one debit, one credit of the same positive amount). */
export function adjustmentLines(adjustment: LedgerAdjustment): [AdjustmentLine, AdjustmentLine] {
  if (adjustment.amountMinor <= 0n || adjustment.debitAccount === adjustment.creditAccount) {
    throw new DomainError(
      "LEDGER_ADJUSTMENT_INVALID",
      "An adjustment moves a positive amount between two accounts.",
    );
  }
  return [
    { account: adjustment.debitAccount, direction: "DEBIT", amountMinor: adjustment.amountMinor },
    { account: adjustment.creditAccount, direction: "CREDIT", amountMinor: adjustment.amountMinor },
  ];
}
