// Bank account verification by micro-deposits: two small credits (1 to 99 minor units, different from each other)
// sent to the account; the merchant reads them on its statement and confirms both. At most
// MICRO_DEPOSIT_ATTEMPTS_MAX wrong confirmations, then the account is locked (VERIFICATION_FAILED). The amounts
// are a secret until confirmed (encrypted at rest). Their cost is ours: one journal entry per account, debit the
// platform's verification_expense, credit payout_bank (the bank account they left), in the account's currency;
// the merchant's balance is untouched.
import { randomInt } from "node:crypto";
import { DomainError } from "../errors/domain-error";
import { assertBalanced, type JournalEntryDraft } from "../ledger/postings";
import type { CurrencyCode } from "../money/currency";
import { parseAmountMinor } from "../money/money";

export const MICRO_DEPOSIT_ATTEMPTS_MAX = 3;
export const MICRO_DEPOSIT_MINOR_MAX = 99n;

export type MicroDepositAmounts = readonly [bigint, bigint];

/** Two different amounts from 1 to 99 minor units. */
export function randomMicroDeposits(): MicroDepositAmounts {
  const first = BigInt(randomInt(1, 100));
  let second = BigInt(randomInt(1, 99));
  if (second >= first) second += 1n;
  return [first, second];
}

/** "32,45": the plaintext that is encrypted. */
export function encodeMicroDeposits(amounts: MicroDepositAmounts): string {
  return `${amounts[0]},${amounts[1]}`;
}

export function decodeMicroDeposits(text: string): MicroDepositAmounts {
  const [a, b] = text.split(",");
  return [BigInt(a ?? "0"), BigInt(b ?? "0")];
}

/** The merchant's two amounts, validated: exactly two, each 1..99 minor units. */
export function parseConfirmedAmounts(input: readonly unknown[]): MicroDepositAmounts {
  if (input.length !== 2)
    throw new DomainError("INVALID_INPUT", "amounts must list exactly the two micro-deposits.", {
      field: ["amounts"],
    });
  const parsed = input.map((value, index) => {
    const amount = parseAmountMinor(value, { field: ["amounts", String(index)] });
    if (amount > MICRO_DEPOSIT_MINOR_MAX)
      throw new DomainError("INVALID_INPUT", "Each micro-deposit is at most 99 minor units.", {
        field: ["amounts", String(index)],
      });
    return amount;
  });
  return [parsed[0] as bigint, parsed[1] as bigint];
}

/** Whether the confirmed amounts are the sent ones, in either order. */
export function microDepositsMatch(sent: MicroDepositAmounts, confirmed: MicroDepositAmounts): boolean {
  return (
    (sent[0] === confirmed[0] && sent[1] === confirmed[1]) ||
    (sent[0] === confirmed[1] && sent[1] === confirmed[0])
  );
}

/** The platform pays for the verification: debit verification_expense, credit payout_bank. */
export function microDepositPosting(input: {
  amounts: MicroDepositAmounts;
  currency: CurrencyCode;
}): JournalEntryDraft {
  const total = input.amounts[0] + input.amounts[1];
  const entry: JournalEntryDraft = {
    kind: "bank_account.micro_deposits",
    currency: input.currency,
    lines: [
      { account: "verification_expense", direction: "DEBIT", amountMinor: total },
      { account: "payout_bank", direction: "CREDIT", amountMinor: total },
    ],
  };
  assertBalanced(entry);
  return entry;
}
