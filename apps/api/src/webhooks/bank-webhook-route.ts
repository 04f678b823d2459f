// POST /webhooks/bank: the bank's payout notifications (paid, failed, returned). 404 when no bank is configured;
// the body is read within BANK_WEBHOOK_BODY_BYTES_MAX, its signature checked (bad or stale: 401, nothing
// written), then the core applies it: an unknown payout is refused (404, so the bank's console shows it), a
// repeat of an event id changes and posts nothing (200), a notice that contradicts the payout's status is
// acknowledged and logged (200: sending it again would not change it). A notice about a credit transfer that
// carries a bank-transfer payment's refund (its payout id is the refund's re_… id) goes to the refunds (issue 18).
import { BANK_WEBHOOK_BODY_BYTES_MAX, verifyBankWebhook } from "@paycore/platform/bank-rails/bank-webhook";
import type { AppServices } from "@paycore/platform/services";
import type { Logger } from "pino";
import { readBodyLimited } from "./read-body-limited";

export const BANK_WEBHOOK_PATH = "/webhooks/bank";

function answer(status: number, body: string, close = false): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...(close ? { connection: "close" } : {}) },
  });
}

export async function handleBankWebhook(
  services: AppServices,
  request: Request,
  logger: Logger,
): Promise<Response> {
  const secret = services.bankWebhookSecret;
  if (secret === null) return answer(404, "no bank configured", true);
  if (request.method !== "POST") return answer(405, "POST only", true);
  const body = await readBodyLimited(request, BANK_WEBHOOK_BODY_BYTES_MAX);
  if (body.outcome === "bad_length") return answer(400, "Content-Length is not a number of bytes", true);
  if (body.outcome === "too_large")
    return answer(413, `larger than ${BANK_WEBHOOK_BODY_BYTES_MAX} bytes`, true);
  const verdict = verifyBankWebhook(secret, request.headers.get("bank-signature"), body.text, new Date());
  if (!verdict.ok) return answer(verdict.status, verdict.reason);
  try {
    if (verdict.notification.payoutId.startsWith("re_")) {
      const refund = await services.bankRefunds.applyBankNotice(verdict.notification);
      if (refund.reason === "unknown_refund") return answer(404, "unknown refund");
      return answer(200, refund.applied ? "applied" : "duplicate");
    }
    const result = await services.payouts.applyBankNotification(verdict.notification);
    if (result === "unknown_payout") return answer(404, "unknown payout");
    if (result === "stale")
      logger.warn(
        {
          payoutId: verdict.notification.payoutId,
          type: verdict.notification.type,
          eventId: verdict.notification.eventId,
        },
        "bank notification contradicts the payout's status; ignored",
      );
    return answer(200, result);
  } catch (error) {
    logger.error({ err: error, eventId: verdict.notification.eventId }, "bank notification failed");
    return answer(500, "retry later");
  }
}
