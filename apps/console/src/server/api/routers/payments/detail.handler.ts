// A payment's page: amounts, card (brand and last 4 only), risk signals, and one
// timeline joining its events, PSP attempts, webhooks, refunds and ledger entries.

import { DomainError } from "@paycore/core/errors/domain-error";
import { parseId } from "@paycore/core/ids/ids";
import type { MerchantActor } from "@paycore/core/payments/payment-record";
import { refundableMinor } from "@paycore/core/payments/payment-rules";
import type { SignedInContext } from "../../trpc";
import type { AuditEntryView } from "../audit/list.handler";
import { type PaymentRowView, toPaymentRowView } from "./payment-view";

const NEVER_AUTHORIZED = new Set(["PENDING", "DECLINED", "FAILED"]);

export type TimelineKind = "event" | "attempt" | "webhook" | "refund" | "ledger";

export interface TimelineItem {
  key: string;
  at: string;
  kind: TimelineKind;
  title: string;
  /** Short facts, already free of card data and secrets. */
  details: Array<{ label: string; value: string }>;
  amountMinor: string | null;
}

export interface PaymentDetailView {
  payment: PaymentRowView & {
    amountAuthorizedMinor: string;
    /** A capture, void or refund still in flight at the PSP: no other action until it is settled. */
    pendingOperation: string | null;
    amountCapturableMinor: string;
    amountRefundPendingMinor: string;
    amountRefundableMinor: string;
    captureMethod: string;
    description: string | null;
    failureCode: string | null;
    reviewExpiresAt: string | null;
    /** 3-D Secure: the authentication as the PSP reported it; null when the payment was never authenticated. */
    threeDSecure: {
      status: string;
      flow: string;
      version: string;
      eci: string | null;
      liabilityShift: boolean;
    } | null;
    /** 3-D Secure: until when the customer may complete the challenge (REQUIRES_ACTION only). */
    actionExpiresAt: string | null;
    cardExpiry: string | null;
    cardCountry: string | null;
    /** The keyed HMAC of the card number (not reversible): what a FINGERPRINT deny-list entry matches. */
    cardFingerprint: string | null;
    metadata: Array<{ key: string; value: string }>;
    ipAddress: string | null;
    billingCountry: string | null;
  };
  /** Operator actions on this payment (refunds, review decisions), newest first. */
  audit: AuditEntryView[];
  risk: {
    score: number;
    decision: string;
    degraded: boolean;
    signals: Array<{ name: string; score: number; weight: number; detail: string }>;
  } | null;
  timeline: TimelineItem[];
}

/** Operator actions shown on a payment's page; the audit log has them all. */
export const PAYMENT_AUDIT_ENTRIES_MAX = 20;

export async function paymentDetailHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: { id: string };
}): Promise<PaymentDetailView> {
  const { app, consoleQueries } = ctx.services;
  const id = parseId("payment", input.id);
  const row = id ? await consoleQueries.findPayment(id) : null;
  const records = id && row ? await app.services.queries.paymentsByIds(actorOf(row), [id]) : [];
  const record = records[0];
  if (!id || !row || !record) throw new DomainError("PAYMENT_NOT_FOUND", "No payment with this id.");
  const actor = actorOf(row);
  const [methods, risks, events, attempts, refunds, entries, webhooks, audit] = await Promise.all([
    record.paymentMethodId === null
      ? Promise.resolve([])
      : app.services.queries.paymentMethodsByIds(actor, [record.paymentMethodId]),
    app.services.queries.riskByPaymentIds(actor, [id]),
    app.services.queries.eventsOf(actor, id),
    app.services.queries.attemptsOf(actor, id),
    app.services.queries.refundsByPaymentIds(actor, [id]),
    app.services.queries.journalEntriesOf(actor, id),
    record.pspName && record.pspReference
      ? consoleQueries.webhooksMentioning(record.pspName, record.pspReference, record.createdAt)
      : Promise.resolve([]),
    ctx.services.operators.listAudit({
      search: id,
      operatorId: null,
      beforeId: null,
      first: PAYMENT_AUDIT_ENTRIES_MAX,
    }),
  ]);
  const method = methods[0];
  const risk = risks[0];
  const refundable = refundableMinor(record);

  const timeline: TimelineItem[] = [
    ...events.map((event) => ({
      key: `event-${event.id}`,
      at: event.createdAt.toISOString(),
      kind: "event" as const,
      title: event.type,
      details: [
        ...(event.oldStatus || event.newStatus
          ? [{ label: "status", value: `${event.oldStatus ?? "—"} → ${event.newStatus ?? "—"}` }]
          : []),
        { label: "source", value: event.source },
        ...(event.actor ? [{ label: "by", value: event.actor }] : []),
        ...noteOf(event.data),
      ],
      amountMinor: null,
    })),
    ...attempts.map((attempt) => ({
      key: `attempt-${attempt.id}`,
      at: attempt.createdAt.toISOString(),
      kind: "attempt" as const,
      title: `PSP ${attempt.operation.toLowerCase()} — ${attempt.status}`,
      details: [
        { label: "PSP", value: attempt.pspName },
        ...(attempt.pspReference ? [{ label: "reference", value: attempt.pspReference }] : []),
        ...(attempt.errorCode ? [{ label: "error", value: attempt.errorCode }] : []),
        ...(attempt.escalatedAt ? [{ label: "escalated", value: attempt.escalatedAt.toISOString() }] : []),
      ],
      amountMinor: attempt.amountMinor.toString(),
    })),
    ...webhooks.map((webhook) => ({
      key: `webhook-${webhook.id}`,
      at: webhook.receivedAt.toISOString(),
      kind: "webhook" as const,
      title: `Webhook ${webhook.eventType}`,
      details: [
        { label: "PSP", value: webhook.pspName },
        { label: "event", value: webhook.eventId },
        { label: "processed", value: webhook.processedAt ? "yes" : "no" },
      ],
      amountMinor: null,
    })),
    ...refunds.map((refund) => ({
      key: `refund-${refund.id}`,
      at: refund.createdAt.toISOString(),
      kind: "refund" as const,
      title: `Refund ${refund.id} — ${refund.status}`,
      details: [
        ...(refund.reason ? [{ label: "reason", value: refund.reason }] : []),
        ...(refund.failureCode ? [{ label: "failure", value: refund.failureCode }] : []),
      ],
      amountMinor: refund.amountMinor.toString(),
    })),
    ...entries.map((entry) => ({
      key: `ledger-${entry.id}`,
      at: entry.createdAt.toISOString(),
      kind: "ledger" as const,
      title: `Ledger ${entry.kind}`,
      details: entry.lines.map((line) => ({
        label: `${line.direction.toLowerCase()} ${line.account}`,
        value: line.amountMinor.toString(),
      })),
      amountMinor: null,
    })),
  ].sort((a, b) => (a.at === b.at ? a.key.localeCompare(b.key) : a.at.localeCompare(b.at)));

  return {
    payment: {
      ...toPaymentRowView(row),
      // Truthful: a payment the PSP never authorized (declined, failed, still pending) shows nothing authorized.
      amountAuthorizedMinor: (NEVER_AUTHORIZED.has(record.status) ? 0n : record.amountMinor).toString(),
      pendingOperation: record.pendingOperation,
      amountCapturableMinor: record.amountCapturableMinor.toString(),
      amountRefundPendingMinor: record.amountRefundPendingMinor.toString(),
      amountRefundableMinor: (refundable > 0n ? refundable : 0n).toString(),
      captureMethod: record.captureMethod,
      description: record.description,
      failureCode: record.failureCode,
      reviewExpiresAt: record.reviewExpiresAt?.toISOString() ?? null,
      threeDSecure: record.threeDSecure,
      actionExpiresAt: record.actionExpiresAt?.toISOString() ?? null,
      cardExpiry: method ? `${String(method.expMonth).padStart(2, "0")}/${method.expYear}` : null,
      cardCountry: method?.cardCountry ?? null,
      cardFingerprint: method?.fingerprint ?? null,
      metadata: Object.entries(record.metadata ?? {}).map(([key, value]) => ({ key, value: String(value) })),
      ipAddress: record.ipAddress,
      billingCountry: record.billingCountry,
    },
    risk: risk
      ? {
          score: risk.score,
          decision: risk.decision,
          degraded: risk.degraded,
          signals: risk.signals.map((signal) => ({
            name: signal.name,
            score: signal.score,
            weight: signal.weight,
            detail: signal.detail,
          })),
        }
      : null,
    timeline,
    audit: audit.entries
      .filter((entry) => entry.targetId === id)
      .map((entry) => ({
        id: entry.id.toString(),
        operatorEmail: entry.operatorEmail,
        action: entry.action,
        targetType: entry.targetType,
        targetId: entry.targetId,
        before: entry.before,
        after: entry.after,
        createdAt: entry.createdAt.toISOString(),
      })),
  };
}

export function actorOf(row: { merchantId: string; mode: "TEST" | "LIVE" }): MerchantActor {
  return { merchantId: row.merchantId as MerchantActor["merchantId"], mode: row.mode, apiKeyId: null };
}

function noteOf(data: unknown): Array<{ label: string; value: string }> {
  if (data && typeof data === "object" && "note" in data && typeof data.note === "string" && data.note) {
    return [{ label: "note", value: data.note }];
  }
  return [];
}
