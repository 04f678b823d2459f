// The bank's notifications: the `Bank-Signature: t=<unix seconds>,v1=<hex>` header is HMAC-SHA256 over
// "<t>.<raw body>" with the shared secret (checked in constant time, within a 5-minute tolerance), then the body
// is read into the core's BankPayoutNotification. Anything else is refused before the core sees it.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { BankPayoutNotification } from "@paycore/core/payouts/bank-rails-port";

export const BANK_SIGNATURE_HEADER = "bank-signature";
export const BANK_WEBHOOK_TOLERANCE_S = 300;
export const BANK_WEBHOOK_BODY_BYTES_MAX = 16_384;

const TYPES = new Set(["payout.paid", "payout.failed", "payout.returned"]);

export type BankWebhookVerdict =
  | { ok: true; notification: BankPayoutNotification }
  | { ok: false; status: 400 | 401; reason: string };

export function verifyBankWebhook(
  secret: string,
  header: string | null,
  rawBody: string,
  now: Date,
): BankWebhookVerdict {
  if (header === null) return { ok: false, status: 401, reason: "missing signature" };
  const parts = new Map<string, string[]>();
  for (const item of header.split(",")) {
    const at = item.indexOf("=");
    if (at <= 0) continue;
    const key = item.slice(0, at).trim();
    parts.set(key, [...(parts.get(key) ?? []), item.slice(at + 1).trim()]);
  }
  const timestamp = Number(parts.get("t")?.[0] ?? Number.NaN);
  if (!Number.isInteger(timestamp)) return { ok: false, status: 401, reason: "malformed signature" };
  if (Math.abs(now.getTime() / 1000 - timestamp) > BANK_WEBHOOK_TOLERANCE_S)
    return { ok: false, status: 401, reason: "signature outside the tolerance" };
  const expected = createHmac("sha256", secret).update(`${timestamp}.${rawBody}`, "utf8").digest();
  const matches = (parts.get("v1") ?? []).some((hex) => {
    if (!/^[0-9a-f]{64}$/.test(hex)) return false;
    return timingSafeEqual(Buffer.from(hex, "hex"), expected);
  });
  if (!matches) return { ok: false, status: 401, reason: "bad signature" };
  let body: { id?: unknown; type?: unknown; data?: Record<string, unknown> };
  try {
    body = JSON.parse(rawBody) as typeof body;
  } catch {
    return { ok: false, status: 400, reason: "body is not JSON" };
  }
  const data = body.data ?? {};
  const text = (value: unknown, max: number) =>
    typeof value === "string" && value.length > 0 && value.length <= max ? value : null;
  const eventId = text(body.id, 64);
  const payoutId = text(data.payout_id, 64);
  if (eventId === null || payoutId === null || typeof body.type !== "string" || !TYPES.has(body.type))
    return { ok: false, status: 400, reason: "not a payout notification" };
  return {
    ok: true,
    notification: {
      eventId,
      payoutId,
      type: body.type as BankPayoutNotification["type"],
      failureCode: text(data.failure_code, 64),
      bankReference: text(data.bank_reference, 64),
    },
  };
}
