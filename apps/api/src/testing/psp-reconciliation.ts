// Compares the sandbox PSP's own ledger of charges with our database after a
// fault-injection run, and reports every disagreement as a readable line
// (never a bare boolean), so a failing chaos test says which payment is wrong
// and how. Also counts what is still open, for the settle loop.
import type { DatabaseClient } from "@paycore/db/client";
import type { SandboxCharge } from "@paycore/psp-sandbox/sandbox-server";

/** Statuses a payment may end a run in (PENDING only as "pending verification", see below). */
export const SETTLED_STATUSES = [
  "CAPTURED",
  "AUTHORIZED",
  "PARTIALLY_REFUNDED",
  "REFUNDED",
  "DECLINED",
  "FAILED",
  "CANCELLED",
] as const;
const CAPTURED_STATUSES = new Set(["CAPTURED", "PARTIALLY_REFUNDED", "REFUNDED"]);
const MONEY_STATUSES = new Set(["AUTHORIZED", "CAPTURED", "PARTIALLY_REFUNDED", "REFUNDED"]);
const OPEN_ATTEMPT_STATUSES = new Set(["UNKNOWN", "PENDING", "ACKNOWLEDGED"]);

interface PaymentRow {
  id: string;
  merchant_id: string;
  status: string;
  amount_minor: string;
  capturable: string;
  captured: string;
  refunded: string;
  refund_pending: string;
  psp_name: string | null;
  psp_reference: string | null;
  pending_operation: string | null;
}

interface AttemptRow {
  id: string;
  payment_id: string;
  operation: string;
  psp_name: string;
  status: string;
  psp_reference: string | null;
  escalated: boolean;
}

interface RefundRow {
  payment_id: string;
  status: string;
  amount_minor: string;
}

export interface OpenWork {
  /** Attempts still UNKNOWN, PENDING or ACKNOWLEDGED and not escalated to operators. */
  openAttempts: number;
  /** Of those, UNKNOWN. */
  unknownAttempts: number;
  /** Payments PENDING or with an operation in flight, not escalated. */
  openPayments: number;
  /** Refunds still PENDING, not escalated. */
  openRefunds: number;
}

/** What is still waiting for a PSP's answer (webhook or resolver); zero everywhere means settled. */
export async function openWork(db: DatabaseClient): Promise<OpenWork> {
  const [row] = await db.$queryRaw<Array<Record<keyof OpenWork, number>>>`
    SELECT
      (SELECT count(*)::int FROM psp_attempts
        WHERE status IN ('UNKNOWN', 'PENDING', 'ACKNOWLEDGED') AND escalated_at IS NULL) AS "openAttempts",
      (SELECT count(*)::int FROM psp_attempts
        WHERE status = 'UNKNOWN' AND escalated_at IS NULL) AS "unknownAttempts",
      (SELECT count(*)::int FROM payments p
        WHERE (p.status = 'PENDING' OR p.pending_operation IS NOT NULL)
          AND NOT EXISTS (SELECT 1 FROM psp_attempts a WHERE a.payment_id = p.id AND a.escalated_at IS NOT NULL))
        AS "openPayments",
      (SELECT count(*)::int FROM refunds r
        WHERE r.status = 'PENDING'
          AND NOT EXISTS (SELECT 1 FROM psp_attempts a WHERE a.refund_id = r.id AND a.escalated_at IS NOT NULL))
        AS "openRefunds"`;
  return row as OpenWork;
}

export interface Reconciliation {
  payments: number;
  statusCounts: Record<string, number>;
  /** PENDING payments whose authorization is UNKNOWN and escalated: explicitly waiting for an operator. */
  pendingVerification: number;
  /** Our payment ids with more than one sandbox charge holding money. */
  doubleCharges: string[];
  /** Attempts left UNKNOWN (escalated or not). */
  unknownLeft: number;
  sandboxCharges: number;
  /** Sandbox charges that hold money (authorized or captured). */
  sandboxMoneyCharges: number;
  /** Every disagreement, one readable line each. */
  violations: string[];
}

/**
 * The invariants of a fault-injection run, sandbox ledger against ours:
 * no payment charged twice; every sandbox charge names a payment of ours, at that PSP, with that reference
 * when it holds money, and its captured, refunded and voided amounts are what we recorded; every payment
 * that holds money with us holds it at the sandbox; every payment is settled, or PENDING with its unknown
 * authorization escalated (explicitly pending verification); nothing is left in flight.
 */
export async function reconcile(
  db: DatabaseClient,
  charges: ReadonlyArray<SandboxCharge>,
): Promise<Reconciliation> {
  const payments = await db.$queryRaw<PaymentRow[]>`
    SELECT id, merchant_id, status::text AS status, amount_minor::text AS amount_minor,
           amount_capturable_minor::text AS capturable, amount_captured_minor::text AS captured,
           amount_refunded_minor::text AS refunded, amount_refund_pending_minor::text AS refund_pending,
           psp_name, psp_reference, pending_operation::text AS pending_operation
      FROM payments`;
  const attempts = await db.$queryRaw<AttemptRow[]>`
    SELECT id, payment_id, operation::text AS operation, psp_name, status::text AS status, psp_reference,
           escalated_at IS NOT NULL AS escalated
      FROM psp_attempts`;
  const refunds = await db.$queryRaw<RefundRow[]>`
    SELECT payment_id, status::text AS status, amount_minor::text AS amount_minor FROM refunds`;

  const byId = new Map(payments.map((p) => [p.id, p]));
  const attemptsOf = new Map<string, AttemptRow[]>();
  for (const attempt of attempts) {
    const list = attemptsOf.get(attempt.payment_id) ?? [];
    list.push(attempt);
    attemptsOf.set(attempt.payment_id, list);
  }
  const refundsOf = new Map<string, RefundRow[]>();
  for (const refund of refunds) {
    const list = refundsOf.get(refund.payment_id) ?? [];
    list.push(refund);
    refundsOf.set(refund.payment_id, list);
  }
  const escalated = (paymentId: string) => (attemptsOf.get(paymentId) ?? []).some((a) => a.escalated);
  const pendingVerification = (p: PaymentRow) =>
    p.status === "PENDING" &&
    (attemptsOf.get(p.id) ?? []).some(
      (a) => a.operation === "AUTHORIZE" && a.status === "UNKNOWN" && a.escalated,
    );

  const violations: string[] = [];
  const statusCounts: Record<string, number> = {};
  let verification = 0;

  for (const p of payments) {
    statusCounts[p.status] = (statusCounts[p.status] ?? 0) + 1;
    const own = attemptsOf.get(p.id) ?? [];
    if (pendingVerification(p)) {
      verification++;
    } else if (!(SETTLED_STATUSES as ReadonlyArray<string>).includes(p.status)) {
      violations.push(
        `payment ${p.id} ended ${p.status} (attempts: ${own.map((a) => `${a.operation}/${a.psp_name}/${a.status}`).join(", ")})`,
      );
    }
    if (!escalated(p.id)) {
      if (p.pending_operation !== null)
        violations.push(`payment ${p.id} (${p.status}) still has ${p.pending_operation} in flight`);
      if (p.refund_pending !== "0")
        violations.push(`payment ${p.id} still reserves ${p.refund_pending} for pending refunds`);
      for (const a of own) {
        if (OPEN_ATTEMPT_STATUSES.has(a.status))
          violations.push(`attempt ${a.id} (${a.operation} of ${p.id} at ${a.psp_name}) left ${a.status}`);
      }
    }
    const succeeded = (refundsOf.get(p.id) ?? [])
      .filter((r) => r.status === "SUCCEEDED")
      .reduce((sum, r) => sum + BigInt(r.amount_minor), 0n);
    if (succeeded !== BigInt(p.refunded))
      violations.push(`payment ${p.id}: refunds sum to ${succeeded}, amount_refunded is ${p.refunded}`);
  }

  const chargesOf = new Map<string, SandboxCharge[]>();
  for (const charge of charges) {
    const list = chargesOf.get(charge.reference) ?? [];
    list.push(charge);
    chargesOf.set(charge.reference, list);
  }
  const holdsMoney = (c: SandboxCharge) => c.authorizedMinor > 0n || c.capturedMinor > 0n;
  const doubleCharges: string[] = [];
  for (const [reference, list] of chargesOf) {
    const money = list.filter(holdsMoney);
    if (money.length > 1) {
      doubleCharges.push(reference);
      violations.push(
        `payment ${reference} charged ${money.length} times: ${money.map((c) => `${c.psp} ${c.pspReference} ${c.status}`).join(", ")}`,
      );
    }
  }

  for (const charge of charges) {
    const where = `sandbox ${charge.psp} charge ${charge.pspReference} (${charge.status}, scenario ${charge.scenario ?? "none"})`;
    const p = byId.get(charge.reference);
    if (p === undefined) {
      violations.push(`${where} names ${charge.reference}, which is no payment of ours`);
      continue;
    }
    const own = attemptsOf.get(p.id) ?? [];
    if (!own.some((a) => a.operation === "AUTHORIZE" && a.psp_name === charge.psp)) {
      violations.push(`${where}: payment ${p.id} never sent an authorization to ${charge.psp}`);
    }
    if (charge.status === "pending" && !escalated(p.id)) {
      violations.push(`${where}: still pending at the sandbox; ours is ${p.status}`);
      continue;
    }
    if (!holdsMoney(charge)) {
      // A declined or failed charge holds nothing: we only need to know we asked (the exception: our attempt
      // may not carry its reference, since a decline answers without one we keep).
      if (p.psp_reference === charge.pspReference && MONEY_STATUSES.has(p.status))
        violations.push(`${where} holds nothing, but payment ${p.id} is ${p.status} on it`);
      continue;
    }
    if (pendingVerification(p)) continue; // an operator is asked to look: documented, counted above
    const knownReference =
      p.psp_reference === charge.pspReference || own.some((a) => a.psp_reference === charge.pspReference);
    if (p.psp_name !== charge.psp || !knownReference) {
      violations.push(
        `${where} holds money for payment ${p.id}, which we record at ${p.psp_name} ${p.psp_reference} (${p.status})`,
      );
      continue;
    }
    const captured = BigInt(p.captured);
    if (charge.capturedMinor > 0n) {
      if (captured !== charge.capturedMinor || !CAPTURED_STATUSES.has(p.status))
        violations.push(
          `${where} captured ${charge.capturedMinor}; payment ${p.id} is ${p.status} with ${captured} captured`,
        );
    } else if (charge.voidedMinor >= charge.authorizedMinor) {
      if (p.status !== "CANCELLED") violations.push(`${where} was voided; payment ${p.id} is ${p.status}`);
    } else if (p.status !== "AUTHORIZED" || captured !== 0n) {
      violations.push(
        `${where} authorized ${charge.authorizedMinor}, nothing captured; payment ${p.id} is ${p.status} with ${captured} captured`,
      );
    }
    if (charge.refundedMinor !== BigInt(p.refunded))
      violations.push(
        `${where} refunded ${charge.refundedMinor}; payment ${p.id} has ${p.refunded} refunded (${p.status})`,
      );
  }

  // The other way round: money we think we hold is held at the PSP we name.
  for (const p of payments) {
    if (!MONEY_STATUSES.has(p.status)) continue;
    const held = (chargesOf.get(p.id) ?? []).filter((c) => holdsMoney(c) && c.psp === p.psp_name);
    if (held.length === 0)
      violations.push(`payment ${p.id} is ${p.status} at ${p.psp_name}, which holds no money for it`);
  }

  // Every request that changed something got its final answer stored: a key left IN_PROGRESS and linked to what
  // it created answers IDEMPOTENCY_IN_PROGRESS forever. (A record that created nothing is taken over by the
  // client's retry once its lock expires.)
  const unanswered = await db.$queryRaw<Array<{ key: string; operation: string; resource_id: string }>>`
    SELECT key, operation, resource_id FROM idempotency_records
     WHERE status = 'IN_PROGRESS' AND resource_id IS NOT NULL`;
  for (const record of unanswered)
    violations.push(
      `request ${record.operation} under key ${record.key} (${record.resource_id}) never completed: its key answers IDEMPOTENCY_IN_PROGRESS for good`,
    );

  return {
    payments: payments.length,
    statusCounts,
    pendingVerification: verification,
    doubleCharges,
    unknownLeft: attempts.filter((a) => a.status === "UNKNOWN").length,
    sandboxCharges: charges.length,
    sandboxMoneyCharges: charges.filter(holdsMoney).length,
    violations,
  };
}

/** A payment's story, for the output of a failing run: its events, attempts and refunds, and the sandbox's timeline. */
export async function describePayment(
  db: DatabaseClient,
  paymentId: string,
  charges: ReadonlyArray<SandboxCharge>,
): Promise<string> {
  const events = await db.paymentEvent.findMany({
    where: { paymentId },
    orderBy: { id: "asc" },
    select: { type: true, source: true, oldStatus: true, newStatus: true, data: true, createdAt: true },
  });
  const attempts = await db.pspAttempt.findMany({
    where: { paymentId },
    orderBy: { createdAt: "asc" },
    select: {
      id: true,
      operation: true,
      pspName: true,
      status: true,
      pspReference: true,
      amountMinor: true,
      errorCode: true,
      createdAt: true,
      updatedAt: true,
    },
  });
  const refunds = await db.refund.findMany({
    where: { paymentId },
    select: { id: true, status: true, amountMinor: true, pspReference: true },
  });
  const time = (d: Date) => d.toISOString().slice(11, 23);
  const lines = [`--- ${paymentId}`];
  for (const e of events)
    lines.push(
      `  event ${time(e.createdAt)} ${e.type} [${e.source}] ${e.oldStatus ?? "-"}→${e.newStatus ?? "-"} ${JSON.stringify(e.data)}`,
    );
  for (const a of attempts)
    lines.push(
      `  attempt ${a.id} ${a.operation} ${a.pspName} ${a.status} ref=${a.pspReference} amount=${a.amountMinor} err=${a.errorCode} created ${time(a.createdAt)} updated ${time(a.updatedAt)}`,
    );
  for (const r of refunds) lines.push(`  refund ${r.id} ${r.status} ${r.amountMinor} ref=${r.pspReference}`);
  for (const c of charges.filter((charge) => charge.reference === paymentId)) {
    lines.push(`  sandbox ${c.psp} ${c.pspReference} ${c.status} keys=${c.idempotencyKeys.join(",")}`);
    for (const entry of c.timeline)
      lines.push(
        `    ${entry.at.slice(11, 23)} ${entry.event} ${entry.amountMinor ?? ""} ${entry.modificationReference ?? ""} ${entry.detail ?? ""}`,
      );
  }
  return lines.join("\n");
}
