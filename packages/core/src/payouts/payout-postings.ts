// The ledger entries of balances and payouts. Funds move available (merchant_balance) -> payouts_in_transit ->
// payout_bank; a failure or cancellation reverses the first step exactly, a return reverses both. Captured funds
// wait in merchant_pending until the release entry moves them to merchant_balance. Each entry balances.
import { invariant } from "../errors/domain-error";
import { assertBalanced, type JournalEntryDraft } from "../ledger/postings";
import type { CurrencyCode } from "../money/currency";

function twoLegs(
  kind: JournalEntryDraft["kind"],
  currency: CurrencyCode,
  amountMinor: bigint,
  debit: JournalEntryDraft["lines"][number]["account"],
  credit: JournalEntryDraft["lines"][number]["account"],
): JournalEntryDraft {
  invariant(amountMinor > 0n, `${kind} needs a positive amount`);
  const entry: JournalEntryDraft = {
    kind,
    currency,
    lines: [
      { account: debit, direction: "DEBIT", amountMinor },
      { account: credit, direction: "CREDIT", amountMinor },
    ],
  };
  assertBalanced(entry);
  return entry;
}

/** Pending -> available, once the PSP's settlement delay has passed. */
export function releasePosting(input: { amountMinor: bigint; currency: CurrencyCode }): JournalEntryDraft {
  return twoLegs(
    "balance.released",
    input.currency,
    input.amountMinor,
    "merchant_pending",
    "merchant_balance",
  );
}

/** Created: the amount leaves the available balance for the payouts in transit. */
export function payoutCreatedPosting(input: {
  amountMinor: bigint;
  currency: CurrencyCode;
}): JournalEntryDraft {
  return twoLegs(
    "payout.created",
    input.currency,
    input.amountMinor,
    "merchant_balance",
    "payouts_in_transit",
  );
}

/** Paid: our payout bank account paid it. */
export function payoutPaidPosting(input: { amountMinor: bigint; currency: CurrencyCode }): JournalEntryDraft {
  return twoLegs("payout.paid", input.currency, input.amountMinor, "payouts_in_transit", "payout_bank");
}

/** Failed or cancelled before it was paid: back from in transit to the available balance. */
export function payoutReversalPosting(input: {
  kind: "payout.failed" | "payout.canceled";
  amountMinor: bigint;
  currency: CurrencyCode;
}): JournalEntryDraft {
  return twoLegs(input.kind, input.currency, input.amountMinor, "payouts_in_transit", "merchant_balance");
}

/** Returned after it was paid: the bank gives it back, the merchant's available balance gets it back. */
export function payoutReturnedPosting(input: {
  amountMinor: bigint;
  currency: CurrencyCode;
}): JournalEntryDraft {
  return twoLegs("payout.returned", input.currency, input.amountMinor, "payout_bank", "merchant_balance");
}
