// The one write path for bank accounts, payouts, payout schedules and the release of pending funds. Validation,
// the state table and the postings are decided here; the store writes each change with its audit event, outbox
// message, journal entries and (for operators) audit row in one transaction, conditional on the version read.
// The bank is called with no transaction open, with the payout's id as its idempotency key: a timeout leaves the
// payout PENDING with its bank call UNKNOWN, and the next pass asks again with the same key (never paid twice).
import { DomainError } from "../errors/domain-error";
import type { IdempotencyService, IdempotentOutcome } from "../idempotency/idempotency-service";
import { type MerchantId, newId, parseId, parseIdempotencyKey } from "../ids/ids";
import type { JournalEntryDraft } from "../ledger/postings";
import { type CurrencyCode, parseCurrency } from "../money/currency";
import { parseAmountMinor } from "../money/money";
import type { MerchantAdmission } from "../onboarding/merchant-admission";
import type { Mode } from "../payments/payment-record";
import type { Actor, AuditDraft } from "../ports/audit";
import type {
  BankAccountRecord,
  PayoutChange,
  PayoutEventDraft,
  PayoutMethod,
  PayoutRecord,
  PayoutSchedule,
  PayoutStore,
} from "../ports/payout-store";
import { decryptSecret, encryptSecret, type VaultKeyring } from "../vault/card-vault";
import { assertPayoutFits } from "./balance";
import { type BankAccountInput, parseBankAccount } from "./bank-account";
import { BankCallUnknown, type BankPayoutNotification, type BankRails } from "./bank-rails-port";
import {
  payoutCreatedPosting,
  payoutPaidPosting,
  payoutReturnedPosting,
  payoutReversalPosting,
} from "./payout-postings";
import {
  PAYOUT_STATUS_TOPICS,
  type PayoutEvent,
  type PayoutStatus,
  payoutPathTo,
  payoutTransition,
} from "./payout-state-machine";

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
  /** Onboarding and sanctions (issue 22): payouts held or refused by the merchant's standing; absent: none. */
  admission?: Pick<MerchantAdmission, "checkPayout">;
  /** Sanctions (issue 22): a new bank account's holder is screened once the account is stored. */
  screening?: { screenMerchant(merchantId: string, reason: string): Promise<unknown> };
}

function associatedData(bankAccountId: string): string {
  return `bank_account:${bankAccountId}`;
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
    input: BankAccountInput,
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

  /** Validates, verifies with the bank (instant verification), encrypts the number and stores the account. */
  async addBankAccount(actor: PayoutActor, input: BankAccountInput): Promise<BankAccountRecord> {
    const parsed = parseBankAccount(input);
    if ((await this.deps.store.countBankAccounts(actor.merchantId, actor.mode)) >= BANK_ACCOUNTS_PER_MODE_MAX)
      throw new DomainError(
        "BANK_ACCOUNT_LIMIT",
        `A merchant has at most ${BANK_ACCOUNTS_PER_MODE_MAX} bank accounts per mode.`,
      );
    const verification = this.deps.bank
      ? await this.deps.bank.verifyAccount({
          rail: parsed.rail,
          accountNumber: parsed.number,
          routingNumber: parsed.routingNumber,
          holderName: parsed.holderName,
        })
      : { status: "failed" as const, code: "no_bank_configured" };
    const id = newId("bankAccount");
    const now = this.deps.now();
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
      status: verification.status === "verified" ? "VERIFIED" : "VERIFICATION_FAILED",
      verifiedAt: verification.status === "verified" ? now : null,
      createdAt: now,
    };
    await this.deps.store.insertBankAccount({
      ...record,
      number: encryptSecret(this.deps.vault, parsed.number, associatedData(id)),
    });
    await this.deps.screening?.screenMerchant(actor.merchantId, "BANK_ACCOUNT_ADDED");
    return record;
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

  /** The change that walks `payout` along `events`: one audit event, outbox message and posting per step. */
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
        failureCode:
          status === "FAILED" || status === "RETURNED" ? (how.failureCode ?? "bank_failure") : null,
        version: payout.version + 1,
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

  async setSchedule(
    actor: PayoutActor,
    input: { currency: string; interval: PayoutSchedule["interval"]; delayDays: number; minimum: unknown },
    operator: Actor | null = null,
  ): Promise<PayoutSchedule> {
    const currency = parseCurrency(input.currency);
    if (currency === null)
      throw new DomainError("CURRENCY_INVALID", "currency must be an ISO 4217 code such as EUR.", {
        field: ["currency"],
      });
    if (!["DAILY", "WEEKLY", "MONTHLY"].includes(input.interval))
      throw new DomainError("INVALID_INPUT", "interval must be DAILY, WEEKLY or MONTHLY.", {
        field: ["interval"],
      });
    if (!Number.isInteger(input.delayDays) || input.delayDays < 0 || input.delayDays > 30)
      throw new DomainError("INVALID_INPUT", "delayDays must be an integer from 0 to 30.", {
        field: ["delayDays"],
      });
    const minimumMinor = parseAmountMinor(input.minimum, { currency, field: ["minimum"], allowZero: true });
    const schedule: PayoutSchedule = {
      merchantId: actor.merchantId,
      mode: actor.mode,
      currency,
      interval: input.interval,
      delayDays: input.delayDays,
      minimumMinor,
      nextRunAt: nextRun(input.interval, input.delayDays, this.deps.now()),
    };
    await this.deps.store.upsertSchedule(
      schedule,
      operator && {
        actor: operator,
        action: "payouts.schedule",
        targetId: actor.merchantId,
        before: null,
        after: {
          currency,
          interval: schedule.interval,
          delayDays: schedule.delayDays,
          minimum: minimumMinor.toString(),
        },
      },
    );
    return schedule;
  }

  /**
   * The schedule worker's pass: for each due schedule, a payout of the whole available balance when it reaches
   * the minimum (nothing when the balance is short, negative, or payouts are paused), then the next run time.
   */
  async runDueSchedules(limit = 50): Promise<{ created: number; skipped: number }> {
    const counts = { created: 0, skipped: 0 };
    const now = this.deps.now();
    for (const schedule of await this.deps.store.dueSchedules(now, limit)) {
      if (
        !(await this.deps.store.advanceSchedule(
          schedule,
          nextRun(schedule.interval, schedule.delayDays, now),
        ))
      )
        continue;
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

  /** The release worker's pass: pending funds whose availableOn has passed become available. */
  releaseDue(limit = 500): Promise<number> {
    return this.deps.store.releaseDue(this.deps.now(), limit);
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

const DAY_MS = 24 * 60 * 60_000;

/**
 * The next run of a schedule after `now`, in UTC: the next midnight (DAILY), Monday (WEEKLY) or 1st of the month
 * (MONTHLY), plus delayDays.
 */
export function nextRun(interval: PayoutSchedule["interval"], delayDays: number, now: Date): Date {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  let start: number;
  if (interval === "DAILY") start = midnight + DAY_MS;
  else if (interval === "WEEKLY") {
    const day = new Date(midnight).getUTCDay(); // 0 Sunday
    const untilMonday = (8 - day) % 7 || 7;
    start = midnight + untilMonday * DAY_MS;
  } else start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return new Date(start + delayDays * DAY_MS);
}
