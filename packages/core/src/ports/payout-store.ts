// Where bank accounts, payouts and their balances are kept. Every payout change is one transaction: the payout
// (conditional on the version read; the table's trigger checks the status edge), its audit event, its outbox
// message, its journal entries (balanced, checked again by the database at commit), the bank notification that
// caused it (a repeat writes nothing), and the operator's audit row when an operator acted.
import type { MerchantId } from "../ids/ids";
import type { JournalEntryDraft } from "../ledger/postings";
import type { CurrencyCode } from "../money/currency";
import type { Mode } from "../payments/payment-record";
import type { BankRail } from "../payouts/bank-account";
import type { BankAccountStatus } from "../payouts/bank-account-state-machine";
import type { PayoutInterval } from "../payouts/payout-schedule";
import type { PayoutStatus } from "../payouts/payout-state-machine";
import type { ReservePolicy } from "../payouts/reserves";
import type { EncryptedPan } from "../vault/card-vault";
import type { AuditDraft } from "./audit";

export type { BankAccountStatus };
export type VerificationMethod = "INSTANT" | "MICRO_DEPOSITS";

export interface BankAccountRecord {
  id: string;
  merchantId: MerchantId;
  mode: Mode;
  rail: BankRail;
  country: string;
  currency: CurrencyCode;
  holderName: string;
  bankName: string;
  last4: string;
  routingNumber: string | null;
  status: BankAccountStatus;
  verifiedAt: Date | null;
  createdAt: Date;
  verificationMethod: VerificationMethod;
  /** When the bank accepted the two micro-deposits (null: not yet, or an instant verification). */
  microDepositsSentAt: Date | null;
  /** Wrong micro-deposit confirmations so far. */
  verificationAttempts: number;
  version: number;
  updatedAt: Date;
}

export interface BankAccountEventDraft {
  type: string;
  oldStatus: BankAccountStatus | null;
  newStatus: BankAccountStatus;
  actor: string | null;
  data: Record<string, string | number | boolean | null>;
}

export interface NewBankAccount extends BankAccountRecord {
  number: EncryptedPan;
  /** The micro-deposit amounts, encrypted (null for an instant verification). */
  microDeposits: EncryptedPan | null;
  events: BankAccountEventDraft[];
  outbox: Array<{ topic: string; payload: Record<string, unknown> }>;
}

/** A verification step of a bank account, conditional on the version read. */
export interface BankAccountChange {
  account: BankAccountRecord;
  expectedVersion: number;
  events: BankAccountEventDraft[];
  outbox: Array<{ topic: string; payload: Record<string, unknown> }>;
  /** The micro-deposits' entry, when the bank accepted them (keyed 'micro_deposits:<account id>'). */
  journal: JournalEntryDraft[];
}

export type PayoutMethod = "MANUAL" | "SCHEDULED" | "RETRY";
export type BankCallState = "NOT_SENT" | "UNKNOWN" | "ACCEPTED";

export interface PayoutRecord {
  id: string;
  merchantId: MerchantId;
  mode: Mode;
  currency: CurrencyCode;
  amountMinor: bigint;
  bankAccountId: string;
  status: PayoutStatus;
  method: PayoutMethod;
  bankCall: BankCallState;
  bankCallCount: number;
  nextBankCallAt: Date;
  bankReference: string | null;
  failureCode: string | null;
  retryOf: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface PayoutEventDraft {
  type: string;
  oldStatus: PayoutStatus | null;
  newStatus: PayoutStatus;
  source: "API" | "WEBHOOK" | "SYSTEM" | "OPERATOR";
  actor: string | null;
  data: Record<string, string | number | boolean | null>;
}

export interface NewPayout {
  id: string;
  merchantId: MerchantId;
  mode: Mode;
  currency: CurrencyCode;
  amountMinor: bigint;
  bankAccountId: string;
  method: PayoutMethod;
  retryOf: string | null;
  events: PayoutEventDraft[];
  outbox: Array<{ topic: string; payload: Record<string, unknown> }>;
  journal: JournalEntryDraft[];
  operatorAudit: AuditDraft | null;
}

export interface PayoutChange {
  payout: PayoutRecord;
  expectedVersion: number;
  events: PayoutEventDraft[];
  outbox: Array<{ topic: string; payload: Record<string, unknown> }>;
  journal: Array<JournalEntryDraft & { sourceEventKey: string | null }>;
  /** The bank notification that caused the change: if its event id was seen before, nothing is written. */
  bankEvent: { eventId: string; type: string } | null;
  operatorAudit: AuditDraft | null;
}

export interface PayoutSchedule {
  merchantId: MerchantId;
  mode: Mode;
  currency: CurrencyCode;
  interval: PayoutInterval;
  delayDays: number;
  /** ISO weekday of a WEEKLY schedule (1 Monday .. 7 Sunday). */
  weeklyAnchor: number;
  /** Day of a MONTHLY schedule (1..31). */
  monthlyAnchor: number;
  minimumMinor: bigint;
  /** Null: a MANUAL schedule (off), never run. */
  nextRunAt: Date | null;
}

export interface ReservePolicyRecord extends ReservePolicy {
  merchantId: MerchantId;
  mode: Mode;
  updatedAt: Date;
}

/** A capture's funds due for release, as the release pass sees them. */
export interface DueRelease {
  amountMinor: bigint;
  currency: CurrencyCode;
}

/** What the core decides for a due release: its entries (release, and the rolling hold) and the hold's end. */
export interface ReleasePlan {
  release: JournalEntryDraft;
  hold: { entry: JournalEntryDraft; amountMinor: bigint; releaseOn: Date } | null;
}

export interface PayoutStore {
  countBankAccounts(merchantId: MerchantId, mode: Mode): Promise<number>;
  insertBankAccount(account: NewBankAccount): Promise<void>;
  findBankAccount(merchantId: MerchantId, mode: Mode, id: string): Promise<BankAccountRecord | null>;
  /** The newest verified account in the currency: the default destination. */
  defaultBankAccount(
    merchantId: MerchantId,
    mode: Mode,
    currency: CurrencyCode,
  ): Promise<BankAccountRecord | null>;
  /** The encrypted number, for the bank call only. */
  bankAccountNumber(id: string): Promise<EncryptedPan>;
  /** The encrypted micro-deposit amounts (null: an instant verification). */
  microDepositAmounts(id: string): Promise<EncryptedPan | null>;
  /** Writes a verification step: "conflict" when the version moved (decide again). */
  changeBankAccount(change: BankAccountChange): Promise<"written" | "conflict">;
  /** Accounts waiting for micro-deposits the bank has not accepted yet, created before `createdBefore`. */
  microDepositsToSend(createdBefore: Date, limit: number): Promise<BankAccountRecord[]>;

  findPayout(id: string): Promise<PayoutRecord | null>;
  /**
   * Inserts the payout with its entries after locking the merchant's available-balance account (one row per
   * merchant, mode and currency), so concurrent payouts serialise; `check` sees the available balance under that
   * lock (null: the merchant has no balance in the currency) and throws to refuse, writing nothing.
   */
  insertPayout(payout: NewPayout, check: (availableMinor: bigint | null) => void): Promise<PayoutRecord>;
  /**
   * "written", "conflict" (the version or the bank call count moved: decide again) or "duplicate" (the bank event
   * was seen). Each status step is its own update advancing the version by one, with its event and outbox message.
   */
  change(change: PayoutChange): Promise<"written" | "conflict" | "duplicate">;
  /**
   * Records a bank call's outcome without a status change (UNKNOWN, with the next try's time): the call count
   * advances (the compare-and-set that lets one process call), the version does not (merchants see it).
   */
  recordBankCall(
    payout: PayoutRecord,
    state: BankCallState,
    nextBankCallAt: Date,
  ): Promise<"written" | "conflict">;
  /** PENDING payouts whose bank call is due, of merchants whose payouts are not paused. */
  payoutsToSend(now: Date, limit: number): Promise<PayoutRecord[]>;

  isPaused(merchantId: MerchantId, mode: Mode): Promise<boolean>;
  setPaused(
    merchantId: MerchantId,
    mode: Mode,
    paused: boolean,
    reason: string | null,
    audit: AuditDraft,
  ): Promise<void>;

  upsertSchedule(schedule: PayoutSchedule, audit: AuditDraft): Promise<void>;
  schedules(merchantId: MerchantId, mode: Mode): Promise<PayoutSchedule[]>;
  dueSchedules(now: Date, limit: number): Promise<PayoutSchedule[]>;
  /** Moves the schedule's next run on, conditional on the run time read (another process took it otherwise). */
  advanceSchedule(schedule: PayoutSchedule, nextRunAt: Date): Promise<boolean>;
  /** The available balance now (unlocked: the insert re-checks under the lock). Null: no balance in it. */
  availableMinor(merchantId: MerchantId, mode: Mode, currency: CurrencyCode): Promise<bigint | null>;

  /**
   * Posts the release of up to `limit` pending funds whose availableOn has passed, each with the rolling reserve
   * hold `plan` decides from the merchant's policy in that currency (read in the same transaction); returns how
   * many.
   */
  releaseDue(
    now: Date,
    limit: number,
    plan: (due: DueRelease, policy: ReservePolicy | null) => ReleasePlan,
  ): Promise<number>;
  /** Posts the release entry of up to `limit` rolling reserve holds whose release_on has passed. */
  releaseDueReserves(
    now: Date,
    limit: number,
    posting: (hold: { amountMinor: bigint; currency: CurrencyCode }) => JournalEntryDraft,
  ): Promise<number>;

  reservePolicies(merchantId: MerchantId, mode: Mode): Promise<ReservePolicyRecord[]>;
  /**
   * Sets the policy under its row's lock: `change` gets the fixed reserve in force (0 without a policy) and
   * answers the entry that moves it to the new amount (null: unchanged); written with the audit row.
   */
  setReservePolicy(
    merchantId: MerchantId,
    mode: Mode,
    policy: ReservePolicy,
    change: (fixedInForceMinor: bigint) => JournalEntryDraft | null,
    audit: AuditDraft,
  ): Promise<void>;
}
