import type { SandboxScenario } from "@paycore/psp-testkit/test-cards";

export type PspName = "stripe" | "adyen";

export const PSP_NAMES: ReadonlyArray<PspName> = ["stripe", "adyen"];

export type SandboxChargeStatus =
  /** Outcome not known yet (Stripe "processing", Adyen "Received"). */
  | "pending"
  | "authorized"
  | "captured"
  | "partially_refunded"
  | "refunded"
  /** The authorization was cancelled before any capture. */
  | "voided"
  | "declined"
  /** The PSP failed without charging (processing_error). */
  | "failed"
  /** 3-D Secure: waiting for the customer's challenge (Stripe "requires_action", Adyen "RedirectShopper"). */
  | "requires_action";

export interface SandboxTimelineEntry {
  /** ISO 8601, UTC. */
  readonly at: string;
  /** e.g. "authorized", "captured", "capture_failed", "refund_succeeded", "webhook_queued". */
  readonly event: string;
  readonly amountMinor: bigint | null;
  /** The modification's own reference (refund id, Adyen modification pspReference), when there is one. */
  readonly modificationReference: string | null;
  readonly detail: string | null;
}

export interface SandboxRefund {
  /** Stripe re_… or the Adyen modification pspReference. */
  readonly id: string;
  readonly amountMinor: bigint;
  status: "pending" | "succeeded" | "failed";
  readonly idempotencyKey: string | null;
  readonly createdAt: string;
}

/** The sandbox's own truth about one payment, to compare with ours. */
export interface SandboxCharge {
  readonly psp: PspName;
  /** Stripe pi_… or the Adyen payment pspReference. */
  readonly pspReference: string;
  /** Stripe ch_… (null for Adyen, which has no separate charge object). */
  readonly chargeId: string | null;
  /** Our payment id: Stripe metadata[reference], Adyen reference. */
  readonly reference: string;
  readonly merchantAccount: string | null;
  readonly amountMinor: bigint;
  /** Upper-case ISO 4217. */
  readonly currency: string;
  readonly captureMethod: "automatic" | "manual";
  authorizedMinor: bigint;
  capturedMinor: bigint;
  refundedMinor: bigint;
  /** Released authorization: a cancellation, or the uncaptured rest of a partial capture. */
  voidedMinor: bigint;
  status: SandboxChargeStatus;
  declineCode: string | null;
  readonly cardLast4: string;
  readonly cardBrand: string;
  readonly scenario: SandboxScenario | null;
  /** Every idempotency key that created or modified this charge, in order, without repeats. */
  readonly idempotencyKeys: string[];
  readonly refunds: SandboxRefund[];
  readonly timeline: SandboxTimelineEntry[];
  readonly createdAt: string;
}

/** A money movement that appears in a settlement report: a capture (settled) or a refund. */
export interface SettlementEntry {
  readonly psp: PspName;
  readonly kind: "capture" | "refund";
  /** Stripe txn_…, Adyen modification pspReference. */
  readonly id: string;
  readonly charge: SandboxCharge;
  /** Stripe re_… or Adyen modification pspReference for refunds; the capture reference otherwise. */
  readonly sourceId: string;
  readonly amountMinor: bigint;
  readonly at: Date;
  reversed: boolean;
}

/** Bounds the memory of a long-running sandbox; the oldest charges are forgotten first. */
const CHARGES_MAX = 100_000;

export class ChargeLedger {
  private readonly chargesByKey = new Map<string, SandboxCharge>();
  private settlementEntries: SettlementEntry[] = [];

  constructor(private readonly now: () => Date) {}

  add(charge: SandboxCharge): void {
    if (this.chargesByKey.size >= CHARGES_MAX) {
      const oldest = this.chargesByKey.keys().next().value;
      if (oldest !== undefined) this.chargesByKey.delete(oldest);
    }
    this.chargesByKey.set(`${charge.psp}:${charge.pspReference}`, charge);
  }

  get(psp: PspName, pspReference: string): SandboxCharge | undefined {
    return this.chargesByKey.get(`${psp}:${pspReference}`);
  }

  /** A deep copy, so callers can't change the sandbox's truth. */
  list(): SandboxCharge[] {
    return structuredClone([...this.chargesByKey.values()]);
  }

  note(
    charge: SandboxCharge,
    event: string,
    details: { amountMinor?: bigint; modificationReference?: string; detail?: string } = {},
  ): void {
    charge.timeline.push({
      at: this.now().toISOString(),
      event,
      amountMinor: details.amountMinor ?? null,
      modificationReference: details.modificationReference ?? null,
      detail: details.detail ?? null,
    });
  }

  rememberKey(charge: SandboxCharge, idempotencyKey: string | null): void {
    if (idempotencyKey !== null && !charge.idempotencyKeys.includes(idempotencyKey)) {
      charge.idempotencyKeys.push(idempotencyKey);
    }
  }

  addSettlement(entry: Omit<SettlementEntry, "reversed" | "at" | "psp">): void {
    this.settlementEntries.push({ ...entry, psp: entry.charge.psp, at: this.now(), reversed: false });
  }

  /** A capture or refund that failed after it had succeeded no longer settles. */
  reverseSettlement(id: string): void {
    for (const entry of this.settlementEntries) if (entry.id === id) entry.reversed = true;
  }

  settlementsBetween(psp: PspName, fromInclusive: Date, toExclusive: Date): SettlementEntry[] {
    return this.settlementEntries.filter(
      (entry) =>
        entry.psp === psp &&
        !entry.reversed &&
        entry.at.getTime() >= fromInclusive.getTime() &&
        entry.at.getTime() < toExclusive.getTime(),
    );
  }

  clear(): void {
    this.chargesByKey.clear();
    this.settlementEntries = [];
  }
}

/** Derives the money status from the amounts; pending, declined and failed charges keep theirs. */
export function moneyStatus(charge: SandboxCharge): SandboxChargeStatus {
  if (charge.refundedMinor > 0n) {
    return charge.refundedMinor >= charge.capturedMinor ? "refunded" : "partially_refunded";
  }
  if (charge.capturedMinor > 0n) return "captured";
  if (charge.voidedMinor > 0n) return "voided";
  if (charge.authorizedMinor > 0n) return "authorized";
  return charge.status;
}

/** What can still be refunded: captured, less refunds that succeeded or are still pending. */
export function refundableMinor(charge: SandboxCharge): bigint {
  const committed = charge.refunds
    .filter((refund) => refund.status !== "failed")
    .reduce((sum, refund) => sum + refund.amountMinor, 0n);
  return charge.capturedMinor - committed;
}

/** What can still be captured. */
export function capturableMinor(charge: SandboxCharge): bigint {
  return charge.authorizedMinor - charge.capturedMinor - charge.voidedMinor;
}
