// An in-memory DisputeStore for the core's unit tests: it enforces the version check and the unique PSP reference
// like the Postgres store, and keeps every written change so tests can read the postings and events.
import type { DisputeRecord } from "../disputes/dispute";
import type { CurrencyCode } from "../money/currency";
import type {
  DisputeChange,
  DisputedPayment,
  DisputeEventDraft,
  DisputeStore,
  EvidenceForwardClaim,
  EvidenceForwardStatus,
  StoredEvidence,
} from "../ports/dispute-store";

interface ForwardRow {
  disputeId: string;
  pspKey: string;
  status: EvidenceForwardStatus;
  attempts: number;
  leaseUntil: Date | null;
  lastError: string | null;
  files: EvidenceForwardClaim["files"];
}

export class InMemoryDisputeStore implements DisputeStore {
  readonly disputes = new Map<string, DisputeRecord>();
  /** Payments by `${pspName}:${pspReference}`. */
  readonly payments = new Map<string, DisputedPayment>();
  readonly fees = new Map<string, bigint>();
  readonly changes: DisputeChange[] = [];
  readonly disputedMinor = new Map<string, bigint>();
  readonly evidence = new Map<string, StoredEvidence>();
  /** Evidence forwarding rows by evidence id, and the audit events recorded with their outcomes. */
  readonly forwards = new Map<bigint, ForwardRow>();
  readonly forwardEvents: DisputeEventDraft[] = [];
  /** Payments known only through their attempts (races: in flight, failed over), by payment id. */
  readonly attemptsByPayment = new Map<
    string,
    {
      paymentPspName: string | null;
      attempts: Array<{ id: string; pspName: string; status: string; pspReference: string | null }>;
    }
  >();
  /** The clock leases are compared with. */
  now: () => Date = () => new Date();
  /** Called before each write: tests use it to make another writer win the race. */
  beforeWrite: (() => void) | null = null;

  async findById(id: string) {
    return this.disputes.get(id) ?? null;
  }

  async findByPspReference(pspName: string, pspReference: string) {
    for (const dispute of this.disputes.values()) {
      if (dispute.pspName === pspName && dispute.pspReference === pspReference) return dispute;
    }
    return null;
  }

  async findPaymentByPspReference(pspName: string, pspReference: string) {
    return this.payments.get(`${pspName}:${pspReference}`) ?? null;
  }

  async findAttemptsForDispute(pspName: string, paymentPspReference: string, paymentId: string | null) {
    for (const [id, entry] of this.attemptsByPayment) {
      const byReference = entry.attempts.some(
        (attempt) => attempt.pspName === pspName && attempt.pspReference === paymentPspReference,
      );
      if (byReference || id === paymentId) return { paymentId: id, ...entry };
    }
    return null;
  }

  /** Authorizations in flight with no reference yet, as the test sets them (this fake keeps no mode). */
  readonly unreferencedInFlight: Array<{ pspName: string; createdAt: Date }> = [];

  async hasUnreferencedAuthorizationInFlight(pspName: string, _mode: "TEST" | "LIVE" | null, since: Date) {
    return this.unreferencedInFlight.some(
      (attempt) => attempt.pspName === pspName && attempt.createdAt >= since,
    );
  }

  async disputeFeeMinor(merchantId: string, currency: CurrencyCode) {
    return this.fees.get(`${merchantId}:${currency}`) ?? null;
  }

  async findEvidence(disputeId: string, idempotencyKey: string) {
    return this.evidence.get(`${disputeId}:${idempotencyKey}`) ?? null;
  }

  async write(change: DisputeChange): Promise<"written" | "conflict"> {
    const hook = this.beforeWrite;
    this.beforeWrite = null;
    hook?.();
    const current = this.disputes.get(change.dispute.id);
    if (change.expectedVersion === null) {
      if (await this.findByPspReference(change.dispute.pspName, change.dispute.pspReference))
        return "conflict";
    } else if (current?.version !== change.expectedVersion) {
      return "conflict";
    }
    this.disputes.set(change.dispute.id, change.dispute);
    this.changes.push(change);
    if (change.evidence) {
      const { idempotencyKey, texts, files, submittedBy } = change.evidence;
      const evidenceId = BigInt(this.evidence.size + 1);
      this.forwards.set(evidenceId, {
        disputeId: change.dispute.id,
        pspKey: `${change.dispute.id}:ev${evidenceId}`,
        status: "PENDING",
        attempts: 0,
        leaseUntil: null,
        lastError: null,
        files: files.map((file) => ({
          filename: file.filename,
          kind: file.kind,
          contentType: file.contentType,
          bytes: file.bytes,
        })),
      });
      this.evidence.set(`${change.dispute.id}:${idempotencyKey}`, {
        id: evidenceId,
        idempotencyKey,
        texts,
        files: files.map((file, index) => ({
          id: `file_${index}`,
          filename: file.filename,
          kind: file.kind,
          contentType: file.contentType,
          sizeBytes: file.sizeBytes,
          sha256: file.sha256,
        })),
        submittedBy,
        createdAt: change.dispute.updatedAt,
      });
    }
    const paymentId = change.dispute.paymentId;
    this.disputedMinor.set(paymentId, (this.disputedMinor.get(paymentId) ?? 0n) + change.disputedDeltaMinor);
    return "written";
  }

  async claimEvidenceForwarding(evidenceId: bigint, leaseUntil: Date): Promise<EvidenceForwardClaim | null> {
    const row = this.forwards.get(evidenceId);
    if (!row || (row.status !== "PENDING" && row.status !== "UNKNOWN")) return null;
    if (row.leaseUntil !== null && row.leaseUntil > this.now()) return null;
    row.leaseUntil = leaseUntil;
    row.attempts += 1;
    const dispute = this.disputes.get(row.disputeId)!;
    const evidence = [...this.evidence.values()].find((e) => e.id === evidenceId)!;
    const payment = [...this.payments.entries()].find(([, p]) => p.id === dispute.paymentId);
    return {
      evidenceId,
      pspKey: row.pspKey,
      attempts: row.attempts,
      dispute,
      paymentPspReference: payment ? payment[0].slice(payment[0].indexOf(":") + 1) : "",
      texts: evidence.texts,
      files: row.files,
    };
  }

  async recordEvidenceForwarding(record: {
    evidenceId: bigint;
    status: Exclude<EvidenceForwardStatus, "PENDING">;
    error: string | null;
    event: DisputeEventDraft;
  }): Promise<boolean> {
    const row = this.forwards.get(record.evidenceId);
    if (!row || (row.status !== "PENDING" && row.status !== "UNKNOWN")) return false;
    row.status = record.status;
    row.lastError = record.error;
    row.leaseUntil = null;
    this.forwardEvents.push(record.event);
    return true;
  }

  async evidenceToForward(limit: number): Promise<bigint[]> {
    const now = this.now();
    return [...this.forwards.entries()]
      .filter(
        ([, row]) =>
          (row.status === "PENDING" || row.status === "UNKNOWN") &&
          (row.leaseUntil === null || row.leaseUntil <= now),
      )
      .map(([id]) => id)
      .slice(0, limit);
  }
}
