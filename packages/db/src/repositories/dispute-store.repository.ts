// Disputes, write side: the store behind the core's DisputeCommands. A change is one transaction: the dispute
// (inserted, or updated under its version; the table's trigger checks the status edge and the stage), its audit
// event, its outbox message, its journal entries (balanced, checked again by the database at commit), the
// payment's disputed amount (its version advanced, so a refund decided on the old amount loses its race), and the
// operator's audit row when an operator acted.
import type { DisputeRecord } from "@paycore/core/disputes/dispute";
import type { EvidenceTexts } from "@paycore/core/disputes/dispute-evidence";
import { newId } from "@paycore/core/ids/ids";
import { LEDGER_ACCOUNTS, type LedgerAccountCode } from "@paycore/core/ledger/postings";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type {
  DisputeChange,
  DisputedPayment,
  DisputeStore,
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
      files: row.fileIds.flatMap((id) => byId.get(id) ?? []),
      submittedBy: row.submittedBy,
      createdAt: row.createdAt,
    };
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
        for (const entry of change.journal) {
          const accounts = await ledgerAccounts(tx, d.merchantId, d.mode, entry.currency);
          const journalEntryId = newId("journalEntry");
          await tx.journalEntry.create({
            data: {
              id: journalEntryId,
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
            })),
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
            change.evidence.files,
          );
          await tx.disputeEvidence.create({
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
