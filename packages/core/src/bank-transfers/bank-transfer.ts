// Bank transfers as a way to pay: the instructions a customer pays by (a reference to quote and a virtual IBAN),
// what an incoming credit does to the payment (pure: decided here, written by the store in one transaction), and
// the journal entries each credit posts. Money arrives in our bank account, never through a PSP, so these
// entries use the bank-transfer accounts below, not psp_receivable.
import { randomBytes } from "node:crypto";
import { invariant } from "../errors/domain-error";
import type { MerchantId, PaymentId } from "../ids/ids";
import type { CurrencyCode } from "../money/currency";
import type { Mode } from "../payments/payment-record";

/**
 * The bank-transfer accounts per merchant, mode and currency (made on first use):
 * - `bank_transfer_cash` (asset): what customers paid into our bank account and we still hold;
 * - `bank_transfer_unapplied` (liability): partial payments received, not yet enough to complete their payment;
 * - `bank_transfer_owed` (liability): money to send back to the payer (an overpayment's excess, a credit after
 *   expiry or for a payment already paid), until the return transfer is sent.
 */
export const BANK_TRANSFER_ACCOUNTS = {
  bank_transfer_cash: "ASSET",
  bank_transfer_unapplied: "LIABILITY",
  bank_transfer_owed: "LIABILITY",
} as const;
export type BankTransferAccount = keyof typeof BANK_TRANSFER_ACCOUNTS | "merchant_balance" | "fee_revenue";

/** How long a customer has to pay, by default and at most (the merchant may ask for less). */
export const BANK_TRANSFER_EXPIRY_DEFAULT_MS = 7 * 24 * 60 * 60 * 1000;
export const BANK_TRANSFER_EXPIRY_MAX_MS = 30 * 24 * 60 * 60 * 1000;
export const BANK_TRANSFER_EXPIRY_MIN_MS = 60 * 1000;

/** Our collection account's bank (the sandbox bank's BIC); the virtual IBANs are accounts of it. */
export const COLLECTION_BIC = "PYCRNL2A";
const COLLECTION_BANK_CODE = "PYCR";

export interface BankTransferRecord {
  paymentId: PaymentId;
  merchantId: MerchantId;
  mode: Mode;
  /** What the customer must quote; letters and digits only, so bank systems keep it intact. */
  reference: string;
  /** An account number of our collection account that only this payment uses. */
  iban: string;
  bic: string;
  currency: CurrencyCode;
  amountDueMinor: bigint;
  amountReceivedMinor: bigint;
  expiresAt: Date;
}

/** Crockford base32 without I, L, O, U: nothing a customer can misread when typing the reference. */
const REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const REFERENCE_PATTERN = /^PC[0-9A-HJKMNP-TV-Z]{12}$/;

/** A fresh reference: "PC" and 12 random base32 characters (60 bits), never a digit run a scrubber would flag. */
export function newBankTransferReference(random: (size: number) => Uint8Array = randomBytes): string {
  const bytes = random(12);
  let text = "PC";
  for (const byte of bytes) text += REFERENCE_ALPHABET[byte % 32];
  return text;
}

/**
 * The virtual IBAN of a reference: a Dutch-format IBAN (NL, check digits, bank code, 10-digit account) whose
 * account number is derived from the reference, with ISO 13616 check digits (mod 97-10). Ten digits: no run
 * long enough to look like a card number.
 */
export function virtualIbanFor(reference: string): string {
  let account = 0n;
  for (const char of reference) account = (account * 31n + BigInt(char.charCodeAt(0))) % 10_000_000_000n;
  const bban = `${COLLECTION_BANK_CODE}${account.toString().padStart(10, "0")}`;
  return `NL${ibanCheckDigits("NL", bban)}${bban}`;
}

/** ISO 13616 check digits: 98 minus the BBAN + country + "00" read as a number (letters as 10..35) mod 97. */
export function ibanCheckDigits(country: string, bban: string): string {
  const numeric = `${bban}${country}00`
    .split("")
    .map((char) => (/[A-Z]/.test(char) ? String(char.charCodeAt(0) - 55) : char))
    .join("");
  const remainder = BigInt(numeric) % 97n;
  return String(98n - remainder).padStart(2, "0");
}

/** True when an IBAN's check digits are right (spaces ignored). */
export function ibanChecksumValid(iban: string): boolean {
  const compact = iban.replace(/\s+/g, "").toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{1,30}$/.test(compact)) return false;
  return ibanCheckDigits(compact.slice(0, 2), compact.slice(4)) === compact.slice(2, 4);
}

/** A credit the bank told us about, as its notification says (validated by the command). */
export interface IncomingCredit {
  /** The bank's id of the notification: the same event sent twice has the same id. */
  eventId: string;
  /** The bank's id of the transfer itself: what a return names. */
  transferId: string;
  amountMinor: bigint;
  currency: CurrencyCode;
  /** The reference the payer quoted, or null when the virtual IBAN identifies the payment. */
  reference: string | null;
  iban: string | null;
  receivedAt: Date;
}

/** What one credit does to its payment, decided from the payment and transfer as read. */
export type CreditDecision =
  /** Still short of the amount due: the payment keeps waiting, the credit is held as unapplied. */
  | { kind: "partial"; amountReceivedMinor: bigint }
  /** The amount due is reached: captured now; any excess is owed back to the payer and returned. */
  | { kind: "completed"; amountReceivedMinor: bigint; appliedFromEarlierMinor: bigint; excessMinor: bigint }
  /** Nothing to pay any more (expired, cancelled or already paid): the whole credit is returned. */
  | { kind: "returned"; reason: "expired" | "not_awaiting_funds" };

/**
 * The decision for a credit on a payment waiting for `transfer`. A credit received after the expiry is returned
 * even if the expiry worker has not run yet; the payment itself is expired by the worker.
 */
export function decideCredit(
  transfer: BankTransferRecord,
  paymentAwaitingFunds: boolean,
  credit: Pick<IncomingCredit, "amountMinor" | "receivedAt">,
): CreditDecision {
  invariant(credit.amountMinor > 0n, "a credit needs a positive amount");
  if (!paymentAwaitingFunds) return { kind: "returned", reason: "not_awaiting_funds" };
  if (credit.receivedAt.getTime() > transfer.expiresAt.getTime())
    return { kind: "returned", reason: "expired" };
  const received = transfer.amountReceivedMinor + credit.amountMinor;
  if (received < transfer.amountDueMinor) return { kind: "partial", amountReceivedMinor: received };
  return {
    kind: "completed",
    amountReceivedMinor: received,
    appliedFromEarlierMinor: transfer.amountReceivedMinor,
    excessMinor: received - transfer.amountDueMinor,
  };
}

export interface BankPostingLine {
  account: BankTransferAccount;
  direction: "DEBIT" | "CREDIT";
  amountMinor: bigint;
}

export interface BankJournalDraft {
  kind:
    | "bank_transfer.partial"
    | "payment.captured"
    | "bank_transfer.owed"
    | "bank_transfer.expired"
    | "bank_transfer.returned"
    // Refunds of bank-transfer payments (./bank-refunds.ts).
    | "refund.succeeded"
    | "refund.returned";
  currency: CurrencyCode;
  lines: BankPostingLine[];
  /** The bank event (or our return) the entry comes from: unique, so a repeated notification posts nothing. */
  sourceEventKey: string;
}

function entry(
  kind: BankJournalDraft["kind"],
  currency: CurrencyCode,
  sourceEventKey: string,
  lines: BankPostingLine[],
): BankJournalDraft {
  const kept = lines.filter((line) => line.amountMinor > 0n);
  invariant(kept.length >= 2, `journal entry ${kind} needs at least two lines`);
  const debits = kept.filter((l) => l.direction === "DEBIT").reduce((sum, l) => sum + l.amountMinor, 0n);
  const credits = kept.filter((l) => l.direction === "CREDIT").reduce((sum, l) => sum + l.amountMinor, 0n);
  invariant(debits === credits, `journal entry ${kind} does not balance: ${debits} != ${credits}`);
  return { kind, currency, sourceEventKey, lines: kept };
}

/**
 * The entries one credit posts. The capture entry is exactly the amount due (so a payment's captured amount equals
 * its `payment.captured` debits, the ledger invariant); an excess or a returned credit is a separate entry owed
 * back to the payer. Each entry's source key is the bank's event id, suffixed when one event posts two entries.
 */
export function creditPostings(
  decision: CreditDecision,
  credit: Pick<IncomingCredit, "eventId" | "amountMinor" | "currency">,
  amountDueMinor: bigint,
  feeMinor: bigint,
): BankJournalDraft[] {
  const { currency, eventId } = credit;
  const key = `bank:${eventId}`;
  if (decision.kind === "partial") {
    return [
      entry("bank_transfer.partial", currency, key, [
        { account: "bank_transfer_cash", direction: "DEBIT", amountMinor: credit.amountMinor },
        { account: "bank_transfer_unapplied", direction: "CREDIT", amountMinor: credit.amountMinor },
      ]),
    ];
  }
  if (decision.kind === "returned") {
    return [
      entry("bank_transfer.owed", currency, key, [
        { account: "bank_transfer_cash", direction: "DEBIT", amountMinor: credit.amountMinor },
        { account: "bank_transfer_owed", direction: "CREDIT", amountMinor: credit.amountMinor },
      ]),
    ];
  }
  invariant(feeMinor >= 0n && feeMinor <= amountDueMinor, "a fee must be between zero and the amount due");
  const fromThisCredit = amountDueMinor - decision.appliedFromEarlierMinor;
  const entries = [
    entry("payment.captured", currency, key, [
      { account: "bank_transfer_cash", direction: "DEBIT", amountMinor: fromThisCredit },
      {
        account: "bank_transfer_unapplied",
        direction: "DEBIT",
        amountMinor: decision.appliedFromEarlierMinor,
      },
      { account: "merchant_balance", direction: "CREDIT", amountMinor: amountDueMinor - feeMinor },
      { account: "fee_revenue", direction: "CREDIT", amountMinor: feeMinor },
    ]),
  ];
  if (decision.excessMinor > 0n) {
    entries.push(
      entry("bank_transfer.owed", currency, `${key}:excess`, [
        { account: "bank_transfer_cash", direction: "DEBIT", amountMinor: decision.excessMinor },
        { account: "bank_transfer_owed", direction: "CREDIT", amountMinor: decision.excessMinor },
      ]),
    );
  }
  return entries;
}

/** An expired payment's partial credits become owed to the payer (then returned). */
export function expiryPosting(
  paymentId: PaymentId,
  currency: CurrencyCode,
  amountReceivedMinor: bigint,
): BankJournalDraft | null {
  if (amountReceivedMinor === 0n) return null;
  return entry("bank_transfer.expired", currency, `expiry:${paymentId}`, [
    { account: "bank_transfer_unapplied", direction: "DEBIT", amountMinor: amountReceivedMinor },
    { account: "bank_transfer_owed", direction: "CREDIT", amountMinor: amountReceivedMinor },
  ]);
}

/** A return transfer the bank accepted: the money owed leaves our account. */
export function returnPosting(
  returnId: string,
  currency: CurrencyCode,
  amountMinor: bigint,
): BankJournalDraft {
  return entry("bank_transfer.returned", currency, `return:${returnId}`, [
    { account: "bank_transfer_owed", direction: "DEBIT", amountMinor },
    { account: "bank_transfer_cash", direction: "CREDIT", amountMinor },
  ]);
}
