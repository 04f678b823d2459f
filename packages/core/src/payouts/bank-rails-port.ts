// The bank that sends our payouts (SEPA credit transfers, ACH credits): the port the core calls, implemented by
// packages/platform/src/bank-rails/. The payout's id is the bank's idempotency key, so asking again after a
// timeout never pays twice.
import type { CurrencyCode } from "../money/currency";
import type { BankRail } from "./bank-account";

export interface BankPayoutRequest {
  /** Our payout id: the idempotency key of the call and the bank's end-to-end reference. */
  payoutId: string;
  rail: BankRail;
  amountMinor: bigint;
  currency: CurrencyCode;
  holderName: string;
  /** SEPA: the IBAN; ACH: the account number. A secret: never logged. */
  accountNumber: string;
  routingNumber: string | null;
}

/** A definite answer. A timeout or unreadable answer is thrown as BankCallUnknown (the outcome is unknown). */
export type BankPayoutAnswer =
  | { status: "accepted"; bankReference: string }
  | { status: "rejected"; code: "account_invalid" | "account_closed" | "rejected"; message: string };

export class BankCallUnknown extends Error {
  override readonly name = "BankCallUnknown";
}

export type BankVerification = { status: "verified" } | { status: "failed"; code: string };

/** What a bank notification says about a payout, after its signature was checked. */
export interface BankPayoutNotification {
  eventId: string;
  payoutId: string;
  type: "payout.paid" | "payout.failed" | "payout.returned";
  failureCode: string | null;
  bankReference: string | null;
}

/** Two micro-deposits to a destination being verified; the account's id is the call's idempotency key. */
export interface MicroDepositRequest {
  bankAccountId: string;
  rail: BankRail;
  currency: CurrencyCode;
  amountsMinor: readonly [bigint, bigint];
  holderName: string;
  /** A secret: never logged. */
  accountNumber: string;
  routingNumber: string | null;
}

/** Thrown as BankCallUnknown on a timeout or unreadable answer (asked again later with the same key). */
export type MicroDepositAnswer =
  | { status: "accepted"; bankReference: string }
  | { status: "rejected"; code: "account_invalid" | "account_closed" | "rejected" };

export interface BankRails {
  /** Sends the two micro-deposits of a verification (idempotent by the bank account's id). */
  sendMicroDeposits(request: MicroDepositRequest): Promise<MicroDepositAnswer>;
  sendPayout(request: BankPayoutRequest): Promise<BankPayoutAnswer>;
  /** Instant verification of a destination (the sandbox's; a real bank would use micro-deposits). */
  verifyAccount(request: {
    rail: BankRail;
    accountNumber: string;
    routingNumber: string | null;
    holderName: string;
  }): Promise<BankVerification>;
}
