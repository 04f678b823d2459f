import { invariant } from "../errors/domain-error";
import type { CurrencyCode } from "../money/currency";

/** Each merchant has one of each account per (mode, currency); the value is the account type. */
export const LEDGER_ACCOUNTS = {
  psp_receivable: "ASSET",
  /** What the merchant may be paid out now ("available"); refunds and dispute debits take from it. */
  merchant_balance: "LIABILITY",
  fee_revenue: "REVENUE",
  /** Captured for the merchant, not yet released by the PSP's settlement delay ("pending"). */
  merchant_pending: "LIABILITY",
  /** Held back from the merchant under a reserve ("reserved"). */
  merchant_reserved: "LIABILITY",
  /** Paid out of the merchant's balance, on its way to the merchant's bank. */
  payouts_in_transit: "LIABILITY",
  /** Our payout bank account: what payouts took from it (credit) and returns gave back (debit). */
  payout_bank: "ASSET",
  // Multiple currencies (issue 18): a conversion posts through the clearing account of each of its two
  // currencies (../fx/fx-postings.ts); what a refund or dispute converts at another rate than the capture's
  // goes to FX gain or loss (debit: a loss).
  fx_clearing: "ASSET",
  fx_gain_loss: "EXPENSE",
  /** The platform's cost of verifying payout destinations by micro-deposits (../payouts/micro-deposits.ts). */
  verification_expense: "EXPENSE",
} as const;

export type LedgerAccountCode = keyof typeof LEDGER_ACCOUNTS;
export type LedgerAccountType = (typeof LEDGER_ACCOUNTS)[LedgerAccountCode];
export type EntryDirection = "DEBIT" | "CREDIT";

export interface PostingLine {
  account: LedgerAccountCode;
  direction: EntryDirection;
  amountMinor: bigint;
}

export interface JournalEntryDraft {
  kind:
    | "payment.captured"
    | "refund.succeeded"
    | "dispute.funds_withdrawn"
    | "dispute.funds_reinstated"
    | "balance.released"
    | "payout.created"
    | "payout.paid"
    | "payout.failed"
    | "payout.canceled"
    | "payout.returned"
    // Multiple currencies (issue 18): the settlement-currency leg of a conversion (../fx/fx-postings.ts).
    | "fx.capture_conversion"
    | "fx.refund_conversion"
    | "fx.dispute_conversion"
    | "fx.dispute_reversal_conversion"
    // Reserves (../payouts/reserves.ts): available <-> reserved.
    | "reserve.held"
    | "reserve.released"
    // Bank account verification by micro-deposits, at the platform's cost.
    | "bank_account.micro_deposits";
  currency: CurrencyCode;
  lines: PostingLine[];
}

/**
 * The PSP owes us the whole capture; we owe the merchant all of it but our fee, pending until the PSP's settlement
 * delay has passed (the release entry then moves it to the available balance, `merchant_balance`).
 */
export function capturePosting(input: {
  amountMinor: bigint;
  currency: CurrencyCode;
  feeMinor: bigint;
}): JournalEntryDraft {
  invariant(input.amountMinor > 0n, "a capture posting needs a positive amount");
  invariant(
    input.feeMinor >= 0n && input.feeMinor <= input.amountMinor,
    "a capture fee must be between zero and the captured amount",
  );
  const lines: PostingLine[] = [
    { account: "psp_receivable", direction: "DEBIT", amountMinor: input.amountMinor },
  ];
  const merchantMinor = input.amountMinor - input.feeMinor;
  // Zero-amount lines are dropped: they carry no information and break the "every line > 0" rule.
  if (merchantMinor > 0n) {
    lines.push({ account: "merchant_pending", direction: "CREDIT", amountMinor: merchantMinor });
  }
  if (input.feeMinor > 0n) {
    lines.push({ account: "fee_revenue", direction: "CREDIT", amountMinor: input.feeMinor });
  }
  const entry: JournalEntryDraft = { kind: "payment.captured", currency: input.currency, lines };
  assertBalanced(entry);
  return entry;
}

/** The fee stays earned on refunds, so the merchant's balance bears the whole refunded amount. */
export function refundPosting(input: { amountMinor: bigint; currency: CurrencyCode }): JournalEntryDraft {
  invariant(input.amountMinor > 0n, "a refund posting needs a positive amount");
  const entry: JournalEntryDraft = {
    kind: "refund.succeeded",
    currency: input.currency,
    lines: [
      { account: "merchant_balance", direction: "DEBIT", amountMinor: input.amountMinor },
      { account: "psp_receivable", direction: "CREDIT", amountMinor: input.amountMinor },
    ],
  };
  assertBalanced(entry);
  return entry;
}

export function assertBalanced(entry: JournalEntryDraft): void {
  invariant(entry.lines.length >= 2, `journal entry ${entry.kind} needs at least two lines`);
  let debitsMinor = 0n;
  let creditsMinor = 0n;
  for (const line of entry.lines) {
    invariant(
      typeof line.amountMinor === "bigint" && line.amountMinor > 0n,
      `journal entry ${entry.kind} has a non-positive line on ${line.account}`,
    );
    invariant(line.account in LEDGER_ACCOUNTS, `journal entry ${entry.kind} uses an unknown account`);
    if (line.direction === "DEBIT") {
      debitsMinor += line.amountMinor;
    } else {
      invariant(line.direction === "CREDIT", `journal entry ${entry.kind} has an unknown direction`);
      creditsMinor += line.amountMinor;
    }
  }
  invariant(
    debitsMinor === creditsMinor,
    `journal entry ${entry.kind} is unbalanced: debits ${debitsMinor} != credits ${creditsMinor}`,
  );
}

/** Signed so that a healthy account reads positive: assets are debit-normal, the rest credit-normal. */
export function balanceFromTotals(
  account: LedgerAccountCode,
  totals: { debitsMinor: bigint; creditsMinor: bigint },
): bigint {
  return LEDGER_ACCOUNTS[account] === "ASSET"
    ? totals.debitsMinor - totals.creditsMinor
    : totals.creditsMinor - totals.debitsMinor;
}

/**
 * The issuer takes the disputed amount back from the PSP, and the merchant bears it plus our dispute fee (charged
 * once per dispute, with its first withdrawal; zero on later ones).
 */
export function disputeWithdrawalPosting(input: {
  amountMinor: bigint;
  currency: CurrencyCode;
  feeMinor: bigint;
}): JournalEntryDraft {
  invariant(input.amountMinor > 0n, "a dispute withdrawal needs a positive amount");
  invariant(input.feeMinor >= 0n, "a dispute fee is never negative");
  const lines: PostingLine[] = [
    { account: "merchant_balance", direction: "DEBIT", amountMinor: input.amountMinor + input.feeMinor },
    { account: "psp_receivable", direction: "CREDIT", amountMinor: input.amountMinor },
  ];
  if (input.feeMinor > 0n) {
    lines.push({ account: "fee_revenue", direction: "CREDIT", amountMinor: input.feeMinor });
  }
  const entry: JournalEntryDraft = { kind: "dispute.funds_withdrawn", currency: input.currency, lines };
  assertBalanced(entry);
  return entry;
}

/** A won dispute: the disputed amount comes back; the dispute fee stays earned (docs/operations.md). */
export function disputeReinstatementPosting(input: {
  amountMinor: bigint;
  currency: CurrencyCode;
}): JournalEntryDraft {
  invariant(input.amountMinor > 0n, "a dispute reinstatement needs a positive amount");
  const entry: JournalEntryDraft = {
    kind: "dispute.funds_reinstated",
    currency: input.currency,
    lines: [
      { account: "psp_receivable", direction: "DEBIT", amountMinor: input.amountMinor },
      { account: "merchant_balance", direction: "CREDIT", amountMinor: input.amountMinor },
    ],
  };
  assertBalanced(entry);
  return entry;
}
