// The sandbox bank's incoming side (issue 18): a customer's credit transfer to one of our references or virtual
// IBANs, simulated on request, and its signed notification sent to the API (POST /webhooks/bank). Fault injection
// for tests: deliver a notification twice, hold it to deliver later (so several arrive out of order), sign it
// with a wrong secret, or date the credit after an expiry. The bank's API for returns (POST /bank/v1/returns,
// idempotent by the Idempotency-Key header) sends an incoming transfer back to its payer, never more than arrived.
//
// Control routes (under /__sandbox/bank):
//   POST webhook   {url, secret}                   where notifications go
//   POST incoming  {reference?|iban?, amount, currency, receivedAt?, deliver?: "once"|"twice"|"hold",
//                   badSignature?: boolean}        simulate a credit; answers its transferId, eventId, deliveries
//   POST deliver   {eventIds: [...]}               deliver held notifications, in the order given
//   GET  returns                                    the returns the bank accepted
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { headerValue, jsonResponse, readBody, send } from "../http-kit";
import { BANK_SIGNATURE_HEADER, signBankNotification } from "./signing";

/** Bounds of what a test may ask the sandbox to hold. */
const TRANSFERS_MAX = 10_000;
const DIGITS = /^[1-9]\d{0,17}$/;

interface Transfer {
  transferId: string;
  amount: bigint;
  currency: string;
  returned: bigint;
}

interface Notification {
  eventId: string;
  body: string;
  badSignature: boolean;
}

export interface BankReturnRecord {
  id: string;
  transferId: string;
  amount: string;
  currency: string;
  idempotencyKey: string;
}

export interface IncomingBank {
  /** True for the paths this module answers (the payout side answers the rest of /bank and /__sandbox/bank). */
  matches(path: string): boolean;
  /** Where notifications go; the server's POST /__sandbox/bank/webhook sets both sides at once. */
  configure(webhook: { url: string; secret: string } | null): void;
  handle(request: IncomingMessage, response: ServerResponse, path: string): Promise<void>;
  reset(): void;
}

const INCOMING_PATHS = new Set([
  "/__sandbox/bank/incoming",
  "/__sandbox/bank/incoming/deliver",
  "/__sandbox/bank/returns",
  "/bank/v1/returns",
]);

function id(prefix: string): string {
  return `${prefix}_${randomBytes(10).toString("hex")}`;
}

export function createIncomingBank(options: {
  now: () => Date;
  log: (line: string) => void;
  webhook?: { url: string; secret: string } | null;
}): IncomingBank {
  let webhook: { url: string; secret: string } | null = options.webhook ?? null;
  const transfers = new Map<string, Transfer>();
  const held = new Map<string, Notification>();
  const returns = new Map<string, { status: number; body: Record<string, unknown> }>();
  const accepted: BankReturnRecord[] = [];

  async function deliver(notification: Notification): Promise<number> {
    if (webhook === null) return 0;
    const secret = notification.badSignature ? `${webhook.secret}-wrong` : webhook.secret;
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const response = await fetch(webhook.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [BANK_SIGNATURE_HEADER]: signBankNotification(secret, timestamp, notification.body),
        },
        body: notification.body,
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      return response.status;
    } catch (error) {
      options.log(`bank notification ${notification.eventId} failed: ${String(error)}`);
      return 0;
    }
  }

  async function json(request: IncomingMessage): Promise<Record<string, unknown>> {
    const raw = await readBody(request);
    const parsed: unknown = raw === "" ? {} : JSON.parse(raw);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error("not an object");
    return parsed as Record<string, unknown>;
  }

  async function incoming(body: Record<string, unknown>) {
    const amount = String(body.amount ?? "");
    if (!DIGITS.test(amount)) return jsonResponse(400, { error: "amount must be positive minor units" });
    if (typeof body.currency !== "string" || !/^[A-Z]{3}$/.test(body.currency))
      return jsonResponse(400, { error: "currency must be ISO 4217" });
    if (typeof body.reference !== "string" && typeof body.iban !== "string")
      return jsonResponse(400, { error: "reference or iban is required" });
    if (transfers.size >= TRANSFERS_MAX) return jsonResponse(429, { error: "too many transfers; reset" });
    const transfer: Transfer = {
      transferId: id("btr"),
      amount: BigInt(amount),
      currency: body.currency,
      returned: 0n,
    };
    transfers.set(transfer.transferId, transfer);
    const eventId = id("bev");
    const notification: Notification = {
      eventId,
      badSignature: body.badSignature === true,
      body: JSON.stringify({
        id: eventId,
        type: "credit_transfer.received",
        transferId: transfer.transferId,
        amount,
        currency: body.currency,
        reference: typeof body.reference === "string" ? body.reference : null,
        iban: typeof body.iban === "string" ? body.iban : null,
        receivedAt: typeof body.receivedAt === "string" ? body.receivedAt : options.now().toISOString(),
      }),
    };
    const mode = body.deliver ?? "once";
    const deliveries: number[] = [];
    if (mode === "hold") held.set(eventId, notification);
    else {
      deliveries.push(await deliver(notification));
      if (mode === "twice") deliveries.push(await deliver(notification));
    }
    return jsonResponse(200, { transferId: transfer.transferId, eventId, deliveries });
  }

  /** POST /bank/v1/returns: sends (part of) an incoming transfer back to its payer; the key replays its answer. */
  function returnTransfer(key: string | null, body: Record<string, unknown>) {
    if (key === null || key.length === 0 || key.length > 255)
      return { status: 400, body: { error: "Idempotency-Key required" } };
    const seen = returns.get(key);
    if (seen) return seen;
    const transfer = typeof body.transferId === "string" ? transfers.get(body.transferId) : undefined;
    const amount = String(body.amount ?? "");
    let answer: { status: number; body: Record<string, unknown> };
    if (transfer === undefined) answer = { status: 404, body: { error: "no such incoming transfer" } };
    else if (!DIGITS.test(amount) || body.currency !== transfer.currency)
      answer = { status: 400, body: { error: "bad amount or currency" } };
    else if (transfer.returned + BigInt(amount) > transfer.amount)
      answer = { status: 422, body: { error: "more than the transfer brought" } };
    else {
      transfer.returned += BigInt(amount);
      const record = {
        id: id("bret"),
        transferId: transfer.transferId,
        amount,
        currency: transfer.currency,
        idempotencyKey: key,
      };
      accepted.push(record);
      answer = { status: 200, body: { id: record.id, status: "accepted" } };
    }
    returns.set(key, answer);
    return answer;
  }

  return {
    matches: (path) => INCOMING_PATHS.has(path),
    configure(next) {
      webhook = next;
    },
    reset() {
      transfers.clear();
      held.clear();
      returns.clear();
      accepted.length = 0;
    },
    async handle(request, response, path) {
      let body: Record<string, unknown>;
      try {
        body = request.method === "POST" ? await json(request) : {};
      } catch {
        send(response, jsonResponse(400, { error: "the body is not a JSON object" }));
        return;
      }
      if (request.method === "POST" && path === "/__sandbox/bank/incoming") {
        return send(response, await incoming(body));
      }
      if (request.method === "POST" && path === "/__sandbox/bank/incoming/deliver") {
        const ids = Array.isArray(body.eventIds) ? body.eventIds.slice(0, 100) : [];
        const deliveries: number[] = [];
        for (const eventId of ids) {
          const notification = typeof eventId === "string" ? held.get(eventId) : undefined;
          deliveries.push(notification ? await deliver(notification) : 404);
        }
        return send(response, jsonResponse(200, { deliveries }));
      }
      if (request.method === "GET" && path === "/__sandbox/bank/returns") {
        return send(response, jsonResponse(200, { returns: accepted }));
      }
      if (request.method === "POST" && path === "/bank/v1/returns") {
        const answer = returnTransfer(headerValue(request, "idempotency-key"), body);
        return send(response, jsonResponse(answer.status, answer.body));
      }
      send(response, jsonResponse(404, { error: `no bank route ${request.method} ${path}` }));
    },
  };
}
