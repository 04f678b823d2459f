// Disputes, write side: the store behind the core's DisputeCommands. A change is one transaction: the dispute
// (inserted, or updated under its version; the table's trigger checks the status edge and the stage), its audit
// event, its outbox message, its journal entries (balanced, checked again by the database at commit), the
// payment's disputed amount (its version advanced, so a refund decided on the old amount loses its race), and the
// operator's audit row when an operator acted.
import type { DisputeRecord } from "@paycore/core/disputes/dispute";
import { EVIDENCE_FORWARD_ATTEMPTS_MAX } from "@paycore/core/disputes/dispute-commands";
import type { EvidenceTexts } from "@paycore/core/disputes/dispute-evidence";
import { newId } from "@paycore/core/ids/ids";
import {
  type JournalEntryDraft,
  LEDGER_ACCOUNTS,
  type LedgerAccountCode,
} from "@paycore/core/ledger/postings";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type {
  DisputeChange,
  DisputedPayment,
  DisputeEventDraft,
  DisputeStore,
  EvidenceForwardClaim,
  EvidenceForwardStatus,
  StoredEvidence,
} from "@paycore/core/ports/dispute-store";
import type { DatabaseClient, Prisma } from "../client";
import { DISPUTE_SELECT, toDisputeRecord } from "./dispute.repository";
import { operatorAuditRow, prismaErrorCode, UNIQUE_VIOLATION } from "./operator-audit-row";
import { insertStoredFiles, StoredFileRepository } from "./stored-file.repository";

/** Thrown inside the transaction to roll it back when the dispute changed since it was read. */
class VersionConflict extends Error {}

type Tx = Prisma.TransactionClient;

export class DisputeStoreRepository implements DisputeStore {
  constructor(private readonly db: DatabaseClient) {}

  async findById(id: string): Promise<DisputeRecord | null> {
    const row = await this.db.dispute.findUnique({ where: { id }, select: DISPUTE_SELECT });
    return row ? toDisputeRecord(row) : null;
  }

  async findByPspReference(pspName: string, pspReference: string): Promise<DisputeRecord | null> {
    const row = await this.db.dispute.findUnique({
      where: { pspName_pspReference: { pspName, pspReference } },
      select: DISPUTE_SELECT,
    });
    return row ? toDisputeRecord(row) : null;
  }

  async findPaymentByPspReference(pspName: string, pspReference: string): Promise<DisputedPayment | null> {
    const row = await this.db.payment.findFirst({
      where: { pspName, pspReference },
      select: {
        id: true,
        merchantId: true,
        mode: true,
        currency: true,
        amountCapturedMinor: true,
        pspName: true,
      },
    });
    return row ? { ...row, currency: row.currency as CurrencyCode } : null;
  }

  async findAttemptsForDispute(pspName: string, paymentPspReference: string, paymentId: string | null) {
    const byAttempt = await this.db.pspAttempt.findFirst({
      where: { pspName, pspReference: paymentPspReference, operation: { in: ["AUTHORIZE", "CAPTURE"] } },
      select: { paymentId: true },
    });
    const id = byAttempt?.paymentId ?? paymentId;
    if (id === null) return null;
    const payment = await this.db.payment.findUnique({
      where: { id },
      select: {
        id: true,
        pspName: true,
        attempts: {
          where: { operation: { in: ["AUTHORIZE", "CAPTURE"] } },
          orderBy: { createdAt: "asc" },
          take: 50,
          select: { id: true, pspName: true, status: true, pspReference: true },
        },
      },
    });
    if (payment === null) return null;
    return { paymentId: payment.id, paymentPspName: payment.pspName, attempts: payment.attempts };
  }

  async hasUnreferencedAuthorizationInFlight(
    pspName: string,
    mode: "TEST" | "LIVE" | null,
    since: Date,
  ): Promise<boolean> {
    // psp_attempts_unsettled_idx (created_at, WHERE status IN ('PENDING', 'UNKNOWN')) bounds the scan.
    const row = await this.db.pspAttempt.findFirst({
      where: {
        pspName,
        operation: "AUTHORIZE",
        status: "PENDING",
        pspReference: null,
        createdAt: { gte: since },
        ...(mode === null ? {} : { payment: { mode } }),
      },
      select: { id: true },
    });
    return row !== null;
  }

  async disputeFeeMinor(merchantId: string, currency: CurrencyCode): Promise<bigint | null> {
    const row = await this.db.merchantDisputeFee.findUnique({
      where: { merchantId_currency: { merchantId, currency } },
      select: { feeMinor: true },
    });
    return row?.feeMinor ?? null;
  }

  async findEvidence(disputeId: string, idempotencyKey: string): Promise<StoredEvidence | null> {
    const row = await this.db.disputeEvidence.findUnique({
      where: { disputeId_idempotencyKey: { disputeId, idempotencyKey } },
      select: {
        id: true,
        idempotencyKey: true,
        texts: true,
        fileIds: true,
        submittedBy: true,
        createdAt: true,
      },
    });
    if (row === null) return null;
    const described = await new StoredFileRepository(this.db).describe(row.fileIds);
    const byId = new Map(described.map((file) => [file.id, file]));
    return {
      id: row.id,
      idempotencyKey: row.idempotencyKey,
      texts: row.texts as EvidenceTexts,
      files: row.fileIds.flatMap((id) => {
        const file = byId.get(id);
        if (file === undefined) return [];
        const { evidenceKind, ...rest } = file;
        return [{ ...rest, kind: evidenceKind ?? "UNCATEGORIZED" }];
      }),
      submittedBy: row.submittedBy,
      createdAt: row.createdAt,
    };
  }

  claimEvidenceForwarding(evidenceId: bigint, leaseUntil: Date): Promise<EvidenceForwardClaim | null> {
    return claimEvidenceForwarding(this.db, evidenceId, leaseUntil);
  }

  recordEvidenceForwarding(record: {
    evidenceId: bigint;
    status: Exclude<EvidenceForwardStatus, "PENDING">;
    error: string | null;
    dispute: { id: string; merchantId: string };
    event: DisputeEventDraft;
  }): Promise<boolean> {
    return recordEvidenceForwarding(this.db, record);
  }

  async evidenceToForward(limit: number): Promise<bigint[]> {
    const rows = await this.db.$queryRaw<Array<{ evidence_id: bigint }>>`
      SELECT evidence_id FROM dispute_evidence_forwards
       WHERE status IN ('PENDING', 'UNKNOWN') AND (lease_until IS NULL OR lease_until <= now())
         AND attempts < ${EVIDENCE_FORWARD_ATTEMPTS_MAX}
       ORDER BY created_at LIMIT ${limit}`;
    return rows.map((row) => row.evidence_id);
  }

  async write(change: DisputeChange): Promise<"written" | "conflict"> {
    try {
      await this.db.$transaction(async (tx) => {
        await writeDispute(tx, change);
        const d = change.dispute;
        await tx.disputeEvent.create({
          data: {
            disputeId: d.id,
            merchantId: d.merchantId,
            type: change.event.type,
            oldStatus: change.event.oldStatus,
            newStatus: change.event.newStatus,
            source: change.event.source,
            actor: change.event.actor,
            data: change.event.data as Prisma.InputJsonValue,
          },
          select: { id: true },
        });
        for (const message of change.outbox) {
          await tx.outboxMessage.create({
            data: {
              merchantId: d.merchantId,
              mode: d.mode,
              topic: message.topic,
              aggregateId: d.id,
              payload: message.payload as Prisma.InputJsonValue,
            },
            select: { id: true },
          });
        }
        for (const entry of change.journal) await writeEntry(tx, d, entry);
        if (change.conversion) {
          // A converted payment's dispute: both legs and the row linking them (multiple currencies, issue 18).
          const { sourceEntry, draft } = change.conversion;
          const sourceEntryId = await writeEntry(tx, d, sourceEntry);
          const settlementEntryId = draft.settlementEntry
            ? await writeEntry(tx, d, draft.settlementEntry)
            : null;
          await tx.fxConversion.create({
            data: {
              id: newId("fxConversion"),
              merchantId: d.merchantId,
              mode: d.mode,
              paymentId: d.paymentId,
              disputeId: d.id,
              kind: draft.kind,
              sourceCurrency: draft.sourceCurrency,
              sourceAmountMinor: draft.sourceMinor,
              settlementCurrency: draft.settlementCurrency,
              settlementAmountMinor: draft.settlementMinor,
              originalSettlementMinor: draft.originalSettlementMinor,
              feeMinor: draft.feeMinor,
              fxFeeMinor: draft.fxFeeMinor,
              gainLossMinor: draft.gainLossMinor,
              rateNumerator: draft.rate.numerator.toString(),
              rateDenominator: draft.rate.denominator.toString(),
              rateSource: draft.rate.source,
              rateAsOf: draft.rate.asOf,
              ratePath: draft.rate.path,
              sourceEntryId,
              settlementEntryId,
            },
            select: { id: true },
          });
        }
        if (change.disputedDeltaMinor !== 0n) {
          // The payment's trigger wants its version advanced by one on every update.
          await tx.$executeRaw`
            UPDATE payments
               SET amount_disputed_minor = amount_disputed_minor + ${change.disputedDeltaMinor},
                   version = version + 1
             WHERE id = ${d.paymentId}`;
        }
        if (change.evidence) {
          const fileIds = await insertStoredFiles(
            tx,
            d.merchantId,
            "dispute_evidence",
            change.evidence.files.map((file) => ({ ...file, evidenceKind: file.kind })),
          );
          const evidence = await tx.disputeEvidence.create({
            data: {
              disputeId: d.id,
              merchantId: d.merchantId,
              idempotencyKey: change.evidence.idempotencyKey,
              texts: change.evidence.texts as Prisma.InputJsonValue,
              fileIds,
              submittedBy: change.evidence.submittedBy,
            },
            select: { id: true },
          });
          // The forwarding attempt, recorded before the PSP is called, with the key every try uses.
          await tx.disputeEvidenceForward.create({
            data: {
              evidenceId: evidence.id,
              disputeId: d.id,
              merchantId: d.merchantId,
              pspKey: `${d.id}:ev${evidence.id}`,
            },
            select: { evidenceId: true },
          });
        }
        if (change.operatorAudit !== null) {
          await tx.operatorAuditLog.create({
            data: operatorAuditRow(change.operatorAudit, "dispute"),
            select: { id: true },
          });
        }
      });
      return "written";
    } catch (error) {
      if (error instanceof VersionConflict) return "conflict";
      // Two deliveries creating the same dispute at once: the loser decides again on the winner's row.
      if (change.expectedVersion === null && prismaErrorCode(error) === UNIQUE_VIOLATION) return "conflict";
      throw error;
    }
  }
}

/** The forwarding's side of the store, on the same client (claims, outcomes, the worker's scan). */
export async function claimEvidenceForwarding(
  db: DatabaseClient,
  evidenceId: bigint,
  leaseUntil: Date,
): Promise<EvidenceForwardClaim | null> {
  const claimed = await db.$queryRaw<Array<{ psp_key: string; attempts: number; dispute_id: string }>>`
    UPDATE dispute_evidence_forwards
       SET attempts = attempts + 1, lease_until = ${leaseUntil}
     WHERE evidence_id = ${evidenceId} AND status IN ('PENDING', 'UNKNOWN')
       AND (lease_until IS NULL OR lease_until <= now()) AND attempts < 1000
    RETURNING psp_key, attempts, dispute_id`;
  const row = claimed[0];
  if (row === undefined) return null;
  const dispute = await db.dispute.findUniqueOrThrow({
    where: { id: row.dispute_id },
    select: DISPUTE_SELECT,
  });
  const evidence = await db.disputeEvidence.findUniqueOrThrow({
    where: { id: evidenceId },
    select: { texts: true, fileIds: true },
  });
  const payment = await db.payment.findUniqueOrThrow({
    where: { id: dispute.paymentId },
    select: { pspReference: true },
  });
  const files = await db.storedFile.findMany({
    where: { id: { in: evidence.fileIds } },
    select: { id: true, filename: true, evidenceKind: true, contentType: true, content: true },
  });
  const byId = new Map(files.map((file) => [file.id, file]));
  return {
    evidenceId,
    pspKey: row.psp_key,
    attempts: row.attempts,
    dispute: toDisputeRecord(dispute),
    paymentPspReference: payment.pspReference ?? "",
    texts: evidence.texts as EvidenceTexts,
    files: evidence.fileIds.flatMap((id) => {
      const file = byId.get(id);
      return file
        ? [
            {
              filename: file.filename,
              kind: file.evidenceKind ?? "UNCATEGORIZED",
              contentType: file.contentType,
              bytes: new Uint8Array(file.content),
            },
          ]
        : [];
    }),
  };
}

export async function recordEvidenceForwarding(
  db: DatabaseClient,
  record: {
    evidenceId: bigint;
    status: Exclude<EvidenceForwardStatus, "PENDING">;
    error: string | null;
    dispute: { id: string; merchantId: string };
    event: DisputeEventDraft;
  },
): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const updated = await tx.$executeRaw`
      UPDATE dispute_evidence_forwards
         SET status = ${record.status}, last_error = ${record.error}, lease_until = NULL,
             delivered_at = CASE WHEN ${record.status} = 'DELIVERED' THEN now() ELSE NULL END
       WHERE evidence_id = ${record.evidenceId} AND status IN ('PENDING', 'UNKNOWN')`;
    if (updated !== 1) return false;
    await tx.disputeEvent.create({
      data: {
        disputeId: record.dispute.id,
        merchantId: record.dispute.merchantId,
        type: record.event.type,
        oldStatus: record.event.oldStatus,
        newStatus: record.event.newStatus,
        source: record.event.source,
        actor: record.event.actor,
        data: record.event.data as Prisma.InputJsonValue,
      },
      select: { id: true },
    });
    return true;
  });
}

async function writeDispute(tx: Tx, change: DisputeChange): Promise<void> {
  const d = change.dispute;
  const fields = {
    status: d.status,
    stage: d.stage,
    pspStage: d.pspStage,
    evidenceDueBy: d.evidenceDueBy,
    fundsWithdrawn: d.fundsWithdrawn,
    feeMinor: d.feeMinor,
    evidenceSubmittedAt: d.evidenceSubmittedAt,
  };
  if (change.expectedVersion === null) {
    await tx.dispute.create({
      data: {
        ...fields,
        id: d.id,
        paymentId: d.paymentId,
        merchantId: d.merchantId,
        mode: d.mode,
        amountMinor: d.amountMinor,
        currency: d.currency,
        reason: d.reason,
        reasonCode: d.reasonCode,
        pspName: d.pspName,
        pspReference: d.pspReference,
        version: 1,
      },
      select: { id: true },
    });
    return;
  }
  const { count } = await tx.dispute.updateMany({
    where: { id: d.id, version: change.expectedVersion },
    data: { ...fields, version: change.expectedVersion + 1 },
  });
  if (count !== 1) throw new VersionConflict();
}

/** One journal entry of the dispute and its lines; returns its id. */
async function writeEntry(tx: Tx, d: DisputeRecord, entry: JournalEntryDraft): Promise<string> {
  const accounts = await ledgerAccounts(tx, d.merchantId, d.mode, entry.currency);
  const journalEntryId = newId("journalEntry");
  // A line carries its entry's created_at (the month partition both live in): one value for both, as Prisma
  // would otherwise stamp each statement with its own time.
  const createdAt = new Date();
  await tx.journalEntry.create({
    data: {
      id: journalEntryId,
      createdAt,
      merchantId: d.merchantId,
      mode: d.mode,
      kind: entry.kind,
      paymentId: d.paymentId,
      disputeId: d.id,
      currency: entry.currency,
    },
    select: { id: true },
  });
  await tx.ledgerLine.createMany({
    data: entry.lines.map((line) => ({
      journalEntryId,
      accountId: accounts[line.account],
      direction: line.direction,
      amountMinor: line.amountMinor,
      currency: entry.currency,
      createdAt,
    })),
  });
  return journalEntryId;
}

/** The merchant's accounts in this mode and currency, created on first use. */
async function ledgerAccounts(
  tx: Tx,
  merchantId: string,
  mode: "TEST" | "LIVE",
  currency: string,
): Promise<Record<LedgerAccountCode, string>> {
  const codes = Object.keys(LEDGER_ACCOUNTS) as LedgerAccountCode[];
  await tx.ledgerAccount.createMany({
    data: codes.map((code) => ({
      id: newId("ledgerAccount"),
      merchantId,
      mode,
      code,
      type: LEDGER_ACCOUNTS[code],
      currency,
    })),
    skipDuplicates: true,
  });
  const rows = await tx.ledgerAccount.findMany({
    where: { merchantId, mode, currency, code: { in: codes } },
    select: { id: true, code: true },
  });
  return Object.fromEntries(rows.map((row) => [row.code, row.id])) as Record<LedgerAccountCode, string>;
}
