// What each vault ciphertext of the bank rails is bound to (AES-GCM associated data), in one place: the commands that
// seal and open them and the key rotation's stores (packages/db encrypted-secret.repository.ts) build the same
// strings. A ciphertext opened under other associated data fails authentication, so a sealed number copied to
// another row is useless.

/** A payout destination's account number (bank_accounts.number_*). */
export function bankAccountNumberAssociatedData(bankAccountId: string): string {
  return `bank_account:${bankAccountId}`;
}

/** A bank account's two micro-deposit amounts while they are a secret (bank_accounts.micro_deposits_*). */
export function microDepositsAssociatedData(bankAccountId: string): string {
  return `bank_account_micro_deposits:${bankAccountId}`;
}

/** The payer's account a bank-transfer refund is credited to (bank_transfer_refunds.account_*). */
export function bankRefundAccountAssociatedData(refundId: string): string {
  return `bank-refund:${refundId}`;
}
