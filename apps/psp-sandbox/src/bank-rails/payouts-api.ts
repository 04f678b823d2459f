// The bank rails sandbox, payout side: SEPA credit transfers and ACH credits under /bank/v1, in the sandbox
// process. A payout is created once per Idempotency-Key (our payout id): asking again answers the same transfer,
// so a caller that timed out can never pay twice. Its outcome comes from the account number's last four digits
// (the test accounts below), and arrives by signed notification (payout.paid, payout.failed, payout.returned),
// delivered on a timer, or step by step when a test calls deliverNotifications(). Micro-deposits (two small
// credits that verify an account) are taken under /bank/v1/micro-deposits, once per Idempotency-Key.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTooLargeError, headerValue, holdResponse, jsonResponse, readBody, send } from "../http-kit";
import { BANK_SIGNATURE_HEADER, signBankNotification } from "./signing";

export const BANK_PATH_PREFIX = "/bank/v1";
/** The test API key the sandbox bank accepts (Authorization: Bearer …). */
export const BANK_SANDBOX_API_KEY = "bank_test_sandbox";

export type BankOutcome = "paid" | "account_closed" | "account_invalid" | "returned" | "verification_failed";

/**
 * Test accounts by their last four digits: SEPA IBANs DE89 3704 0044 0532 0130 00 (paid), DE62 …3001 (account
 * closed: accepted, then failed), DE35 …3002 (invalid: refused at once), DE08 …3003 (paid, then returned),
 * DE78 …3004 (fails verification); ACH account numbers 000123456789 (paid), 000111111116 (closed), 000111111113
 * (invalid), 000222222227 (returned), 000999999991 (fails verification). Any other number is paid.
 */
export const BANK_TEST_ACCOUNTS: Readonly<Record<string, BankOutcome>> = {
  "3000": "paid",
  "6789": "paid",
  "3001": "account_closed",
  "1116": "account_closed",
  "3002": "account_invalid",
  "1113": "account_invalid",
  "3003": "returned",
  "2227": "returned",
  "3004": "verification_failed",
  "9991": "verification_failed",
};

export function outcomeOf(accountNumber: string): BankOutcome {
  return BANK_TEST_ACCOUNTS[accountNumber.slice(-4)] ?? "paid";
}

export interface BankTransfer {
  id: string;
  /** Our payout id (the idempotency key and end-to-end reference). */
  payoutId: string;
  rail: "SEPA" | "ACH";
  amountMinor: string;
  currency: string;
  last4: string;
  status: "in_transit" | "paid" | "failed" | "returned";
  /** Notifications still to send, in order. */
  queued: Array<{ type: "payout.paid" | "payout.failed" | "payout.returned"; failureCode: string | null }>;
  createdAt: string;
}

/** Two micro-deposits sent to an account being verified (what the account holder sees on its statement). */
export interface MicroDepositTransfer {
  id: string;
  /** The caller's bank account id (the idempotency key). */
  reference: string;
  rail: "SEPA" | "ACH";
  currency: string;
  amountsMinor: [string, string];
  last4: string;
  createdAt: string;
}

export interface BankNotificationRecord {
  eventId: string;
  payoutId: string;
  type: string;
  status: number | null;
  body: string;
}

export interface BankPayoutsOptions {
  now: () => Date;
  log: (line: string) => void;
  hangMs: () => number;
  stopSignal: AbortSignal;
  /** Delivers due notifications every this many ms; 0: only when deliverNotifications() is called. */
  autoDeliverMs: number;
}

export interface BankPayoutsApi {
  /** Serves /bank/v1/…; false when the path is not the bank's. */
  handle(request: IncomingMessage, response: ServerResponse, path: string): Promise<boolean>;
  configure(webhook: { url: string; secret: string } | null): void;
  /** Sends the next queued notification of every transfer; returns how many were sent (any answer). */
  deliverNotifications(): Promise<number>;
  /** Sends a notification already sent once more (bank retries and duplicates). */
  redeliver(eventId: string): Promise<number | null>;
  /** The next `count` payout calls create their transfer but never answer (the caller times out). */
  hangNextPayouts(count: number): void;
  /** The next `count` micro-deposit calls send their credits but never answer (the caller times out). */
  hangNextMicroDeposits(count: number): void;
  transfers(): BankTransfer[];
  /** The micro-deposits sent, oldest first. */
  microDeposits(): MicroDepositTransfer[];
  notifications(): BankNotificationRecord[];
  clear(): void;
  stop(): void;
}

const AMOUNT = /^[1-9][0-9]{0,17}$/;
const CURRENCY = /^[A-Z]{3}$/;

export function createBankPayoutsApi(options: BankPayoutsOptions): BankPayoutsApi {
  const byKey = new Map<string, BankTransfer>();
  const microDepositsByKey = new Map<string, MicroDepositTransfer>();
  const sent: BankNotificationRecord[] = [];
  let webhook: { url: string; secret: string } | null = null;
  let hangs = 0;
  let microDepositHangs = 0;
  const timer =
    options.autoDeliverMs > 0
      ? setInterval(() => {
          void deliverNotifications().catch((error: unknown) =>
            options.log(`bank notifications: ${String(error)}`),
          );
        }, options.autoDeliverMs)
      : null;
  timer?.unref();

  async function post(record: BankNotificationRecord): Promise<number | null> {
    if (webhook === null) return null;
    const timestamp = Math.floor(options.now().getTime() / 1000);
    try {
      const answer = await fetch(webhook.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          [BANK_SIGNATURE_HEADER]: signBankNotification(webhook.secret, timestamp, record.body),
        },
        body: record.body,
        signal: AbortSignal.timeout(10_000),
      });
      await answer.arrayBuffer();
      record.status = answer.status;
      return answer.status;
    } catch (error) {
      options.log(`bank notification ${record.eventId} failed: ${String(error)}`);
      return null;
    }
  }

  async function deliverNotifications(): Promise<number> {
    let count = 0;
    for (const transfer of byKey.values()) {
      const next = transfer.queued[0];
      if (next === undefined || webhook === null) continue;
      const eventId = `bevt_${randomBytes(12).toString("hex")}`;
      const body = JSON.stringify({
        id: eventId,
        type: next.type,
        created: Math.floor(options.now().getTime() / 1000),
        data: {
          payout_id: transfer.payoutId,
          bank_reference: transfer.id,
          failure_code: next.failureCode,
        },
      });
      const record: BankNotificationRecord = {
        eventId,
        payoutId: transfer.payoutId,
        type: next.type,
        status: null,
        body,
      };
      sent.push(record);
      const status = await post(record);
      // Delivered when the API took it (2xx); otherwise the same notification goes again next time.
      if (status !== null && status >= 200 && status < 300) {
        transfer.queued.shift();
        transfer.status =
          next.type === "payout.paid" ? "paid" : next.type === "payout.failed" ? "failed" : "returned";
      }
      count++;
    }
    return count;
  }

  function refuse(response: ServerResponse, status: number, code: string, message: string) {
    send(response, jsonResponse(status, { error: { code, message } }));
  }

  async function handle(request: IncomingMessage, response: ServerResponse, path: string): Promise<boolean> {
    if (path !== BANK_PATH_PREFIX && !path.startsWith(`${BANK_PATH_PREFIX}/`)) return false;
    if (headerValue(request, "authorization") !== `Bearer ${BANK_SANDBOX_API_KEY}`) {
      refuse(response, 401, "unauthorized", "Unknown API key.");
      return true;
    }
    let body: Record<string, unknown>;
    try {
      const raw = request.method === "POST" ? await readBody(request) : "";
      body = raw === "" ? {} : (JSON.parse(raw) as Record<string, unknown>);
    } catch (error) {
      refuse(response, error instanceof BodyTooLargeError ? 413 : 400, "invalid_request", "Unreadable body.");
      return true;
    }
    const accountNumber = typeof body.account_number === "string" ? body.account_number : "";
    if (request.method === "POST" && path === `${BANK_PATH_PREFIX}/accounts/verify`) {
      if (!/^[A-Z0-9]{4,34}$/.test(accountNumber)) {
        refuse(response, 400, "invalid_request", "account_number is required.");
        return true;
      }
      const outcome = outcomeOf(accountNumber);
      send(
        response,
        jsonResponse(
          200,
          outcome === "verification_failed"
            ? { status: "failed", code: "name_mismatch" }
            : { status: "verified" },
        ),
      );
      return true;
    }
    if (request.method === "POST" && path === `${BANK_PATH_PREFIX}/micro-deposits`) {
      // Two small credits to verify an account; one pair per Idempotency-Key (the caller's bank account id).
      const key = headerValue(request, "idempotency-key");
      if (key === null || key.length === 0 || key.length > 255) {
        refuse(response, 400, "invalid_request", "Idempotency-Key is required.");
        return true;
      }
      const existing = microDepositsByKey.get(key);
      if (existing !== undefined) {
        send(response, jsonResponse(200, { id: existing.id, status: "sent" }));
        return true;
      }
      const amounts = body.amounts;
      const rail = body.rail;
      const currency = body.currency;
      if (
        (rail !== "SEPA" && rail !== "ACH") ||
        typeof currency !== "string" ||
        !CURRENCY.test(currency) ||
        !Array.isArray(amounts) ||
        amounts.length !== 2 ||
        !amounts.every((amount) => typeof amount === "string" && /^[1-9][0-9]?$/.test(amount)) ||
        !/^[A-Z0-9]{4,34}$/.test(accountNumber)
      ) {
        refuse(
          response,
          400,
          "invalid_request",
          "rail, currency, two amounts (1-99) and account_number are required.",
        );
        return true;
      }
      const outcome = outcomeOf(accountNumber);
      if (outcome === "account_invalid" || outcome === "account_closed") {
        refuse(response, 422, outcome, "The receiving account cannot take credits.");
        return true;
      }
      const transfer: MicroDepositTransfer = {
        id: `bmd_${randomBytes(10).toString("hex")}`,
        reference: key,
        rail,
        currency,
        amountsMinor: [amounts[0] as string, amounts[1] as string],
        last4: accountNumber.slice(-4),
        createdAt: options.now().toISOString(),
      };
      microDepositsByKey.set(key, transfer);
      if (microDepositHangs > 0) {
        microDepositHangs--;
        // The credits are sent; the answer is lost (the caller must ask again with its key).
        await holdResponse(response, options.hangMs(), options.stopSignal);
        response.destroy();
        return true;
      }
      send(response, jsonResponse(201, { id: transfer.id, status: "sent" }));
      return true;
    }
    if (request.method === "POST" && path === `${BANK_PATH_PREFIX}/payouts`) {
      const key = headerValue(request, "idempotency-key");
      if (key === null || key.length === 0 || key.length > 255) {
        refuse(response, 400, "invalid_request", "Idempotency-Key is required.");
        return true;
      }
      const existing = byKey.get(key);
      if (existing !== undefined) {
        send(response, jsonResponse(200, view(existing)));
        return true;
      }
      const rail = body.rail;
      const amount = body.amount;
      const currency = body.currency;
      if (
        (rail !== "SEPA" && rail !== "ACH") ||
        typeof amount !== "string" ||
        !AMOUNT.test(amount) ||
        typeof currency !== "string" ||
        !CURRENCY.test(currency) ||
        !/^[A-Z0-9]{4,34}$/.test(accountNumber)
      ) {
        refuse(response, 400, "invalid_request", "rail, amount, currency and account_number are required.");
        return true;
      }
      const outcome = outcomeOf(accountNumber);
      if (outcome === "account_invalid") {
        refuse(response, 422, "account_invalid", "The receiving account does not exist.");
        return true;
      }
      const transfer: BankTransfer = {
        id: `btr_${randomBytes(10).toString("hex")}`,
        payoutId: key,
        rail,
        amountMinor: amount,
        currency,
        last4: accountNumber.slice(-4),
        status: "in_transit",
        queued:
          outcome === "account_closed"
            ? [{ type: "payout.failed", failureCode: "account_closed" }]
            : outcome === "returned"
              ? [
                  { type: "payout.paid", failureCode: null },
                  { type: "payout.returned", failureCode: "account_frozen" },
                ]
              : [{ type: "payout.paid", failureCode: null }],
        createdAt: options.now().toISOString(),
      };
      byKey.set(key, transfer);
      if (hangs > 0) {
        hangs--;
        // The transfer exists; the answer is lost (the caller times out and must ask again with its key).
        await holdResponse(response, options.hangMs(), options.stopSignal);
        response.destroy();
        return true;
      }
      send(response, jsonResponse(201, view(transfer)));
      return true;
    }
    const lookup = new RegExp(`^${BANK_PATH_PREFIX}/payouts/([^/]{1,255})$`).exec(path);
    if (request.method === "GET" && lookup !== null) {
      const transfer = byKey.get(decodeURIComponent(lookup[1] ?? ""));
      if (transfer === undefined) refuse(response, 404, "not_found", "No such payout.");
      else send(response, jsonResponse(200, view(transfer)));
      return true;
    }
    refuse(response, 404, "not_found", `No route ${request.method} ${path}.`);
    return true;
  }

  return {
    handle,
    configure(next) {
      webhook = next;
    },
    deliverNotifications,
    async redeliver(eventId) {
      const record = sent.find((candidate) => candidate.eventId === eventId);
      return record ? post({ ...record }) : null;
    },
    hangNextPayouts(count) {
      hangs = count;
    },
    hangNextMicroDeposits(count) {
      microDepositHangs = count;
    },
    transfers: () => [...byKey.values()].map((transfer) => ({ ...transfer, queued: [...transfer.queued] })),
    microDeposits: () =>
      [...microDepositsByKey.values()].map((transfer) => ({
        ...transfer,
        amountsMinor: [...transfer.amountsMinor] as [string, string],
      })),
    notifications: () => sent.map((record) => ({ ...record })),
    clear() {
      byKey.clear();
      microDepositsByKey.clear();
      sent.length = 0;
      hangs = 0;
      microDepositHangs = 0;
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}

function view(transfer: BankTransfer) {
  return {
    id: transfer.id,
    payout_id: transfer.payoutId,
    rail: transfer.rail,
    amount: transfer.amountMinor,
    currency: transfer.currency,
    status: transfer.status,
    created: transfer.createdAt,
  };
}
