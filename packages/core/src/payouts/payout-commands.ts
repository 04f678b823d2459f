// The one write path for bank accounts (and their verification by micro-deposits), payouts, payout schedules,
// reserves and the release of pending funds (with the rolling reserve's hold). Validation,
// the state table and the postings are decided here; the store writes each change with its audit event, outbox
// message, journal entries and (for operators) audit row in one transaction, conditional on the version read.
// The bank is called with no transaction open, with the payout's id as its idempotency key: a timeout leaves the
// payout PENDING with its bank call UNKNOWN, and the next pass asks again with the same key (never paid twice).
import type { ApprovalCommands } from "../approvals/approval-commands";
import { DomainError } from "../errors/domain-error";
import type {
  IdempotencyContext,
  IdempotencyService,
  IdempotentOutcome,
} from "../idempotency/idempotency-service";
import { type MerchantId, newId, parseId, parseIdempotencyKey } from "../ids/ids";
import type { JournalEntryDraft } from "../ledger/postings";
import { type CurrencyCode, currencyExponent, parseCurrency } from "../money/currency";
import { parseAmountMinor } from "../money/money";
import type { MerchantAdmission } from "../onboarding/merchant-admission";
import type { Mode } from "../payments/payment-record";
import type { Actor, AuditDraft } from "../ports/audit";
import type {
  BankAccountChange,
  BankAccountEventDraft,
  BankAccountRecord,
  PayoutChange,
  PayoutEventDraft,
  PayoutMethod,
  PayoutRecord,
  PayoutSchedule,
  PayoutStore,
  ReleasePlan,
  ReservePolicyRecord,
  VerificationMethod,
} from "../ports/payout-store";
import { bankAccountNumberAssociatedData, microDepositsAssociatedData } from "../vault/associated-data";
import { decryptSecret, encryptSecret, type VaultKeyring } from "../vault/card-vault";
import { assertPayoutFits } from "./balance";
import { type BankAccountInput, parseBankAccount } from "./bank-account";
import { BANK_ACCOUNT_STATUS_TOPICS, type BankAccountStatus } from "./bank-account-state-machine";
import { BankCallUnknown, type BankPayoutNotification, type BankRails } from "./bank-rails-port";
import {
  decodeMicroDeposits,
  encodeMicroDeposits,
  MICRO_DEPOSIT_ATTEMPTS_MAX,
  type MicroDepositAmounts,
  microDepositPosting,
  microDepositsMatch,
  parseConfirmedAmounts,
  randomMicroDeposits,
} from "./micro-deposits";
import {
  payoutCreatedPosting,
  payoutPaidPosting,
  payoutReturnedPosting,
  payoutReversalPosting,
  releasePosting,
} from "./payout-postings";
import { nextRun, nextRunOf, parseScheduleInput, type ScheduleInput } from "./payout-schedule";
import {
  PAYOUT_STATUS_TOPICS,
  type PayoutEvent,
  type PayoutStatus,
  payoutPathTo,
  payoutTransition,
} from "./payout-state-machine";
import {
  fixedReserveChangePosting,
  parseReservePolicy,
  reserveApprovalPayload,
  reserveHoldPosting,
  reserveReleasePosting,
  rollingHoldMinor,
  rollingReleaseOn,
  SET_RESERVE,
} from "./reserves";

export const BANK_ACCOUNTS_PER_MODE_MAX = 20;
export const PAUSE_REASON_LENGTH_MAX = 500;
/** Bank calls without a definite answer are asked again after this, doubling, at most every hour. */
const BANK_RETRY_FIRST_MS = 30_000;
const BANK_RETRY_MAX_MS = 60 * 60_000;

export interface PayoutActor {
  merchantId: MerchantId;
  mode: Mode;
  /** "key:key_…", "operator:…", "system:schedule". */
  name: string;
  source: "API" | "OPERATOR" | "SYSTEM";
}

const KEY_KINDS = { API: "SECRET", OPERATOR: "OPERATOR", SYSTEM: "SYSTEM" } as const;

export interface CreatePayoutInput {
  idempotencyKey: string;
  amount: unknown;
  currency: string;
  bankAccountId?: string | null;
}

export interface PayoutCommandsDeps {
  store: PayoutStore;
  idempotency: IdempotencyService;
  vault: VaultKeyring;
  /** Null: no bank configured (payouts are created and wait PENDING). */
  bank: BankRails | null;
  now: () => Date;
  /** The first wait before a bank call without an answer is asked again (doubling, at most an hour). */
  bankRetryFirstMs?: number;
  /** The micro-deposit amounts of a new verification; default random (tests may fix them). */
  microDeposits?: () => MicroDepositAmounts;
  /** Onboarding and sanctions (issue 22): payouts held or refused by the merchant's standing; absent: none. */
  admission?: Pick<MerchantAdmission, "checkPayout">;
  /** Sanctions (issue 22): a new bank account's holder is screened once the account is stored. */
  screening?: { screenMerchant(merchantId: string, reason: string): Promise<unknown> };
  /**
   * Four eyes (issue 18): a fixed reserve above `aboveMajor` major units of its currency waits for a second admin's
   * approval (the workbench's ApprovalCommands, kind payouts.set_reserve). Absent: every reserve is set at once.
   */
  reserveApproval?: { approvals: Pick<ApprovalCommands, "request">; aboveMajor: bigint };
}

const associatedData = bankAccountNumberAssociatedData;

/** Micro-deposits the bank has not accepted yet are sent again by the dispatch pass after this. */
const MICRO_DEPOSIT_RESEND_AFTER_MS = 60_000;

export interface AddBankAccountOptions {
  /** INSTANT (default): the bank's check at once. MICRO_DEPOSITS: two small credits the merchant confirms. */
  verificationMethod?: VerificationMethod | null;
}

function apiAuditActor(actor: PayoutActor, operator: Actor | null): Actor {
  return operator ?? { operatorId: null, name: actor.name };
}

function payoutView(payout: Pick<PayoutRecord, "id" | "amountMinor" | "currency" | "status">) {
  return {
    id: payout.id,
    amount: payout.amountMinor.toString(),
    currency: payout.currency,
    status: payout.status,
  };
}

export class PayoutCommands {
  constructor(private readonly deps: PayoutCommandsDeps) {}

  // ---- destinations -------------------------------------------------------------------------------------------

  /** addBankAccount under the caller's idempotency key (the API's): a retry replays the stored account. */
  addBankAccountIdempotent(
    actor: PayoutActor,
    idempotencyKey: string,
    input: BankAccountInput & AddBankAccountOptions,
  ): Promise<IdempotentOutcome<BankAccountRecord>> {
    const key = parseIdempotencyKey(idempotencyKey);
    return this.deps.idempotency.run(
      { merchantId: actor.merchantId, mode: actor.mode, keyKind: KEY_KINDS[actor.source], key },
      "addBankAccount",
      // The request hash is keyed (HMAC), never stored in clear; the number is part of what a replay must match.
      input,
      () => this.addBankAccount(actor, input),
    );
  }

  /** cancelPayout under the caller's idempotency key. */
  cancelPayoutIdempotent(
    actor: PayoutActor,
    idempotencyKey: string,
    payoutId: string,
  ): Promise<IdempotentOutcome<PayoutRecord>> {
    const key = parseIdempotencyKey(idempotencyKey);
    return this.deps.idempotency.run(
      { merchantId: actor.merchantId, mode: actor.mode, keyKind: KEY_KINDS[actor.source], key },
      "cancelPayout",
      { payoutId },
      () => this.cancelPayout(actor, payoutId),
    );
  }

  /**
   * Validates, encrypts the number and stores the account, verified at once by the bank (INSTANT) or waiting for
   * the merchant to confirm two micro-deposits (MICRO_DEPOSITS, sent right away; a bank call without an answer is
   * sent again by the dispatch pass with the same key).
   */
  async addBankAccount(
    actor: PayoutActor,
    input: BankAccountInput & AddBankAccountOptions,
  ): Promise<BankAccountRecord> {
    const parsed = parseBankAccount(input);
    const method: VerificationMethod = input.verificationMethod ?? "INSTANT";
    if (method !== "INSTANT" && method !== "MICRO_DEPOSITS")
      throw new DomainError("INVALID_INPUT", "verificationMethod must be INSTANT or MICRO_DEPOSITS.", {
        field: ["verificationMethod"],
      });
    if ((await this.deps.store.countBankAccounts(actor.merchantId, actor.mode)) >= BANK_ACCOUNTS_PER_MODE_MAX)
      throw new DomainError(
        "BANK_ACCOUNT_LIMIT",
        `A merchant has at most ${BANK_ACCOUNTS_PER_MODE_MAX} bank accounts per mode.`,
      );
    const verification =
      method === "MICRO_DEPOSITS"
        ? null
        : this.deps.bank
          ? await this.deps.bank.verifyAccount({
              rail: parsed.rail,
              accountNumber: parsed.number,
              routingNumber: parsed.routingNumber,
              holderName: parsed.holderName,
            })
          : { status: "failed" as const, code: "no_bank_configured" };
    const id = newId("bankAccount");
    const now = this.deps.now();
    const status: BankAccountStatus =
      verification === null
        ? "PENDING_VERIFICATION"
        : verification.status === "verified"
          ? "VERIFIED"
          : "VERIFICATION_FAILED";
    const record: BankAccountRecord = {
      id,
      merchantId: actor.merchantId,
      mode: actor.mode,
      rail: parsed.rail,
      country: parsed.country,
      currency: parsed.currency,
      holderName: parsed.holderName,
      bankName: parsed.bankName,
      last4: parsed.last4,
      routingNumber: parsed.routingNumber,
      status,
      verifiedAt: status === "VERIFIED" ? now : null,
      createdAt: now,
      verificationMethod: method,
      microDepositsSentAt: null,
      verificationAttempts: 0,
      version: 1,
      updatedAt: now,
    };
    const topic = BANK_ACCOUNT_STATUS_TOPICS[status];
    const amounts = method === "MICRO_DEPOSITS" ? (this.deps.microDeposits ?? randomMicroDeposits)() : null;
    await this.deps.store.insertBankAccount({
      ...record,
      number: encryptSecret(this.deps.vault, parsed.number, associatedData(id)),
      microDeposits:
        amounts === null
          ? null
          : encryptSecret(this.deps.vault, encodeMicroDeposits(amounts), microDepositsAssociatedData(id)),
      events: [
        {
          type: "bank_account.created",
          oldStatus: null,
          newStatus: status,
          actor: actor.name,
          data: {
            verificationMethod: method,
            ...(verification?.status === "failed" ? { failureCode: verification.code } : {}),
          },
        },
      ],
      outbox: topic === null ? [] : [{ topic, payload: { id, status } }],
    });
    await this.deps.screening?.screenMerchant(actor.merchantId, "BANK_ACCOUNT_ADDED");
    if (amounts === null) return record;
    return this.sendMicroDepositsFor(record);
  }

  /**
   * Sends an account's two micro-deposits (idempotent at the bank by the account's id). Accepted: the account
   * records it and the platform's expense is posted; refused by the bank: the account fails verification; no
   * definite answer: it stays waiting and the dispatch pass asks again.
   */
  private async sendMicroDepositsFor(account: BankAccountRecord): Promise<BankAccountRecord> {
    const bank = this.deps.bank;
    const encrypted = await this.deps.store.microDepositAmounts(account.id);
    if (bank === null || encrypted === null) return account;
    const amounts = decodeMicroDeposits(
      decryptSecret(this.deps.vault, encrypted, microDepositsAssociatedData(account.id)),
    );
    const number = decryptSecret(
      this.deps.vault,
      await this.deps.store.bankAccountNumber(account.id),
      associatedData(account.id),
    );
    let answer: Awaited<ReturnType<BankRails["sendMicroDeposits"]>>;
    try {
      answer = await bank.sendMicroDeposits({
        bankAccountId: account.id,
        rail: account.rail,
        currency: account.currency,
        amountsMinor: amounts,
        holderName: account.holderName,
        accountNumber: number,
        routingNumber: account.routingNumber,
      });
    } catch (error) {
      if (!(error instanceof BankCallUnknown)) throw error;
      return account;
    }
    const current = await this.deps.store.findBankAccount(account.merchantId, account.mode, account.id);
    if (current === null || current.status !== "PENDING_VERIFICATION" || current.microDepositsSentAt !== null)
      return current ?? account;
    const now = this.deps.now();
    const change: BankAccountChange =
      answer.status === "accepted"
        ? {
            account: { ...current, microDepositsSentAt: now, version: current.version + 1 },
            expectedVersion: current.version,
            events: [
              {
                type: "bank_account.micro_deposits_sent",
                oldStatus: current.status,
                newStatus: current.status,
                actor: "system:bank-call",
                data: { bankReference: answer.bankReference },
              },
            ],
            outbox: [],
            journal: [microDepositPosting({ amounts, currency: current.currency })],
          }
        : this.lockChange(current, "system:bank-call", { failureCode: answer.code });
    const written = await this.deps.store.changeBankAccount(change);
    return written === "written"
      ? change.account
      : ((await this.deps.store.findBankAccount(account.merchantId, account.mode, account.id)) ?? account);
  }

  /** The dispatch pass: micro-deposits whose bank call had no definite answer are sent again. */
  async sendPendingMicroDeposits(limit = 50): Promise<number> {
    if (this.deps.bank === null) return 0;
    const before = new Date(this.deps.now().getTime() - MICRO_DEPOSIT_RESEND_AFTER_MS);
    let sent = 0;
    for (const account of await this.deps.store.microDepositsToSend(before, limit)) {
      const after = await this.sendMicroDepositsFor(account);
      if (after.microDepositsSentAt !== null || after.status !== "PENDING_VERIFICATION") sent++;
    }
    return sent;
  }

  private lockChange(
    account: BankAccountRecord,
    actorName: string,
    data: BankAccountEventDraft["data"],
  ): BankAccountChange {
    return {
      account: {
        ...account,
        status: "VERIFICATION_FAILED",
        verificationAttempts: Math.min(
          account.verificationAttempts + (data.attempt ? 1 : 0),
          MICRO_DEPOSIT_ATTEMPTS_MAX,
        ),
        version: account.version + 1,
      },
      expectedVersion: account.version,
      events: [
        {
          type: "bank_account.verification_failed",
          oldStatus: account.status,
          newStatus: "VERIFICATION_FAILED",
          actor: actorName,
          data,
        },
      ],
      outbox: [
        {
          topic: BANK_ACCOUNT_STATUS_TOPICS.VERIFICATION_FAILED as string,
          payload: { id: account.id, status: "VERIFICATION_FAILED" },
        },
      ],
      journal: [],
    };
  }

  /** verifyBankAccount under the caller's idempotency key: a retry replays the answer (a wrong one too). */
  verifyBankAccountIdempotent(
    actor: PayoutActor,
    idempotencyKey: string,
    input: { bankAccountId: string; amounts: readonly unknown[] },
  ): Promise<IdempotentOutcome<BankAccountRecord>> {
    const key = parseIdempotencyKey(idempotencyKey);
    return this.deps.idempotency.run(
      { merchantId: actor.merchantId, mode: actor.mode, keyKind: KEY_KINDS[actor.source], key },
      "verifyBankAccount",
      { bankAccountId: input.bankAccountId, amounts: input.amounts.map(String) },
      (context) => this.verifyBankAccount(actor, input.bankAccountId, input.amounts, context),
    );
  }

  /**
   * The merchant confirms the two micro-deposits. Right: VERIFIED. Wrong: the attempt is counted (and kept even
   * though the answer is an error); the third wrong one locks the account (VERIFICATION_FAILED).
   */
  async verifyBankAccount(
    actor: PayoutActor,
    rawId: string,
    rawAmounts: readonly unknown[],
    context: Pick<IdempotencyContext, "markSideEffects"> | null = null,
  ): Promise<BankAccountRecord> {
    const confirmed = parseConfirmedAmounts(rawAmounts);
    for (let attempt = 0; attempt < 3; attempt++) {
      const account =
        parseId("bankAccount", rawId) === null
          ? null
          : await this.deps.store.findBankAccount(actor.merchantId, actor.mode, rawId);
      if (account === null)
        throw new DomainError("BANK_ACCOUNT_NOT_FOUND", "No such bank account.", {
          field: ["bankAccountId"],
        });
      if (account.status === "VERIFICATION_FAILED" && account.verificationMethod === "MICRO_DEPOSITS")
        throw new DomainError(
          "BANK_ACCOUNT_VERIFICATION_LOCKED",
          "The bank account failed verification and is locked: add it again to start over.",
          { field: ["bankAccountId"] },
        );
      if (
        account.status !== "PENDING_VERIFICATION" ||
        account.verificationMethod !== "MICRO_DEPOSITS" ||
        account.microDepositsSentAt === null
      )
        throw new DomainError(
          "BANK_ACCOUNT_STATE_INVALID",
          account.status === "PENDING_VERIFICATION"
            ? "The micro-deposits have not been sent yet; try again later."
            : `The bank account is ${account.status}: there is nothing to confirm.`,
          { field: ["bankAccountId"] },
        );
      const encrypted = await this.deps.store.microDepositAmounts(account.id);
      if (encrypted === null) throw new Error(`bank account ${account.id} has no micro-deposits`);
      const sent = decodeMicroDeposits(
        decryptSecret(this.deps.vault, encrypted, microDepositsAssociatedData(account.id)),
      );
      const now = this.deps.now();
      if (microDepositsMatch(sent, confirmed)) {
        const change: BankAccountChange = {
          account: { ...account, status: "VERIFIED", verifiedAt: now, version: account.version + 1 },
          expectedVersion: account.version,
          events: [
            {
              type: "bank_account.verified",
              oldStatus: account.status,
              newStatus: "VERIFIED",
              actor: actor.name,
              data: { attempt: account.verificationAttempts + 1 },
            },
          ],
          outbox: [
            {
              topic: BANK_ACCOUNT_STATUS_TOPICS.VERIFIED as string,
              payload: { id: account.id, status: "VERIFIED" },
            },
          ],
          journal: [],
        };
        if ((await this.deps.store.changeBankAccount(change)) === "written") return change.account;
        continue;
      }
      const attempts = account.verificationAttempts + 1;
      const locks = attempts >= MICRO_DEPOSIT_ATTEMPTS_MAX;
      const change: BankAccountChange = locks
        ? this.lockChange(account, actor.name, { attempt: attempts, reason: "too_many_attempts" })
        : {
            account: { ...account, verificationAttempts: attempts, version: account.version + 1 },
            expectedVersion: account.version,
            events: [
              {
                type: "bank_account.verification_attempt_failed",
                oldStatus: account.status,
                newStatus: account.status,
                actor: actor.name,
                data: { attempt: attempts },
              },
            ],
            outbox: [],
            journal: [],
          };
      if ((await this.deps.store.changeBankAccount(change)) !== "written") continue;
      // The wrong attempt is kept: a retry under the same key replays this answer instead of counting again.
      context?.markSideEffects();
      if (locks)
        throw new DomainError(
          "BANK_ACCOUNT_VERIFICATION_LOCKED",
          `Wrong amounts ${MICRO_DEPOSIT_ATTEMPTS_MAX} times: the bank account is locked (VERIFICATION_FAILED).`,
          { field: ["amounts"] },
        );
      const left = MICRO_DEPOSIT_ATTEMPTS_MAX - attempts;
      throw new DomainError(
        "MICRO_DEPOSITS_MISMATCH",
        `These are not the two micro-deposits; ${left} attempt${left === 1 ? "" : "s"} left.`,
        { field: ["amounts"] },
      );
    }
    throw new DomainError("BANK_ACCOUNT_STATE_INVALID", "The bank account kept changing; try again.", {
      field: ["bankAccountId"],
    });
  }

  // ---- payouts ------------------------------------------------------------------------------------------------

  /** A manual payout, idempotent under the caller's key: a retry replays the first answer. */
  createPayout(actor: PayoutActor, input: CreatePayoutInput): Promise<IdempotentOutcome<PayoutRecord>> {
    const { idempotencyKey, ...request } = input;
    const key = parseIdempotencyKey(idempotencyKey);
    return this.deps.idempotency.run(
      { merchantId: actor.merchantId, mode: actor.mode, keyKind: KEY_KINDS[actor.source], key },
      "createPayout",
      { ...request, amount: String(request.amount) },
      () => this.createNow(actor, input, "MANUAL", null),
    );
  }

  private async createNow(
    actor: PayoutActor,
    input: Omit<CreatePayoutInput, "idempotencyKey">,
    method: PayoutMethod,
    retryOf: string | null,
    operatorAudit: AuditDraft | null = null,
  ): Promise<PayoutRecord> {
    const currency = parseCurrency(input.currency);
    if (currency === null)
      throw new DomainError("CURRENCY_INVALID", "currency must be an ISO 4217 code such as EUR.", {
        field: ["currency"],
      });
    const amountMinor = parseAmountMinor(input.amount, { currency, field: ["amount"] });
    if (await this.deps.store.isPaused(actor.merchantId, actor.mode))
      throw new DomainError("PAYOUTS_PAUSED", "Payouts are paused for this merchant.");
    await this.deps.admission?.checkPayout(actor.merchantId, actor.mode);
    const account = await this.destination(actor, currency, input.bankAccountId ?? null);
    const id = newId("payout");
    const event: PayoutEventDraft = {
      type: "payout.created",
      oldStatus: null,
      newStatus: "PENDING",
      source: actor.source === "API" ? "API" : actor.source,
      actor: actor.name,
      data: { amount: amountMinor.toString(), currency, method, ...(retryOf ? { retryOf } : {}) },
    };
    return this.deps.store.insertPayout(
      {
        id,
        merchantId: actor.merchantId,
        mode: actor.mode,
        currency,
        amountMinor,
        bankAccountId: account.id,
        method,
        retryOf,
        events: [event],
        outbox: [
          {
            topic: PAYOUT_STATUS_TOPICS.PENDING,
            payload: payoutView({ id, amountMinor, currency, status: "PENDING" }),
          },
        ],
        journal: [payoutCreatedPosting({ amountMinor, currency })],
        operatorAudit: operatorAudit && { ...operatorAudit, after: { ...operatorAudit.after, payoutId: id } },
      },
      (availableMinor) => {
        if (availableMinor === null)
          throw new DomainError("PAYOUT_NO_BALANCE", `The merchant has no balance in ${currency}.`, {
            field: ["currency"],
          });
        assertPayoutFits(availableMinor, amountMinor);
        // A scheduled payout pays the whole available balance: if it moved since it was read, the next run pays.
        if (method === "SCHEDULED" && availableMinor !== amountMinor)
          throw new DomainError(
            "PAYOUT_INSUFFICIENT_BALANCE",
            "The available balance moved; the next run pays it.",
          );
      },
    );
  }

  private async destination(
    actor: PayoutActor,
    currency: CurrencyCode,
    bankAccountId: string | null,
  ): Promise<BankAccountRecord> {
    if (bankAccountId === null) {
      const found = await this.deps.store.defaultBankAccount(actor.merchantId, actor.mode, currency);
      if (found === null)
        throw new DomainError(
          "BANK_ACCOUNT_NOT_VERIFIED",
          `The merchant has no verified bank account for ${currency} payouts.`,
          { field: ["bankAccountId"] },
        );
      return found;
    }
    const account =
      parseId("bankAccount", bankAccountId) === null
        ? null
        : await this.deps.store.findBankAccount(actor.merchantId, actor.mode, bankAccountId);
    if (account === null)
      throw new DomainError("BANK_ACCOUNT_NOT_FOUND", "No such bank account.", { field: ["bankAccountId"] });
    if (account.status !== "VERIFIED")
      throw new DomainError("BANK_ACCOUNT_NOT_VERIFIED", "The bank account is not verified.", {
        field: ["bankAccountId"],
      });
    if (account.currency !== currency)
      throw new DomainError(
        "BANK_ACCOUNT_INVALID",
        `The bank account takes ${account.currency} payouts only.`,
        {
          field: ["bankAccountId"],
        },
      );
    return account;
  }

  /** Loads a payout of this merchant and mode, or PAYOUT_NOT_FOUND (never another merchant's). */
  async load(actor: Pick<PayoutActor, "merchantId" | "mode">, rawId: string): Promise<PayoutRecord> {
    const payout = parseId("payout", rawId) === null ? null : await this.deps.store.findPayout(rawId);
    if (payout === null || payout.merchantId !== actor.merchantId || payout.mode !== actor.mode)
      throw new DomainError("PAYOUT_NOT_FOUND", "No such payout.", { field: ["payoutId"] });
    return payout;
  }

  /** Cancels a payout the bank has not accepted yet; its amount returns to the available balance. */
  async cancelPayout(
    actor: PayoutActor,
    rawId: string,
    operator: Actor | null = null,
  ): Promise<PayoutRecord> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const payout = await this.load(actor, rawId);
      if (payout.status !== "PENDING" || payout.bankCall !== "NOT_SENT")
        throw new DomainError(
          "PAYOUT_STATE_INVALID",
          `The payout is ${payout.status}${payout.status === "PENDING" ? " and already sent to the bank" : ""}: it cannot be cancelled.`,
        );
      const change = this.transitionChange(payout, ["CANCELED"], {
        source: actor.source === "API" ? "API" : actor.source,
        actor: actor.name,
        failureCode: null,
        bankReference: null,
        bankEvent: null,
      });
      if (operator)
        change.operatorAudit = {
          actor: operator,
          action: "payout.cancel",
          targetId: payout.id,
          before: { status: payout.status },
          after: { status: "CANCELED" },
        };
      const result = await this.deps.store.change(change);
      if (result === "written") return change.payout;
    }
    throw new DomainError(
      "PAYOUT_STATE_INVALID",
      "The payout changed while it was being cancelled; try again.",
    );
  }

  /** An operator retries a FAILED payout: a new payout of the same amount (re-checked against the balance). */
  async retryFailedPayout(
    operator: Actor,
    merchantId: MerchantId,
    mode: Mode,
    rawId: string,
  ): Promise<PayoutRecord> {
    const actor: PayoutActor = { merchantId, mode, name: `operator:${operator.name}`, source: "OPERATOR" };
    const failed = await this.load(actor, rawId);
    if (failed.status !== "FAILED")
      throw new DomainError(
        "PAYOUT_STATE_INVALID",
        `Only a FAILED payout can be retried; it is ${failed.status}.`,
      );
    const account = await this.deps.store.findBankAccount(merchantId, mode, failed.bankAccountId);
    // A second retry of the same failed payout is refused by the unique index on retry_of.
    return this.createNow(
      actor,
      {
        amount: failed.amountMinor,
        currency: failed.currency,
        bankAccountId: account?.status === "VERIFIED" ? failed.bankAccountId : null,
      },
      "RETRY",
      failed.id,
      {
        actor: operator,
        action: "payout.retry",
        targetId: failed.id,
        before: { status: failed.status, failureCode: failed.failureCode },
        after: { amount: failed.amountMinor.toString(), currency: failed.currency },
      },
    );
  }

  // ---- the bank -----------------------------------------------------------------------------------------------

  /**
   * Sends due PENDING payouts to the bank (the dispatch worker's pass). An accepted call moves the payout to
   * IN_TRANSIT; a rejection to FAILED with its reversal; a timeout leaves it PENDING with the call UNKNOWN and
   * asks again later with the same key.
   */
  async sendDuePayouts(limit = 50): Promise<{ sent: number; failed: number; unknown: number }> {
    const counts = { sent: 0, failed: 0, unknown: 0 };
    const bank = this.deps.bank;
    if (bank === null) return counts;
    for (const payout of await this.deps.store.payoutsToSend(this.deps.now(), limit)) {
      const account = await this.deps.store.findBankAccount(
        payout.merchantId,
        payout.mode,
        payout.bankAccountId,
      );
      if (account === null) continue;
      // Marked sent-without-answer before the call, conditional on the version read: only one process calls,
      // and a cancellation can no longer race the bank. Should the process die mid-call, the next pass asks again.
      const firstMs = this.deps.bankRetryFirstMs ?? BANK_RETRY_FIRST_MS;
      const waitMs = Math.min(firstMs * 2 ** Math.min(payout.bankCallCount, 10), BANK_RETRY_MAX_MS);
      const claimed = await this.deps.store.recordBankCall(
        payout,
        "UNKNOWN",
        new Date(this.deps.now().getTime() + waitMs),
      );
      if (claimed !== "written") continue;
      const number = decryptSecret(
        this.deps.vault,
        await this.deps.store.bankAccountNumber(account.id),
        associatedData(account.id),
      );
      let answer: Awaited<ReturnType<BankRails["sendPayout"]>>;
      try {
        answer = await bank.sendPayout({
          payoutId: payout.id,
          rail: account.rail,
          amountMinor: payout.amountMinor,
          currency: payout.currency,
          holderName: account.holderName,
          accountNumber: number,
          routingNumber: account.routingNumber,
        });
      } catch (error) {
        if (!(error instanceof BankCallUnknown)) throw error;
        counts.unknown++;
        continue;
      }
      const target = answer.status === "accepted" ? "IN_TRANSIT" : "FAILED";
      const result = await this.applyBankWord(payout.id, target, {
        source: "SYSTEM",
        actor: "system:bank-call",
        failureCode: answer.status === "rejected" ? answer.code : null,
        bankReference: answer.status === "accepted" ? answer.bankReference : null,
        bankEvent: null,
      });
      if (result !== "changed") continue;
      if (answer.status === "accepted") counts.sent++;
      else counts.failed++;
    }
    return counts;
  }

  /**
   * A verified bank notification. Returns "unknown_payout" (refused by the route), "duplicate" (seen before:
   * nothing written), "stale" (contradicts where the payout is: recorded nowhere, logged by the caller) or
   * "changed".
   */
  async applyBankNotification(
    notification: BankPayoutNotification,
  ): Promise<"changed" | "duplicate" | "stale" | "unknown_payout"> {
    const payout = parseId("payout", notification.payoutId)
      ? await this.deps.store.findPayout(notification.payoutId)
      : null;
    if (payout === null) return "unknown_payout";
    const target =
      notification.type === "payout.paid"
        ? "PAID"
        : notification.type === "payout.failed"
          ? "FAILED"
          : "RETURNED";
    return this.applyBankWord(payout.id, target, {
      source: "WEBHOOK",
      actor: "bank",
      failureCode: notification.failureCode,
      bankReference: notification.bankReference,
      bankEvent: { eventId: notification.eventId, type: notification.type },
    });
  }

  private async applyBankWord(
    payoutId: string,
    target: "IN_TRANSIT" | "PAID" | "FAILED" | "RETURNED",
    how: ChangeHow,
  ): Promise<"changed" | "duplicate" | "stale"> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const payout = await this.deps.store.findPayout(payoutId);
      if (payout === null) return "stale";
      const path = payoutPathTo(payout.status, target);
      if (path === null) return "stale";
      if (path.length === 0) {
        if (how.bankEvent === null) return "duplicate";
        // Already there by another route (our call's answer): still remember the event id.
      }
      const change = this.transitionChange(payout, path, how);
      if (path.length === 0 && how.bankEvent !== null) {
        change.events = [];
        change.outbox = [];
        change.journal = [];
      }
      const result = await this.deps.store.change(change);
      if (result === "written") return path.length === 0 ? "duplicate" : "changed";
      if (result === "duplicate") return "duplicate";
    }
    throw new Error(`payout ${payoutId} kept changing while a bank answer was applied`);
  }

  /**
   * The change that walks `payout` along `events`: one audit event, outbox message and posting per step. The store
   * writes each step as its own update, so a two-step path (a PAID notice for a payout still PENDING) makes two
   * events whose snapshots show IN_TRANSIT at version n + 1, then PAID at n + 2.
   */
  private transitionChange(payout: PayoutRecord, events: PayoutEvent[], how: ChangeHow): PayoutChange {
    let status: PayoutStatus = payout.status;
    const drafts: PayoutEventDraft[] = [];
    const outbox: PayoutChange["outbox"] = [];
    const journal: PayoutChange["journal"] = [];
    const money = { amountMinor: payout.amountMinor, currency: payout.currency };
    for (const event of events) {
      const next = payoutTransition(status, event);
      if (next === null) throw new DomainError("PAYOUT_STATE_INVALID", `The payout is ${status}.`);
      drafts.push({
        type: PAYOUT_STATUS_TOPICS[next],
        oldStatus: status,
        newStatus: next,
        source: how.source,
        actor: how.actor,
        data: {
          ...(how.failureCode ? { failureCode: how.failureCode } : {}),
          ...(how.bankEvent ? { bankEventId: how.bankEvent.eventId } : {}),
        },
      });
      outbox.push({
        topic: PAYOUT_STATUS_TOPICS[next],
        payload: { ...payoutView({ ...payout, status: next }), failureCode: how.failureCode },
      });
      const posting = postingFor(next, status, money);
      if (posting)
        journal.push({
          ...posting,
          // One key per payout and step: whatever route reports it (our call, a notice, a repeat) posts it once.
          sourceEventKey: `payout:${payout.id}:${next}`,
        });
      status = next;
    }
    return {
      payout: {
        ...payout,
        status,
        bankCall: events.includes("SENT") || payout.bankCall === "ACCEPTED" ? "ACCEPTED" : payout.bankCall,
        bankReference: how.bankReference ?? payout.bankReference,
        // A repeat (no step) changes no merchant-visible field: the failure code stays as the first word set it.
        failureCode:
          events.length === 0
            ? payout.failureCode
            : status === "FAILED" || status === "RETURNED"
              ? (how.failureCode ?? "bank_failure")
              : null,
        // One version per status step (the database checks it: migration 20261211020200).
        version: payout.version + events.length,
      },
      expectedVersion: payout.version,
      events: drafts,
      outbox,
      journal,
      bankEvent: how.bankEvent,
      operatorAudit: null,
    };
  }

  // ---- operators: pause, schedules ------------------------------------------------------------------------------

  async setPaused(
    operator: Actor,
    merchantId: MerchantId,
    mode: Mode,
    paused: boolean,
    reason: string | null,
  ): Promise<void> {
    const trimmed = reason?.trim() || null;
    if (trimmed !== null && trimmed.length > PAUSE_REASON_LENGTH_MAX)
      throw new DomainError(
        "INVALID_INPUT",
        `reason must be at most ${PAUSE_REASON_LENGTH_MAX} characters.`,
        {
          field: ["reason"],
        },
      );
    const before = await this.deps.store.isPaused(merchantId, mode);
    await this.deps.store.setPaused(merchantId, mode, paused, trimmed, {
      actor: operator,
      action: paused ? "payouts.pause" : "payouts.resume",
      targetId: merchantId,
      before: { paused: before, mode },
      after: { paused, mode, reason: trimmed },
    });
  }

  /** setSchedule under the caller's idempotency key (the API's). */
  setScheduleIdempotent(
    actor: PayoutActor,
    idempotencyKey: string,
    input: ScheduleInput,
  ): Promise<IdempotentOutcome<PayoutSchedule>> {
    const key = parseIdempotencyKey(idempotencyKey);
    return this.deps.idempotency.run(
      { merchantId: actor.merchantId, mode: actor.mode, keyKind: KEY_KINDS[actor.source], key },
      "setPayoutSchedule",
      { ...input, minimum: String(input.minimum) },
      () => this.setSchedule(actor, input),
    );
  }

  /**
   * Sets (or replaces) the automatic payouts of a currency, audited in the same transaction: by the operator, or
   * by the merchant's key when it comes through the API.
   */
  async setSchedule(
    actor: PayoutActor,
    input: ScheduleInput,
    operator: Actor | null = null,
  ): Promise<PayoutSchedule> {
    const parsed = parseScheduleInput(input);
    const schedule: PayoutSchedule = {
      merchantId: actor.merchantId,
      mode: actor.mode,
      currency: parsed.currency,
      interval: parsed.interval,
      delayDays: parsed.delayDays,
      weeklyAnchor: parsed.weeklyAnchor,
      monthlyAnchor: parsed.monthlyAnchor,
      minimumMinor: parsed.minimumMinor,
      nextRunAt: nextRunOf(parsed, this.deps.now()),
    };
    const before = (await this.deps.store.schedules(actor.merchantId, actor.mode)).find(
      (existing) => existing.currency === parsed.currency,
    );
    const snapshot = (s: PayoutSchedule) => ({
      currency: s.currency,
      interval: s.interval,
      delayDays: s.delayDays,
      weeklyAnchor: s.weeklyAnchor,
      monthlyAnchor: s.monthlyAnchor,
      minimum: s.minimumMinor.toString(),
      mode: s.mode,
    });
    await this.deps.store.upsertSchedule(schedule, {
      actor: apiAuditActor(actor, operator),
      action: "payouts.schedule",
      targetId: actor.merchantId,
      before: before ? snapshot(before) : null,
      after: snapshot(schedule),
    });
    return schedule;
  }

  schedules(actor: Pick<PayoutActor, "merchantId" | "mode">): Promise<PayoutSchedule[]> {
    return this.deps.store.schedules(actor.merchantId, actor.mode);
  }

  /**
   * The schedule worker's pass: for each due schedule, a payout of the whole available balance when it reaches
   * the minimum (nothing when the balance is short, negative, or payouts are paused), then the next run time.
   */
  async runDueSchedules(limit = 50): Promise<{ created: number; skipped: number }> {
    const counts = { created: 0, skipped: 0 };
    const now = this.deps.now();
    for (const schedule of await this.deps.store.dueSchedules(now, limit)) {
      // A schedule turned off (MANUAL) has no run time and is never due; skipped should the store answer one.
      if (schedule.interval === "MANUAL" || schedule.nextRunAt === null) {
        counts.skipped++;
        continue;
      }
      if (!(await this.deps.store.advanceSchedule(schedule, nextRun(schedule, now)))) continue;
      const available = await this.deps.store.availableMinor(
        schedule.merchantId,
        schedule.mode,
        schedule.currency,
      );
      if (
        available === null ||
        available <= 0n ||
        available < schedule.minimumMinor ||
        (await this.deps.store.isPaused(schedule.merchantId, schedule.mode))
      ) {
        counts.skipped++;
        continue;
      }
      const actor: PayoutActor = {
        merchantId: schedule.merchantId,
        mode: schedule.mode,
        name: "system:schedule",
        source: "SYSTEM",
      };
      try {
        await this.createNow(actor, { amount: available, currency: schedule.currency }, "SCHEDULED", null);
        counts.created++;
      } catch (error) {
        // A refund between the read and the lock, or no verified destination: the next run tries again.
        if (!(error instanceof DomainError)) throw error;
        counts.skipped++;
      }
    }
    return counts;
  }

  /**
   * The release worker's pass: pending funds whose availableOn has passed become available, less the rolling
   * reserve in force for the merchant and currency (held in the same transaction, so a payout can never take it).
   */
  releaseDue(limit = 500): Promise<number> {
    const now = this.deps.now();
    return this.deps.store.releaseDue(now, limit, (due, policy): ReleasePlan => {
      const release = releasePosting(due);
      const holdMinor = policy ? rollingHoldMinor(due.amountMinor, policy.rollingBps) : 0n;
      return {
        release,
        hold:
          policy && holdMinor > 0n
            ? {
                entry: reserveHoldPosting({ amountMinor: holdMinor, currency: due.currency }),
                amountMinor: holdMinor,
                releaseOn: rollingReleaseOn(now, policy.rollingDays),
              }
            : null,
      };
    });
  }

  /** The release worker's pass, second part: rolling reserve holds whose time has come go back to available. */
  releaseDueReserves(limit = 500): Promise<number> {
    return this.deps.store.releaseDueReserves(this.deps.now(), limit, reserveReleasePosting);
  }

  // ---- reserves (operators) ---------------------------------------------------------------------------------

  /**
   * Sets a merchant's reserve in a currency: the rolling rate and days (for captures released from now on) and
   * the fixed amount (held or released at once by the difference), audited in the same transaction.
   */
  async setReserve(
    operator: Actor,
    merchantId: MerchantId,
    mode: Mode,
    input: {
      currency: string;
      rollingBps: number;
      rollingDays: number;
      fixed: unknown;
      reason?: string | null;
    },
  ): Promise<ReservePolicyRecord & { approvalRequestId: string | null }> {
    const currency = parseCurrency(input.currency);
    if (currency === null)
      throw new DomainError("CURRENCY_INVALID", "currency must be an ISO 4217 code such as EUR.", {
        field: ["currency"],
      });
    const policy = parseReservePolicy(currency, input);
    const approval = this.deps.reserveApproval;
    if (approval && policy.fixedMinor > approval.aboveMajor * 10n ** BigInt(currencyExponent(currency))) {
      // Above the threshold: a four-eyes request; a second admin's approval sets it (the approval store's applier,
      // in the approving transaction, with the reserve's own audit row). Nothing moves until then.
      const request = await approval.approvals.request(operator, {
        kind: SET_RESERVE,
        targetId: `${merchantId}:${mode}:${currency}`,
        payload: reserveApprovalPayload(merchantId, mode, policy),
        amountMinor: policy.fixedMinor,
        currency,
        reason: input.reason ?? "",
      });
      return { ...policy, merchantId, mode, updatedAt: this.deps.now(), approvalRequestId: request.id };
    }
    const before = (await this.deps.store.reservePolicies(merchantId, mode)).find(
      (p) => p.currency === currency,
    );
    await this.deps.store.setReservePolicy(
      merchantId,
      mode,
      policy,
      (fixedInForceMinor) =>
        fixedReserveChangePosting({ fromMinor: fixedInForceMinor, toMinor: policy.fixedMinor, currency }),
      {
        actor: operator,
        action: "reserves.set",
        targetId: merchantId,
        before: before
          ? {
              currency,
              mode,
              rollingBps: before.rollingBps,
              rollingDays: before.rollingDays,
              fixed: before.fixedMinor.toString(),
            }
          : null,
        after: {
          currency,
          mode,
          rollingBps: policy.rollingBps,
          rollingDays: policy.rollingDays,
          fixed: policy.fixedMinor.toString(),
        },
      },
    );
    return { ...policy, merchantId, mode, updatedAt: this.deps.now(), approvalRequestId: null };
  }

  reservePolicies(merchantId: MerchantId, mode: Mode): Promise<ReservePolicyRecord[]> {
    return this.deps.store.reservePolicies(merchantId, mode);
  }
}

interface ChangeHow {
  source: PayoutEventDraft["source"];
  actor: string;
  failureCode: string | null;
  bankReference: string | null;
  bankEvent: { eventId: string; type: string } | null;
}

function postingFor(
  next: PayoutStatus,
  from: PayoutStatus,
  money: { amountMinor: bigint; currency: CurrencyCode },
): JournalEntryDraft | null {
  switch (next) {
    case "PAID":
      return payoutPaidPosting(money);
    case "FAILED":
      return payoutReversalPosting({ kind: "payout.failed", ...money });
    case "CANCELED":
      return payoutReversalPosting({ kind: "payout.canceled", ...money });
    case "RETURNED":
      return from === "PAID" ? payoutReturnedPosting(money) : null;
    default:
      return null;
  }
}

export { nextRun } from "./payout-schedule";
