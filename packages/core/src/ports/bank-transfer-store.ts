// The port the bank-transfer commands persist through. Each method is one database transaction: the payment's
// change (conditional on its version, through the state machine the database also guards), its audit event,
// outbox message, journal entries (each with its unique source-event key) and queued returns together or not at all.
import type { BankJournalDraft, BankTransferRecord, IncomingCredit } from "../bank-transfers/bank-transfer";
import type { MerchantId, PaymentId } from "../ids/ids";
import type { FeeSchedule } from "../ledger/fees";
import type {
  MerchantActor,
  Mode,
  OutboxDraft,
  PaymentEventDraft,
  PaymentRecord,
} from "../payments/payment-record";
import type { PaymentPatch } from "./payment-store";

export interface NewBankTransferPayment {
  payment: Omit<PaymentRecord, "version" | "createdAt" | "updatedAt">;
  transfer: BankTransferRecord;
  receiptEmail: string | null;
  event: PaymentEventDraft;
  outbox: OutboxDraft[];
}

/** A return to send: money owed back to a payer, by the bank transfer it came with. */
export interface QueuedReturn {
  id: string;
  /** The bank's id of the incoming transfer being returned (the bank knows the payer: we store no account). */
  transferId: string;
  amountMinor: bigint;
  /** The returned transfer's currency (a credit in a wrong currency is returned in its own). */
  currency: BankTransferRecord["currency"];
  reason: "excess" | "expired" | "not_awaiting_funds";
}

/** What one credit writes, decided by the core from the locked rows. */
export interface CreditWrite {
  outcome: string;
  patch: PaymentPatch | null;
  events: PaymentEventDraft[];
  outbox: OutboxDraft[];
  journal: BankJournalDraft[];
  amountReceivedMinor: bigint;
  returns: QueuedReturn[];
}

export interface LockedTransfer {
  transfer: BankTransferRecord;
  payment: PaymentRecord;
  fee: FeeSchedule;
}

export type ApplyCreditResult =
  | { applied: true; paymentId: PaymentId; outcome: string }
  | { applied: false; reason: "duplicate" | "unknown_reference" };

export interface PendingReturn extends QueuedReturn {
  paymentId: PaymentId;
  merchantId: MerchantId;
  mode: Mode;
  attempts: number;
}

export interface BankTransferStore {
  insertPayment(input: NewBankTransferPayment): Promise<PaymentRecord>;
  findTransfer(
    actor: Pick<MerchantActor, "merchantId" | "mode">,
    paymentId: PaymentId,
  ): Promise<BankTransferRecord | null>;
  /**
   * In one transaction: locks the transfer the credit names (by reference, else by virtual IBAN) and its payment,
   * records the credit under its unique event and transfer ids, then writes what `decide` returns. An unknown
   * reference or a credit already recorded writes nothing.
   */
  applyCredit(
    credit: IncomingCredit,
    decide: (locked: LockedTransfer) => CreditWrite,
  ): Promise<ApplyCreditResult>;
  /** Payments still awaiting funds past their expiry, oldest first. */
  expiredTransfers(
    now: Date,
    limit: number,
  ): Promise<Array<{ paymentId: PaymentId; merchantId: MerchantId; mode: Mode }>>;
  /**
   * Expires one payment if it still awaits funds: the change, its event and outbox message, the expiry entry and
   * one queued return per partial credit received. False when it moved on meanwhile.
   */
  expire(
    paymentId: PaymentId,
    decide: (
      locked: LockedTransfer,
      partialCredits: Array<{ transferId: string; amountMinor: bigint }>,
    ) => CreditWrite,
  ): Promise<boolean>;
  pendingReturns(limit: number): Promise<PendingReturn[]>;
  /** The bank accepted the return: marked sent and its entry posted (its source key makes a repeat post nothing). */
  markReturnSent(returnId: string, bankReference: string, journal: BankJournalDraft): Promise<void>;
  /** The bank refused it for good: kept owed for an operator (the money stays in bank_transfer_owed). */
  markReturnFailed(returnId: string, reason: string): Promise<void>;
}
