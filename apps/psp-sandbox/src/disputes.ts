// The sandbox's disputes, shared by both emulated PSPs: opened after a capture of a dispute test card (or on any
// captured charge through POST /__sandbox/disputes), evidence recorded as each PSP's API receives it, then decided
// (won or lost per the card, or per the opener's `outcomeOnEvidence`) after `disputeDecisionDelayMs`, or lost
// (closed, for an inquiry) when the due date passes. The engine raises abstract events; each PSP's API turns them
// into its own notifications (Stripe's charge.dispute.*, Adyen's NOTIFICATION_OF_CHARGEBACK, CHARGEBACK, ...),
// sent through the same webhook dispatcher, schedule and fault injection as every other notification.
import type { SandboxScenario } from "@paycore/psp-testkit/test-cards";
import type { ChargeLedger, PspName, SandboxCharge } from "./charge-ledger";

export type SandboxDisputeKind = "inquiry" | "chargeback";
export type SandboxDisputeStatus = "needs_response" | "under_review" | "won" | "lost" | "closed";

/** What the engine tells a PSP's API to announce. */
export type SandboxDisputeEvent =
  /** The dispute exists (an inquiry, or a chargeback's first notice). */
  | "opened"
  /** A chargeback's money left the merchant. */
  | "funds_withdrawn"
  | "evidence_received"
  | "won"
  /** Lost after evidence (the issuer declined the defence). */
  | "lost"
  /** The due date passed with no evidence: a chargeback is lost, an inquiry closes. */
  | "expired";

/** One piece of evidence as the PSP received it. */
export interface SandboxEvidenceRecord {
  /** The Idempotency-Key it came with (null: none); the same key never records twice (the pipeline replays). */
  readonly idempotencyKey: string | null;
  readonly receivedAt: string;
  /** Text fields by name, as the PSP's API names them. */
  readonly fields: Readonly<Record<string, string>>;
  /** Documents (Adyen defence documents; Stripe's files referenced by evidence fields), by name, size and type. */
  readonly documents: ReadonlyArray<{ name: string; bytes: number; contentType?: string }>;
}

export interface SandboxDispute {
  readonly id: string;
  readonly psp: PspName;
  readonly paymentPspReference: string;
  /** Our payment id as the PSP knows it (Stripe metadata[reference], Adyen merchantReference). */
  readonly reference: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly kind: SandboxDisputeKind;
  /** Stripe's reason names (fraudulent, general, product_not_received, ...). */
  readonly reason: string;
  readonly networkReasonCode: string;
  status: SandboxDisputeStatus;
  /** How evidence is decided. */
  readonly outcomeOnEvidence: "won" | "lost";
  readonly dueBy: string;
  readonly createdAt: string;
  closedAt: string | null;
  readonly evidence: SandboxEvidenceRecord[];
}

export interface OpenDisputeInput {
  kind?: SandboxDisputeKind;
  reason?: string;
  /** Default: everything captured and not refunded. */
  amountMinor?: bigint;
  outcomeOnEvidence?: "won" | "lost";
}

export class DisputeError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** Dispute reasons a test may ask for (Stripe's names), with a Visa-style network code for each. */
export const SANDBOX_DISPUTE_REASONS: Readonly<Record<string, string>> = {
  fraudulent: "10.4",
  general: "13.7",
  product_not_received: "13.1",
  product_unacceptable: "13.3",
  duplicate: "12.6.1",
  credit_not_processed: "13.6",
  subscription_canceled: "13.2",
  unrecognized: "10.4",
};

const DISPUTES_MAX = 50_000;
/** How long a merchant has to respond, on the sandbox's clock (Stripe gives about a week for most reasons). */
export const EVIDENCE_WINDOW_MS = 7 * 86_400_000;
const FIELDS_MAX = 40;
const FIELD_CHARS_MAX = 20_000;

/** What each dispute card opens. */
const CARD_DISPUTES: Partial<Record<SandboxScenario, Required<Omit<OpenDisputeInput, "amountMinor">>>> = {
  dispute_fraudulent: { kind: "chargeback", reason: "fraudulent", outcomeOnEvidence: "lost" },
  dispute_inquiry: { kind: "inquiry", reason: "general", outcomeOnEvidence: "won" },
  dispute_won_with_evidence: { kind: "chargeback", reason: "product_not_received", outcomeOnEvidence: "won" },
};

export type DisputeAnnouncer = (
  dispute: SandboxDispute,
  event: SandboxDisputeEvent,
  charge: SandboxCharge,
) => void;

export class SandboxDisputes {
  private readonly disputes = new Map<string, SandboxDispute>();
  private readonly announcers = new Map<PspName, DisputeAnnouncer>();
  private readonly ids = new Map<PspName, () => string>();

  constructor(
    private readonly deps: {
      ledger: ChargeLedger;
      /** The sandbox's deferred work (cancelled on reset and stop). */
      deferred: { later(delayMs: number, work: () => void): void };
      now: () => Date;
      /** From a dispute card's capture to its dispute. */
      openDelayMs: () => number;
      /** From evidence to the decision. */
      decisionDelayMs: () => number;
    },
  ) {}

  /** Each PSP's API registers how it names disputes and announces their events. */
  register(psp: PspName, newId: () => string, announce: DisputeAnnouncer): void {
    this.ids.set(psp, newId);
    this.announcers.set(psp, announce);
  }

  /** Called by each PSP's API after a capture settled: a dispute card opens its dispute a little later. */
  afterCapture(charge: SandboxCharge): void {
    const card = charge.scenario === null ? undefined : CARD_DISPUTES[charge.scenario];
    if (card === undefined) return;
    this.deps.deferred.later(this.deps.openDelayMs(), () => {
      if (this.forPayment(charge.psp, charge.pspReference).length > 0) return;
      this.open(charge.psp, charge.pspReference, card);
    });
  }

  /** Opens a dispute on a captured charge (the test cards, and POST /__sandbox/disputes). */
  open(psp: PspName, paymentPspReference: string, input: OpenDisputeInput): SandboxDispute {
    const charge = this.deps.ledger.get(psp, paymentPspReference);
    if (charge === undefined) throw new DisputeError(404, `no ${psp} payment ${paymentPspReference}`);
    const disputable = charge.capturedMinor - charge.refundedMinor;
    if (disputable <= 0n)
      throw new DisputeError(409, `payment ${paymentPspReference} has nothing captured to dispute`);
    if (this.forPayment(psp, paymentPspReference).some((d) => d.closedAt === null)) {
      throw new DisputeError(409, `payment ${paymentPspReference} already has an open dispute`);
    }
    const reason = input.reason ?? "general";
    const networkReasonCode = SANDBOX_DISPUTE_REASONS[reason];
    if (networkReasonCode === undefined) {
      throw new DisputeError(400, `reason must be one of ${Object.keys(SANDBOX_DISPUTE_REASONS).join(", ")}`);
    }
    const amountMinor = input.amountMinor ?? disputable;
    if (amountMinor <= 0n || amountMinor > disputable) {
      throw new DisputeError(400, `amountMinor must be from 1 to ${disputable}`);
    }
    const newId = this.ids.get(psp);
    if (newId === undefined) throw new DisputeError(404, `${psp} has no disputes`);
    if (this.disputes.size >= DISPUTES_MAX) {
      const oldest = this.disputes.keys().next().value;
      if (oldest !== undefined) this.disputes.delete(oldest);
    }
    const now = this.deps.now();
    const dispute: SandboxDispute = {
      id: newId(),
      psp,
      paymentPspReference,
      reference: charge.reference,
      amountMinor,
      currency: charge.currency,
      kind: input.kind ?? "chargeback",
      reason,
      networkReasonCode,
      status: "needs_response",
      outcomeOnEvidence: input.outcomeOnEvidence ?? "lost",
      dueBy: new Date(now.getTime() + EVIDENCE_WINDOW_MS).toISOString(),
      createdAt: now.toISOString(),
      closedAt: null,
      evidence: [],
    };
    this.disputes.set(dispute.id, dispute);
    this.deps.ledger.note(charge, "dispute_opened", {
      amountMinor,
      modificationReference: dispute.id,
      detail: `${dispute.kind} ${reason}`,
    });
    this.announce(dispute, "opened", charge);
    if (dispute.kind === "chargeback") this.announce(dispute, "funds_withdrawn", charge);
    return dispute;
  }

  get(id: string): SandboxDispute | undefined {
    return this.disputes.get(id);
  }

  forPayment(psp: PspName, paymentPspReference: string): SandboxDispute[] {
    return [...this.disputes.values()].filter(
      (d) => d.psp === psp && d.paymentPspReference === paymentPspReference,
    );
  }

  list(): SandboxDispute[] {
    return structuredClone([...this.disputes.values()]);
  }

  /**
   * Records evidence (the PSP's API calls this once per idempotency key: the pipeline replays a repeated key).
   * `submit`: the merchant is done, the dispute goes under review and is decided after the decision delay.
   */
  receiveEvidence(
    id: string,
    evidence: {
      idempotencyKey: string | null;
      fields: Record<string, string>;
      documents: { name: string; bytes: number; contentType?: string }[];
    },
    submit: boolean,
  ): SandboxDispute {
    const dispute = this.disputes.get(id);
    if (dispute === undefined) throw new DisputeError(404, `no dispute ${id}`);
    if (dispute.status !== "needs_response" && !(dispute.status === "under_review" && !submit)) {
      throw new DisputeError(409, `dispute ${id} is ${dispute.status}: it takes no more evidence`);
    }
    const fields = Object.entries(evidence.fields);
    if (fields.length > FIELDS_MAX || fields.some(([, value]) => value.length > FIELD_CHARS_MAX)) {
      throw new DisputeError(400, `at most ${FIELDS_MAX} evidence fields of ${FIELD_CHARS_MAX} characters`);
    }
    dispute.evidence.push({
      idempotencyKey: evidence.idempotencyKey,
      receivedAt: this.deps.now().toISOString(),
      fields: Object.fromEntries(fields),
      documents: evidence.documents,
    });
    const charge = this.chargeOf(dispute);
    this.deps.ledger.note(charge, "dispute_evidence_received", {
      modificationReference: dispute.id,
      detail: `${fields.length} fields, ${evidence.documents.length} documents${submit ? ", submitted" : ""}`,
    });
    if (!submit) return dispute;
    dispute.status = "under_review";
    this.announce(dispute, "evidence_received", charge);
    this.deps.deferred.later(this.deps.decisionDelayMs(), () => this.decide(dispute));
    return dispute;
  }

  /** The merchant concedes (Stripe's close, Adyen's acceptDispute): lost, nothing more is announced. */
  accept(id: string): SandboxDispute {
    const dispute = this.disputes.get(id);
    if (dispute === undefined) throw new DisputeError(404, `no dispute ${id}`);
    if (dispute.status !== "needs_response") {
      throw new DisputeError(409, `dispute ${id} is ${dispute.status}: it cannot be accepted`);
    }
    dispute.status = "lost";
    dispute.closedAt = this.deps.now().toISOString();
    this.deps.ledger.note(this.chargeOf(dispute), "dispute_accepted", { modificationReference: dispute.id });
    return dispute;
  }

  /**
   * The due date passes now (tests; a long-running sandbox calls expireDue on a timer): an undefended dispute is
   * lost (an inquiry closes); one under review is decided at once.
   */
  expire(id: string): SandboxDispute {
    const dispute = this.disputes.get(id);
    if (dispute === undefined) throw new DisputeError(404, `no dispute ${id}`);
    if (dispute.status === "under_review") {
      this.decide(dispute);
      return dispute;
    }
    if (dispute.status !== "needs_response") return dispute;
    dispute.status = dispute.kind === "inquiry" ? "closed" : "lost";
    dispute.closedAt = this.deps.now().toISOString();
    this.announce(dispute, "expired", this.chargeOf(dispute));
    return dispute;
  }

  /** Expires every dispute whose due date has passed on the sandbox's clock; returns how many. */
  expireDue(): number {
    const nowMs = this.deps.now().getTime();
    let expired = 0;
    for (const dispute of this.disputes.values()) {
      if (dispute.status === "needs_response" && Date.parse(dispute.dueBy) <= nowMs) {
        this.expire(dispute.id);
        expired++;
      }
    }
    return expired;
  }

  clear(): void {
    this.disputes.clear();
  }

  private decide(dispute: SandboxDispute): void {
    if (dispute.status !== "under_review") return;
    const charge = this.chargeOf(dispute);
    dispute.closedAt = this.deps.now().toISOString();
    if (dispute.kind === "inquiry") {
      dispute.status = "closed";
      this.announce(dispute, "won", charge);
      return;
    }
    dispute.status = dispute.outcomeOnEvidence;
    this.announce(dispute, dispute.outcomeOnEvidence, charge);
  }

  private chargeOf(dispute: SandboxDispute): SandboxCharge {
    const charge = this.deps.ledger.get(dispute.psp, dispute.paymentPspReference);
    if (charge === undefined)
      throw new DisputeError(404, `the payment of dispute ${dispute.id} is forgotten`);
    return charge;
  }

  private announce(dispute: SandboxDispute, event: SandboxDisputeEvent, charge: SandboxCharge): void {
    this.deps.ledger.note(charge, `dispute_${event}`, { modificationReference: dispute.id });
    this.announcers.get(dispute.psp)?.(dispute, event, charge);
  }
}
