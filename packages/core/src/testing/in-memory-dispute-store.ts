// An in-memory DisputeStore for the core's unit tests: it enforces the version check and the unique PSP reference
// like the Postgres store, and keeps every written change so tests can read the postings and events.
import type { DisputeRecord } from "../disputes/dispute";
import type { CurrencyCode } from "../money/currency";
import type { DisputeChange, DisputedPayment, DisputeStore, StoredEvidence } from "../ports/dispute-store";

export class InMemoryDisputeStore implements DisputeStore {
  readonly disputes = new Map<string, DisputeRecord>();
  /** Payments by `${pspName}:${pspReference}`. */
  readonly payments = new Map<string, DisputedPayment>();
  readonly fees = new Map<string, bigint>();
  readonly changes: DisputeChange[] = [];
  readonly disputedMinor = new Map<string, bigint>();
  readonly evidence = new Map<string, StoredEvidence>();
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
      this.evidence.set(`${change.dispute.id}:${idempotencyKey}`, {
        id: BigInt(this.evidence.size + 1),
        idempotencyKey,
        texts,
        files: files.map((file, index) => ({
          id: `file_${index}`,
          filename: file.filename,
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
}
