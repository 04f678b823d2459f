// A merchant's balance in one currency, from its ledger accounts (never stored): available (merchant_balance),
// pending (merchant_pending: captured, not yet released) and reserved (merchant_reserved). Each is signed: a
// refund or dispute after the funds were paid out makes available negative. Payouts take only from available,
// and never when it is negative or smaller than the payout.
import { DomainError } from "../errors/domain-error";
import { balanceFromTotals } from "../ledger/postings";

export interface AccountTotals {
  debitsMinor: bigint;
  creditsMinor: bigint;
}

export interface BalanceParts {
  availableMinor: bigint;
  pendingMinor: bigint;
  reservedMinor: bigint;
}

export function balanceParts(totals: {
  merchant_balance?: AccountTotals;
  merchant_pending?: AccountTotals;
  merchant_reserved?: AccountTotals;
}): BalanceParts {
  const zero = { debitsMinor: 0n, creditsMinor: 0n };
  return {
    availableMinor: balanceFromTotals("merchant_balance", totals.merchant_balance ?? zero),
    pendingMinor: balanceFromTotals("merchant_pending", totals.merchant_pending ?? zero),
    reservedMinor: balanceFromTotals("merchant_reserved", totals.merchant_reserved ?? zero),
  };
}

/** The whole balance the merchant is owed: what balance transactions sum to. */
export function totalBalance(parts: BalanceParts): bigint {
  return parts.availableMinor + parts.pendingMinor + parts.reservedMinor;
}

/** Throws the typed refusal when a payout of `amountMinor` may not be made from `availableMinor`. */
export function assertPayoutFits(availableMinor: bigint, amountMinor: bigint): void {
  if (availableMinor < 0n)
    throw new DomainError(
      "PAYOUT_BALANCE_NEGATIVE",
      "The available balance is negative (refunds or disputes): payouts resume once captures restore it.",
    );
  if (amountMinor > availableMinor)
    throw new DomainError("PAYOUT_INSUFFICIENT_BALANCE", "The payout is above the available balance.", {
      field: ["amount"],
    });
}
