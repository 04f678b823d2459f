// POST /webhooks/bank: the bank's notifications of incoming credit transfers (bank-transfer payments, issue 18).
// The body is read within a small limit, the signature checked on the raw body before anything is parsed (bad,
// missing or stale: 401, nothing written), the fields validated (400), then the credit is applied through the
// core's command in one transaction. A credit for no reference or IBAN we issued is refused (422, nothing
// written: the bank returns it to the payer itself). A repeated event (same event id or same transfer) is
// acknowledged and posts nothing, so the bank may send a notification twice or out of order.
import { isDomainError } from "@paycore/core/errors/domain-error";
import { BANK_SIGNATURE_HEADER, verifyBankSignature } from "@paycore/platform/bank-rails/bank-signature";
import type { AppServices } from "@paycore/platform/services";
import type { Logger } from "pino";
import { handleBankWebhook } from "./bank-webhook-route";
import { readBodyLimited } from "./read-body-limited";
import type { WebhookRoutes } from "./webhook-routes";

export const BANK_WEBHOOK_PATH = "/webhooks/bank";
/** One credit notification is a few hundred bytes. */
export const BANK_WEBHOOK_BODY_MAX_BYTES = 16 * 1024;

function answer(status: number, body: Record<string, unknown>, close = false): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...(close ? { connection: "close" } : {}) },
  });
}

/**
 * POST /webhooks/bank for both kinds of the bank's notifications: payout notices (`payout.*`, the payouts'
 * handler in bank-webhook-route.ts) and incoming credit transfers (below). Each handler checks the signature
 * itself; this only peeks at the type of a copy of the body to choose.
 */
export function createBankWebhookRoute(
  services: AppServices,
  logger: Logger,
): (request: Request) => Promise<Response> {
  const credits = createCreditTransferRoute(services, logger);
  return async (request) => {
    if (request.method !== "POST" || services.bankWebhookSecret === null) return credits(request);
    // Read once (within the limit), then hand each handler a request of its own with the same bytes.
    const body = await readBodyLimited(request, BANK_WEBHOOK_BODY_MAX_BYTES);
    if (body.outcome === "bad_length") return answer(400, { error: "bad Content-Length" }, true);
    if (body.outcome === "too_large") return answer(413, { error: "too large" }, true);
    const again = new Request(request.url, { method: "POST", headers: request.headers, body: body.text });
    return isPayoutNotice(body.text) ? handleBankWebhook(services, again, logger) : credits(again);
  };
}

function isPayoutNotice(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    const type = typeof parsed === "object" && parsed !== null ? (parsed as { type?: unknown }).type : null;
    return typeof type === "string" && type.startsWith("payout.");
  } catch {
    return false;
  }
}

function createCreditTransferRoute(
  services: Pick<AppServices, "bankTransfers" | "bankWebhookSecret">,
  logger: Logger,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const secret = services.bankWebhookSecret;
    if (secret === null) return answer(404, { error: "no bank configured" }, true);
    if (request.method !== "POST") return answer(405, { error: "POST only" }, true);
    const body = await readBodyLimited(request, BANK_WEBHOOK_BODY_MAX_BYTES);
    if (body.outcome === "bad_length") return answer(400, { error: "bad Content-Length" }, true);
    if (body.outcome === "too_large") return answer(413, { error: "too large" }, true);
    const check = verifyBankSignature(
      secret,
      request.headers.get(BANK_SIGNATURE_HEADER),
      body.text,
      Date.now(),
    );
    if (!check.ok) return answer(401, { error: check.reason });
    let payload: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(body.text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw new Error("not an object");
      payload = parsed as Record<string, unknown>;
    } catch {
      return answer(400, { error: "the body is not a JSON object" });
    }
    if (payload.type !== "credit_transfer.received") {
      return answer(400, { error: "unsupported event type" });
    }
    try {
      const result = await services.bankTransfers.applyIncomingCredit({
        eventId: payload.id,
        transferId: payload.transferId,
        amount: payload.amount,
        currency: payload.currency,
        reference: payload.reference,
        iban: payload.iban,
        receivedAt: payload.receivedAt,
      });
      if (!result.applied && result.reason === "unknown_reference") {
        return answer(422, { error: "unknown_reference" });
      }
      return answer(
        200,
        result.applied ? { received: true, outcome: result.outcome } : { received: true, duplicate: true },
      );
    } catch (error) {
      if (isDomainError(error)) return answer(400, { error: error.code, field: error.field });
      // Nothing committed: the bank must send it again.
      logger.error({ err: error }, "bank notification failed");
      return answer(500, { error: "retry later" });
    }
  };
}

/** The PSP webhook routes with the bank's route in front (the PSP router would answer 404 for "bank"). */
export function withBankRoute(
  routes: WebhookRoutes,
  bank: (request: Request) => Promise<Response>,
): WebhookRoutes {
  return {
    matches: (pathname) => routes.matches(pathname),
    handle: (request) =>
      new URL(request.url).pathname === BANK_WEBHOOK_PATH ? bank(request) : routes.handle(request),
  };
}
