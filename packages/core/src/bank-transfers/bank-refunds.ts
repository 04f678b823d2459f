// Refunds of bank-transfer payments (issue 18), behind the same refundPayment command as card refunds. The money
// leaves through the bank rails, not a PSP: back along the credit transfer that paid (the bank's returns API; the
// bank knows the payer's account, we never hold it), or, when the payer's account is not known (the payment was
// paid by several transfers) or the refund names one, as a credit transfer to that account (the bank's payouts
// API; the number is encrypted by the vault like a card number). Same pattern as payouts and PSP calls: the
// intent is recorded first (the refund PENDING, its amount reserved on the payment), the bank is called with the
// refund id as its idempotency key and no transaction open, then the outcome is recorded. A timeout or an
// unreadable answer leaves the refund PENDING and is asked again with the same key (resolveUnknown, run by the
// bank-transfer worker), so the payer is never paid twice.
//
// States (bank_transfer_refunds, guarded by its trigger): PENDING -> SUCCEEDED | FAILED, SUCCEEDED -> RETURNED.
// A return through the returns API succeeds when the bank accepts it. A credit transfer is in transit once the
// bank accepts it and succeeds or fails by the bank's notice (payout.paid / payout.failed with the refund id); a
// paid one can come back later (payout.returned): RETURNED.
//
// Ledger (the payment's currency; every entry carries a unique source-event key):
//   succeeded: debit merchant_balance R, credit bank_transfer_cash R            (kind refund.succeeded)
//   returned:  debit bank_transfer_cash R, credit merchant_balance R            (kind refund.returned)
// A returned refund gives the merchant its money back and the payment its refundable amount (REFUNDED or
// PARTIALLY_REFUNDED -> PARTIALLY_REFUNDED or CAPTURED through the state table).
import { DomainError, invariant } from "../errors/domain-error";
import type { IdempotencyContext } from "../idempotency/idempotency-service";
import { newId, type PaymentId, type RefundId } from "../ids/ids";
import type { CurrencyCode } from "../money/currency";
import { apiEvent } from "../payments/payment-changes";
import { systemActor } from "../payments/payment-deps";
import type { MerchantActor, PaymentRecord, RefundRecord } from "../payments/payment-record";
import type { RefundResult, UserErrorData } from "../payments/payment-responses";
import { planRefund } from "../payments/payment-rules";
import { transition } from "../payments/payment-state-machine";
import { parseBankAccount } from "../payouts/bank-account";
import {
  BankCallUnknown,
  type BankPayoutAnswer,
  type BankPayoutNotification,
  type BankPayoutRequest,
} from "../payouts/bank-rails-port";
import type {
  BankRefundAccountInput,
  BankRefundDestination,
  BankRefundOutcomeWrite,
  BankRefundRecord,
  BankRefundStore,
  BankRefundsPort,
} from "../ports/bank-refund-store";
import { bankRefundAccountAssociatedData } from "../vault/associated-data";
import { decryptSecret, encryptSecret, type VaultKeyring } from "../vault/card-vault";
import type { BankJournalDraft } from "./bank-transfer";
import type { BankReturnOutcome } from "./bank-transfer-commands";

/** A lost optimistic race is decided again on fresh data this many times. */
const CONFLICT_RETRY_MAX = 10;
/** An unknown outcome is asked again at most this many times; then it waits for an operator. */
export const BANK_REFUND_ATTEMPTS_MAX = 20;
export const BANK_REFUND_BATCH_MAX = 100;

/** The bank, as refunds need it: returns along a credit transfer, and credit transfers to an account. */
export interface BankRefundRails {
  returnTransfer(request: {
    idempotencyKey: string;
    transferId: string;
    amountMinor: bigint;
    currency: CurrencyCode;
  }): Promise<BankReturnOutcome>;
  /** Throws BankCallUnknown when the outcome is unknown. */
  sendPayout(request: BankPayoutRequest): Promise<BankPayoutAnswer>;
}

export interface BankRefundDependencies {
  store: BankRefundStore;
  vault: VaultKeyring;
  /** Null: no bank configured here; a bank-transfer refund is refused (BANK_UNAVAILABLE), nothing written. */
  bank: BankRefundRails | null;
  now(): Date;
}

const associatedData = bankRefundAccountAssociatedData;

/** The bank's answer, reduced to what the refund does next. */
type BankAnswer =
  | { kind: "succeeded"; bankReference: string }
  | { kind: "in_transit"; bankReference: string }
  | { kind: "failed"; code: string }
  | { kind: "unknown"; message: string };

export function refundSucceededPosting(
  refundId: string,
  currency: CurrencyCode,
  amountMinor: bigint,
): BankJournalDraft {
  invariant(amountMinor > 0n, "a refund posts a positive amount");
  return {
    kind: "refund.succeeded",
    currency,
    sourceEventKey: `bank_refund:${refundId}:succeeded`,
    lines: [
      { account: "merchant_balance", direction: "DEBIT", amountMinor },
      { account: "bank_transfer_cash", direction: "CREDIT", amountMinor },
    ],
  };
}

export function refundReturnedPosting(
  refundId: string,
  currency: CurrencyCode,
  amountMinor: bigint,
): BankJournalDraft {
  invariant(amountMinor > 0n, "a returned refund posts a positive amount");
  return {
    kind: "refund.returned",
    currency,
    sourceEventKey: `bank_refund:${refundId}:returned`,
    lines: [
      { account: "bank_transfer_cash", direction: "DEBIT", amountMinor },
      { account: "merchant_balance", direction: "CREDIT", amountMinor },
    ],
  };
}

/** The payment's status after a refund of `amountMinor` settles (succeeded) or comes back (returned). */
export function statusAfter(
  payment: Pick<PaymentRecord, "status" | "amountCapturedMinor" | "amountRefundedMinor">,
  movement: "succeeded" | "returned",
  amountMinor: bigint,
): { status: PaymentRecord["status"]; refundedMinor: bigint } {
  if (movement === "succeeded") {
    const refundedMinor = payment.amountRefundedMinor + amountMinor;
    const event = refundedMinor === payment.amountCapturedMinor ? "REFUNDED_FULLY" : "REFUNDED_PARTIALLY";
    return { status: transition(payment.status, event), refundedMinor };
  }
  const refundedMinor = payment.amountRefundedMinor - amountMinor;
  invariant(refundedMinor >= 0n, "a returned refund was refunded first");
  const event = refundedMinor === 0n ? "REFUND_RETURNED_FULLY" : "REFUND_RETURNED_PARTIALLY";
  return { status: transition(payment.status, event), refundedMinor };
}

export type { BankRefundAccountInput };

export class BankTransferRefunds implements BankRefundsPort {
  constructor(private readonly deps: BankRefundDependencies) {}

  /** Whether this payment is a bank transfer (its refunds go through the bank, here). */
  async handles(payment: Pick<PaymentRecord, "id" | "pspName" | "paymentMethodId">): Promise<boolean> {
    if (payment.pspName !== null || payment.paymentMethodId !== null) return false;
    return (await this.deps.store.paidByTransfers(payment.id)) !== null;
  }

  /**
   * refundPayment for a bank-transfer payment, inside the request's idempotency run: records the intent, asks the
   * bank, records its answer. `account`: the payer's account, required when the payment was paid by more than one
   * transfer (the bank can return along one transfer only).
   */
  async refund(
    actor: MerchantActor,
    context: IdempotencyContext,
    paymentId: PaymentId,
    requestedMinor: bigint | null,
    reason: string | null,
    account: BankRefundAccountInput | null,
  ): Promise<RefundResult> {
    if (this.deps.bank === null)
      throw new DomainError("BANK_UNAVAILABLE", "No bank is configured to send bank-transfer refunds.");
    const refundId = newId("refund");
    let recorded: { refund: RefundRecord; payment: PaymentRecord } | null = null;
    for (let round = 0; round < CONFLICT_RETRY_MAX && recorded === null; round++) {
      const payment = await this.deps.store.findPayment(paymentId);
      if (payment === null || payment.merchantId !== actor.merchantId || payment.mode !== actor.mode)
        throw new DomainError("PAYMENT_NOT_FOUND", "No such payment.", { field: ["paymentId"] });
      const refundMinor = planRefund(payment, requestedMinor);
      const destination = await this.destination(refundId, payment, account);
      const written = await this.deps.store.recordIntent({
        decidedOn: payment,
        patch: { amountRefundPendingMinor: payment.amountRefundPendingMinor + refundMinor },
        events: [
          apiEvent(actor, "refund.created", payment.status, payment.status, {
            refundId,
            refundMinor,
            destination: destination.kind,
          }),
        ],
        outbox: [{ topic: "refund.created", payload: { refundId, paymentId } }],
        journal: [],
        refund: {
          id: refundId,
          paymentId,
          merchantId: payment.merchantId,
          mode: payment.mode,
          amountMinor: refundMinor,
          currency: payment.currency,
          reason,
        },
        destination,
      });
      if (written !== "conflict") recorded = written;
    }
    if (recorded === null)
      throw new Error(`payment ${paymentId} kept changing while its refund was recorded`);
    context.markSideEffects();
    const settled = await this.askBank(refundId);
    const refund = settled?.refund ?? recorded.refund;
    const payment = settled?.payment ?? recorded.payment;
    const errors: UserErrorData[] =
      refund.status === "FAILED"
        ? [
            {
              code: "PAYMENT_FAILED",
              message: `The bank refused the refund (${refund.failureCode ?? "refused"}).`,
              field: null,
            },
          ]
        : settled === null
          ? [
              {
                code: "PAYMENT_OUTCOME_PENDING",
                message:
                  "The bank did not confirm the refund; it is asked again with the same key and this key will answer it.",
                field: null,
              },
            ]
          : [];
    return { refund, payment, errors };
  }

  /** Asks the bank again, with the same key, about refunds whose answer was unknown. */
  async resolveUnknown(limit = BANK_REFUND_BATCH_MAX): Promise<{ resolved: number }> {
    const ids = await this.deps.store.unresolved(
      Math.min(limit, BANK_REFUND_BATCH_MAX),
      BANK_REFUND_ATTEMPTS_MAX,
    );
    let resolved = 0;
    for (const id of ids) {
      const settled = await this.askBank(id);
      if (settled !== null) resolved++;
    }
    return { resolved };
  }

  /**
   * The bank's notice about a credit transfer that carries a refund (its payout id is the refund id): paid,
   * failed, or returned after it was paid. A repeat or a stale notice writes nothing.
   */
  async applyBankNotice(
    notice: BankPayoutNotification,
  ): Promise<{ applied: boolean; reason?: "unknown_refund" | "duplicate" }> {
    for (let round = 0; round < CONFLICT_RETRY_MAX; round++) {
      const bankRefund = await this.deps.store.findBankRefund(notice.payoutId as RefundId);
      if (bankRefund === null || bankRefund.destination.kind !== "ACCOUNT")
        return { applied: false, reason: "unknown_refund" };
      const next =
        notice.type === "payout.paid"
          ? bankRefund.status === "PENDING"
            ? ("SUCCEEDED" as const)
            : null
          : notice.type === "payout.failed"
            ? bankRefund.status === "PENDING"
              ? ("FAILED" as const)
              : null
            : bankRefund.status === "SUCCEEDED"
              ? ("RETURNED" as const)
              : // A return notice that overtook the paid notice: paid first, then returned (two writes).
                bankRefund.status === "PENDING"
                ? ("SUCCEEDED" as const)
                : null;
      if (next === null) return { applied: false, reason: "duplicate" };
      const reference = notice.bankReference ?? bankRefund.bankReference ?? notice.eventId;
      const written = await this.settle(bankRefund, next, {
        bankReference: reference,
        failureCode: notice.failureCode ?? (next === "FAILED" ? "bank_failed" : null),
        source: "WEBHOOK",
      });
      if (written === "conflict") continue;
      if (notice.type === "payout.returned" && next === "SUCCEEDED") continue;
      return { applied: true };
    }
    throw new Error(`bank refund ${notice.payoutId} kept changing while its notice was applied`);
  }

  private async destination(
    refundId: RefundId,
    payment: PaymentRecord,
    account: BankRefundAccountInput | null,
  ): Promise<BankRefundDestination> {
    if (account !== null) {
      const parsed = parseBankAccount({ ...account, currency: payment.currency });
      return {
        kind: "ACCOUNT",
        rail: parsed.rail,
        holderName: parsed.holderName,
        last4: parsed.last4,
        routingNumber: parsed.routingNumber,
        number: encryptSecret(this.deps.vault, parsed.number, associatedData(refundId)),
      };
    }
    const transfers = (await this.deps.store.paidByTransfers(payment.id)) ?? [];
    const [only] = transfers;
    if (transfers.length !== 1 || only === undefined)
      throw new DomainError(
        "BANK_ACCOUNT_REQUIRED",
        "This payment was paid by several transfers: give the payer's bank account to refund to.",
        { field: ["bankAccount"] },
      );
    return { kind: "ORIGINATING", transferId: only };
  }

  /** One call to the bank for a pending refund the bank has not accepted yet; its answer recorded. Null: unknown. */
  private async askBank(
    refundId: RefundId,
  ): Promise<{ refund: RefundRecord; payment: PaymentRecord } | null> {
    const bank = this.deps.bank;
    invariant(bank !== null, "a bank is configured");
    const bankRefund = await this.deps.store.findBankRefund(refundId);
    invariant(bankRefund !== null, `bank refund ${refundId} was recorded`);
    if (bankRefund.status !== "PENDING" || bankRefund.bankReference !== null) return null;
    await this.deps.store.countAttempt(refundId);
    const answer = await this.call(bank, bankRefund);
    if (answer.kind === "unknown") return null;
    for (let round = 0; round < CONFLICT_RETRY_MAX; round++) {
      const current = await this.deps.store.findBankRefund(refundId);
      invariant(current !== null, "the bank refund exists");
      if (current.status !== "PENDING" || current.bankReference !== null) break;
      const written =
        answer.kind === "in_transit"
          ? await this.settle(current, "PENDING", {
              bankReference: answer.bankReference,
              failureCode: null,
              source: "SYSTEM",
            })
          : await this.settle(current, answer.kind === "succeeded" ? "SUCCEEDED" : "FAILED", {
              bankReference: answer.kind === "succeeded" ? answer.bankReference : null,
              failureCode: answer.kind === "failed" ? answer.code : null,
              source: "SYSTEM",
            });
      if (written !== "conflict") return written;
    }
    const refund = await this.deps.store.findRefund(refundId);
    const payment = await this.deps.store.findPayment(bankRefund.paymentId);
    return refund && payment ? { refund, payment } : null;
  }

  private async call(bank: BankRefundRails, refund: BankRefundRecord): Promise<BankAnswer> {
    const destination = refund.destination;
    if (destination.kind === "ORIGINATING") {
      const answer = await bank
        .returnTransfer({
          idempotencyKey: refund.refundId,
          transferId: destination.transferId,
          amountMinor: refund.amountMinor,
          currency: refund.currency,
        })
        .catch((error: unknown): BankReturnOutcome => ({ outcome: "unavailable", message: String(error) }));
      if (answer.outcome === "accepted") return { kind: "succeeded", bankReference: answer.bankReference };
      if (answer.outcome === "refused") return { kind: "failed", code: "bank_refused" };
      return { kind: "unknown", message: answer.message };
    }
    try {
      const answer = await bank.sendPayout({
        payoutId: refund.refundId,
        rail: destination.rail,
        amountMinor: refund.amountMinor,
        currency: refund.currency,
        holderName: destination.holderName,
        accountNumber: decryptSecret(this.deps.vault, destination.number, associatedData(refund.refundId)),
        routingNumber: destination.routingNumber,
      });
      if (answer.status === "accepted") return { kind: "in_transit", bankReference: answer.bankReference };
      return { kind: "failed", code: answer.code };
    } catch (error) {
      if (error instanceof BankCallUnknown) return { kind: "unknown", message: error.message };
      throw error;
    }
  }

  /** The write moving a bank refund to `next` (PENDING: the bank accepted a credit transfer, still in transit). */
  private async settle(
    bankRefund: BankRefundRecord,
    next: BankRefundOutcomeWrite["status"],
    detail: { bankReference: string | null; failureCode: string | null; source: "SYSTEM" | "WEBHOOK" },
  ): Promise<{ refund: RefundRecord; payment: PaymentRecord } | "conflict"> {
    const payment = await this.deps.store.findPayment(bankRefund.paymentId);
    invariant(payment !== null, "the refunded payment exists");
    const actor = systemActor(payment, detail.source, "bank");
    const amount = bankRefund.amountMinor;
    const base = {
      decidedOn: payment,
      refundId: bankRefund.refundId,
      expectedVersion: bankRefund.version,
      status: next,
      bankReference: detail.bankReference,
      failureCode: detail.failureCode,
    };
    const data = { refundId: bankRefund.refundId, refundMinor: amount };
    if (next === "PENDING") {
      return this.deps.store.recordOutcome({
        ...base,
        patch: {},
        events: [apiEvent(actor, "refund.in_transit", payment.status, payment.status, data)],
        outbox: [],
        journal: [],
      });
    }
    if (next === "FAILED") {
      return this.deps.store.recordOutcome({
        ...base,
        patch: { amountRefundPendingMinor: payment.amountRefundPendingMinor - amount },
        events: [
          apiEvent(actor, "refund.failed", payment.status, payment.status, {
            ...data,
            code: detail.failureCode,
          }),
        ],
        outbox: [
          { topic: "refund.failed", payload: { refundId: bankRefund.refundId, paymentId: payment.id } },
        ],
        journal: [],
      });
    }
    const movement = next === "SUCCEEDED" ? "succeeded" : "returned";
    const after = statusAfter(payment, movement, amount);
    const pending =
      next === "SUCCEEDED" ? { amountRefundPendingMinor: payment.amountRefundPendingMinor - amount } : {};
    return this.deps.store.recordOutcome({
      ...base,
      patch: { status: after.status, amountRefundedMinor: after.refundedMinor, ...pending },
      events: [
        apiEvent(
          actor,
          next === "SUCCEEDED" ? "refund.succeeded" : "refund.returned",
          payment.status,
          after.status,
          data,
        ),
      ],
      // Both are merchant webhook event types: the outbox trigger makes the event in this transaction.
      outbox: [
        {
          topic: next === "SUCCEEDED" ? "refund.succeeded" : "refund.returned",
          payload: { refundId: bankRefund.refundId, paymentId: payment.id, status: after.status },
        },
      ],
      journal: [
        next === "SUCCEEDED"
          ? refundSucceededPosting(bankRefund.refundId, payment.currency, amount)
          : refundReturnedPosting(bankRefund.refundId, payment.currency, amount),
      ],
    });
  }
}
