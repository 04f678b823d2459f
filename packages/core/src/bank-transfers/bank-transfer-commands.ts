// The one write path for bank-transfer payments: creating one (instructions, AWAITING_FUNDS), applying the bank's
// incoming-credit notifications (exact, partial, over, late; a repeat writes nothing), expiring unpaid ones, and
// sending the returns they owe through the bank. Every status change goes through the payment state table.
import { parseEmailAddress } from "../documents/email-address";
import { DomainError } from "../errors/domain-error";
import type { IdempotencyService, IdempotentOutcome } from "../idempotency/idempotency-service";
import { newId, type PaymentId, parseIdempotencyKey } from "../ids/ids";
import { computeFee } from "../ledger/fees";
import { type CurrencyCode, parseCurrency } from "../money/currency";
import { parseAmountMinor } from "../money/money";
import { apiEvent, statusMessage } from "../payments/payment-changes";
import { scope, systemActor, withField } from "../payments/payment-deps";
import { validateDescription, validateMetadata } from "../payments/payment-input";
import type { MerchantActor } from "../payments/payment-record";
import type { PaymentResult } from "../payments/payment-responses";
import { transition } from "../payments/payment-state-machine";
import type {
  ApplyCreditResult,
  BankTransferStore,
  CreditWrite,
  LockedTransfer,
  QueuedReturn,
} from "../ports/bank-transfer-store";
import {
  BANK_TRANSFER_EXPIRY_DEFAULT_MS,
  BANK_TRANSFER_EXPIRY_MAX_MS,
  BANK_TRANSFER_EXPIRY_MIN_MS,
  COLLECTION_BIC,
  creditPostings,
  decideCredit,
  expiryPosting,
  type IncomingCredit,
  newBankTransferReference,
  returnPosting,
  virtualIbanFor,
} from "./bank-transfer";

export const BANK_EVENT_ID_LENGTH_MAX = 100;
export const BANK_BATCH_MAX = 100;
/** A return the bank keeps refusing with a transient error is left to operators after this many tries. */
export const RETURN_ATTEMPTS_MAX = 10;

export interface CreateBankTransferPaymentInput {
  idempotencyKey: string;
  amount: unknown;
  currency: string;
  description?: string | null;
  metadata?: Record<string, string> | null;
  receiptEmail?: string | null;
  /** How long the customer has to pay; default 7 days, between 1 minute and 30 days. */
  expiresInSeconds?: number | null;
}

/** A notification as the bank's webhook carries it, before validation. */
export interface IncomingCreditInput {
  eventId: unknown;
  transferId: unknown;
  amount: unknown;
  currency: unknown;
  reference?: unknown;
  iban?: unknown;
  receivedAt: unknown;
}

/** The bank's answer to a return: accepted (with its reference), refused for good, or not known yet (retry). */
export type BankReturnOutcome =
  | { outcome: "accepted"; bankReference: string }
  | { outcome: "refused"; reason: string }
  | { outcome: "unavailable"; message: string };

/** The outgoing side of the bank: returns of incoming transfers (the bank knows the payer's account). */
export interface BankReturnPort {
  returnTransfer(request: {
    idempotencyKey: string;
    transferId: string;
    amountMinor: bigint;
    currency: CurrencyCode;
  }): Promise<BankReturnOutcome>;
}

export interface BankTransferCommandsDependencies {
  store: BankTransferStore;
  idempotency: IdempotencyService;
  now: () => Date;
  random?: (size: number) => Uint8Array;
}

function invalid(message: string, field: string[]): DomainError {
  return new DomainError("INVALID_INPUT", message, { field });
}

function parseExpiry(seconds: number | null | undefined): number {
  if (seconds === null || seconds === undefined) return BANK_TRANSFER_EXPIRY_DEFAULT_MS;
  const ms = seconds * 1000;
  if (!Number.isInteger(seconds) || ms < BANK_TRANSFER_EXPIRY_MIN_MS || ms > BANK_TRANSFER_EXPIRY_MAX_MS) {
    throw invalid(
      `expiresInSeconds must be a whole number between ${BANK_TRANSFER_EXPIRY_MIN_MS / 1000} and ${BANK_TRANSFER_EXPIRY_MAX_MS / 1000}.`,
      ["expiresInSeconds"],
    );
  }
  return ms;
}

/** Validates a notification's fields: anything malformed is refused before a row is read or written. */
export function parseIncomingCredit(input: IncomingCreditInput): IncomingCredit {
  const text = (value: unknown, field: string, pattern: RegExp): string => {
    if (typeof value !== "string" || !pattern.test(value)) throw invalid(`${field} is malformed.`, [field]);
    return value;
  };
  const eventId = text(input.eventId, "eventId", /^[A-Za-z0-9_-]{1,100}$/);
  const transferId = text(input.transferId, "transferId", /^[A-Za-z0-9_-]{1,100}$/);
  if (typeof input.currency !== "string") throw invalid("currency is malformed.", ["currency"]);
  const currency = parseCurrency(input.currency);
  if (currency === null)
    throw new DomainError("CURRENCY_INVALID", "currency is not ISO 4217.", { field: ["currency"] });
  const amountMinor = withField(["amount"], () => parseAmountMinor(input.amount, { currency }));
  const reference =
    input.reference === undefined || input.reference === null
      ? null
      : text(input.reference, "reference", /^[A-Za-z0-9 ]{1,140}$/)
          .replace(/\s+/g, "")
          .toUpperCase();
  const iban =
    input.iban === undefined || input.iban === null
      ? null
      : text(input.iban, "iban", /^[A-Za-z0-9 ]{5,42}$/)
          .replace(/\s+/g, "")
          .toUpperCase();
  if (reference === null && iban === null)
    throw invalid("a credit names a reference or an IBAN.", ["reference"]);
  const receivedAt = new Date(typeof input.receivedAt === "string" ? input.receivedAt : Number.NaN);
  if (Number.isNaN(receivedAt.getTime())) throw invalid("receivedAt is not a timestamp.", ["receivedAt"]);
  return { eventId, transferId, amountMinor, currency, reference, iban, receivedAt };
}

export class BankTransferCommands {
  constructor(private readonly deps: BankTransferCommandsDependencies) {}

  /** A payment the customer pays by bank transfer: AWAITING_FUNDS with its instructions, nothing posted yet. */
  createPayment(
    actor: MerchantActor,
    input: CreateBankTransferPaymentInput,
  ): Promise<IdempotentOutcome<PaymentResult>> {
    const key = parseIdempotencyKey(input.idempotencyKey);
    const currency = parseCurrency(input.currency);
    if (currency === null) {
      throw new DomainError("CURRENCY_INVALID", "currency must be an ISO 4217 code such as EUR.", {
        field: ["currency"],
      });
    }
    const amountMinor = withField(["amount"], () => parseAmountMinor(input.amount, { currency }));
    const request = {
      method: "BANK_TRANSFER",
      amountMinor,
      currency,
      description: validateDescription(input.description ?? null),
      metadata: validateMetadata(input.metadata ?? {}),
      receiptEmail: parseEmailAddress(input.receiptEmail, ["receiptEmail"]),
      expiresInMs: parseExpiry(input.expiresInSeconds),
    };
    return this.deps.idempotency.run(scope(actor, key), "createPayment", request, async () => {
      const now = this.deps.now();
      const paymentId = newId("payment");
      const reference = newBankTransferReference(this.deps.random);
      const status = "AWAITING_FUNDS" as const;
      const payment = await this.deps.store.insertPayment({
        payment: {
          id: paymentId,
          merchantId: actor.merchantId,
          mode: actor.mode,
          status,
          amountMinor,
          currency,
          amountCapturableMinor: 0n,
          amountCapturedMinor: 0n,
          amountRefundedMinor: 0n,
          amountRefundPendingMinor: 0n,
          amountDisputedMinor: 0n,
          captureMethod: "AUTOMATIC",
          paymentMethodId: null,
          description: request.description,
          metadata: request.metadata,
          pspName: null,
          pspReference: null,
          failureCode: null,
          failureMessage: null,
          pendingOperation: null,
          cardFingerprint: null,
          customerEmail: null,
          ipAddress: null,
          deviceId: null,
          billingCountry: null,
          geoLatitude: null,
          geoLongitude: null,
          reviewExpiresAt: null,
          threeDSecure: null,
          nextActionUrl: null,
          actionExpiresAt: null,
          returnUrl: null,
        },
        transfer: {
          paymentId,
          merchantId: actor.merchantId,
          mode: actor.mode,
          reference,
          iban: virtualIbanFor(reference),
          bic: COLLECTION_BIC,
          currency,
          amountDueMinor: amountMinor,
          amountReceivedMinor: 0n,
          expiresAt: new Date(now.getTime() + request.expiresInMs),
        },
        receiptEmail: request.receiptEmail,
        event: apiEvent(actor, "payment.created", null, status, {
          amountMinor,
          currency,
          paymentMethodType: "BANK_TRANSFER",
        }),
        outbox: [statusMessage("payment.created", paymentId, status)],
      });
      return { payment, errors: [] };
    });
  }

  /**
   * Applies the bank's notification of an incoming credit. Exact: captured (posted now). Short: still waiting,
   * the amount held as unapplied. Over: captured and the excess returned. After expiry or once paid: returned in
   * full. A notification already applied (same event id or same transfer) writes nothing.
   */
  async applyIncomingCredit(input: IncomingCreditInput): Promise<ApplyCreditResult> {
    const credit = parseIncomingCredit(input);
    return this.deps.store.applyCredit(credit, (locked) => decideCreditWrite(locked, credit));
  }

  /** Expires payments nobody paid in time (CANCELLED); their partial credits are returned. */
  async expireDue(limit = BANK_BATCH_MAX, asOf: Date = this.deps.now()): Promise<{ expired: number }> {
    const due = await this.deps.store.expiredTransfers(asOf, Math.min(limit, BANK_BATCH_MAX));
    let expired = 0;
    for (const item of due) {
      const done = await this.deps.store.expire(item.paymentId, (locked, partials) =>
        decideExpiry(locked, partials),
      );
      if (done) expired++;
    }
    return { expired };
  }

  /** Sends queued returns through the bank, each under its own id as the idempotency key (a retry never pays twice). */
  async sendReturns(bank: BankReturnPort, limit = BANK_BATCH_MAX): Promise<{ sent: number; failed: number }> {
    const pending = await this.deps.store.pendingReturns(Math.min(limit, BANK_BATCH_MAX));
    let sent = 0;
    let failed = 0;
    for (const item of pending) {
      const answer = await bank
        .returnTransfer({
          idempotencyKey: item.id,
          transferId: item.transferId,
          amountMinor: item.amountMinor,
          currency: item.currency,
        })
        .catch(
          (error: unknown): BankReturnOutcome => ({
            outcome: "unavailable",
            message: error instanceof Error ? error.message : "bank call failed",
          }),
        );
      if (answer.outcome === "accepted") {
        await this.deps.store.markReturnSent(
          item.id,
          answer.bankReference,
          returnPosting(item.id, item.currency, item.amountMinor),
        );
        sent++;
      } else if (answer.outcome === "refused" || item.attempts + 1 >= RETURN_ATTEMPTS_MAX) {
        await this.deps.store.markReturnFailed(
          item.id,
          answer.outcome === "refused" ? answer.reason : answer.message,
        );
        failed++;
      } else {
        await this.deps.store.markReturnFailed(item.id, `retry: ${answer.message}`);
      }
    }
    return { sent, failed };
  }
}

/** The rows one credit writes, from the decision on the locked transfer and payment. */
export function decideCreditWrite(locked: LockedTransfer, credit: IncomingCredit): CreditWrite {
  const { transfer, payment } = locked;
  if (credit.currency !== transfer.currency) {
    // A credit in another currency cannot pay this payment: owed back in full.
    return returnedWrite(locked, credit, "not_awaiting_funds");
  }
  const decision = decideCredit(transfer, payment.status === "AWAITING_FUNDS", credit);
  const actor = systemActor(payment, "WEBHOOK", "bank");
  const data = { eventId: credit.eventId, transferId: credit.transferId, amountMinor: credit.amountMinor };
  if (decision.kind === "returned") return returnedWrite(locked, credit, decision.reason);
  const fee = decision.kind === "completed" ? computeFee(transfer.amountDueMinor, locked.fee) : 0n;
  const journal = creditPostings(decision, credit, transfer.amountDueMinor, fee);
  if (decision.kind === "partial") {
    return {
      outcome: "partial",
      patch: {},
      events: [
        apiEvent(actor, "payment.funds_received_partially", payment.status, payment.status, {
          ...data,
          amountReceivedMinor: decision.amountReceivedMinor,
        }),
      ],
      outbox: [],
      journal,
      amountReceivedMinor: decision.amountReceivedMinor,
      returns: [],
    };
  }
  const status = transition(payment.status, "FUNDS_RECEIVED");
  const returns: QueuedReturn[] =
    decision.excessMinor > 0n
      ? [
          {
            id: newId("bankReturn"),
            transferId: credit.transferId,
            amountMinor: decision.excessMinor,
            currency: credit.currency,
            reason: "excess",
          },
        ]
      : [];
  return {
    outcome: decision.excessMinor > 0n ? "overpaid" : "completed",
    patch: { status, amountCapturedMinor: transfer.amountDueMinor },
    events: [
      apiEvent(actor, "payment.captured", payment.status, status, {
        ...data,
        amountReceivedMinor: decision.amountReceivedMinor,
        excessMinor: decision.excessMinor,
        feeMinor: fee,
      }),
    ],
    outbox: [statusMessage("payment.captured", payment.id, status)],
    journal,
    amountReceivedMinor: decision.amountReceivedMinor,
    returns,
  };
}

function returnedWrite(
  locked: LockedTransfer,
  credit: IncomingCredit,
  reason: QueuedReturn["reason"],
): CreditWrite {
  const { payment, transfer } = locked;
  const actor = systemActor(payment, "WEBHOOK", "bank");
  return {
    outcome: "returned",
    patch: {},
    events: [
      apiEvent(actor, "payment.funds_returned", payment.status, payment.status, {
        eventId: credit.eventId,
        transferId: credit.transferId,
        amountMinor: credit.amountMinor,
        currency: credit.currency,
        reason,
      }),
    ],
    outbox: [],
    journal: creditPostings({ kind: "returned", reason: "expired" }, credit, transfer.amountDueMinor, 0n),
    amountReceivedMinor: transfer.amountReceivedMinor,
    returns: [
      {
        id: newId("bankReturn"),
        transferId: credit.transferId,
        amountMinor: credit.amountMinor,
        currency: credit.currency,
        reason,
      },
    ],
  };
}

function decideExpiry(
  locked: LockedTransfer,
  partials: Array<{ transferId: string; amountMinor: bigint }>,
): CreditWrite {
  const { payment, transfer } = locked;
  const status = transition(payment.status, "FUNDS_EXPIRED");
  const posting = expiryPosting(payment.id as PaymentId, transfer.currency, transfer.amountReceivedMinor);
  return {
    outcome: "expired",
    patch: {
      status,
      failureCode: "bank_transfer_expired",
      failureMessage: "No full payment arrived before the bank-transfer instructions expired.",
    },
    events: [
      apiEvent(
        systemActor(payment, "SYSTEM", "bank-transfer-expiry"),
        "payment.canceled",
        payment.status,
        status,
        {
          reason: "bank_transfer_expired",
          amountReceivedMinor: transfer.amountReceivedMinor,
        },
      ),
    ],
    outbox: [statusMessage("payment.canceled", payment.id, status)],
    journal: posting === null ? [] : [posting],
    amountReceivedMinor: transfer.amountReceivedMinor,
    returns: partials.map((partial) => ({
      id: newId("bankReturn"),
      transferId: partial.transferId,
      amountMinor: partial.amountMinor,
      currency: transfer.currency,
      reason: "expired" as const,
    })),
  };
}
