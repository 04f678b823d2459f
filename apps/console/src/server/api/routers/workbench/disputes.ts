// Disputes in the console: the queue ordered by evidence due date with what is at stake (the disputed amount, the
// dispute fee, whether the funds are already withdrawn) and how many are open, a dispute with its events, evidence
// submitted on the merchant's behalf (text fields and PDF/PNG/JPEG files, each with its kind, through the same core
// command as the API's submitDisputeEvidence) and acceptance. The core writes the operator's audit row in the change's transaction.
import {
  EVIDENCE_FILE_KINDS,
  EVIDENCE_FILE_MAX_BYTES,
  EVIDENCE_FILES_MAX,
  EVIDENCE_TEXT_LIMITS,
} from "@paycore/core/disputes/dispute-evidence";
import { DomainError } from "@paycore/core/errors/domain-error";
import { parseId } from "@paycore/core/ids/ids";
import { evidenceFilesFromBytes } from "@paycore/platform/workbench/evidence-files";
import { z } from "zod";
import { operatorActor } from "../../actor";
import { freeText, plainText } from "../../text.schema";
import { procedureFor, router, type SignedInContext } from "../../trpc";

const idSchema = z.object({ id: plainText().min(1).max(64) });

const text = (max: number) => freeText({ multiline: true }).pipe(z.string().max(max)).nullish();

/** Base64 of at most EVIDENCE_FILE_MAX_BYTES bytes. */
const BASE64_MAX = Math.ceil(EVIDENCE_FILE_MAX_BYTES / 3) * 4;

export const submitEvidenceSchema = z.object({
  disputeId: plainText().min(1).max(64),
  idempotencyKey: z.string().min(8).max(200),
  productDescription: text(EVIDENCE_TEXT_LIMITS.productDescription),
  customerCommunication: text(EVIDENCE_TEXT_LIMITS.customerCommunication),
  shippingTracking: text(EVIDENCE_TEXT_LIMITS.shippingTracking),
  refundPolicy: text(EVIDENCE_TEXT_LIMITS.refundPolicy),
  uncategorizedText: text(EVIDENCE_TEXT_LIMITS.uncategorizedText),
  files: z
    .array(
      z.object({
        filename: plainText().min(1).max(255),
        kind: z.enum(EVIDENCE_FILE_KINDS).default("UNCATEGORIZED"),
        base64: z
          .string()
          .max(BASE64_MAX, `A file is at most ${EVIDENCE_FILE_MAX_BYTES / 1024} KiB.`)
          .regex(/^[A-Za-z0-9+/]*={0,2}$/, "not base64"),
      }),
    )
    .max(EVIDENCE_FILES_MAX)
    .default([]),
});

const acceptSchema = z.object({
  id: plainText().min(1).max(64),
  idempotencyKey: z.string().min(8).max(200),
});

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** The queue lists this many disputes, the soonest deadlines; its count covers them all (up to its cap). */
export const DISPUTE_QUEUE_SHOWN_MAX = 100;

async function queue({ ctx }: { ctx: SignedInContext }) {
  const queries = ctx.services.app.services.workbenchQueries;
  const [rows, { count, capped }] = await Promise.all([
    queries.disputesQueue(DISPUTE_QUEUE_SHOWN_MAX),
    queries.disputesQueueCount(),
  ]);
  return {
    disputes: rows.map((row) => ({
      ...row,
      amountMinor: row.amountMinor.toString(),
      feeMinor: row.feeMinor.toString(),
      evidenceDueBy: iso(row.evidenceDueBy),
      evidenceSubmittedAt: iso(row.evidenceSubmittedAt),
      createdAt: row.createdAt.toISOString(),
    })),
    /** How many disputes are open, counted up to a cap (`countCapped`: at least that many). */
    count,
    countCapped: capped,
  };
}

async function findDispute(ctx: SignedInContext, id: string) {
  const disputeId = parseId("dispute", id);
  const dispute = disputeId ? await ctx.services.app.services.disputeReads.findById(disputeId) : null;
  if (dispute === null) throw new DomainError("DISPUTE_NOT_FOUND", "No such dispute.");
  return dispute;
}

async function detail({ ctx, input }: { ctx: SignedInContext; input: { id: string } }) {
  const dispute = await findDispute(ctx, input.id);
  const events = await ctx.services.app.services.disputeReads.events(dispute.id, 200);
  return {
    dispute: {
      id: dispute.id,
      paymentId: dispute.paymentId,
      merchantId: dispute.merchantId,
      mode: dispute.mode,
      status: dispute.status,
      stage: dispute.stage,
      reason: dispute.reason,
      reasonCode: dispute.reasonCode,
      amountMinor: dispute.amountMinor.toString(),
      currency: dispute.currency,
      feeMinor: dispute.feeMinor.toString(),
      fundsWithdrawn: dispute.fundsWithdrawn,
      pspName: dispute.pspName,
      pspReference: dispute.pspReference,
      pspStage: dispute.pspStage,
      evidenceDueBy: iso(dispute.evidenceDueBy),
      evidenceSubmittedAt: iso(dispute.evidenceSubmittedAt),
      createdAt: dispute.createdAt.toISOString(),
      canRespond: dispute.status === "INQUIRY" || dispute.status === "NEEDS_RESPONSE",
    },
    events: events.map((event) => ({
      id: event.id.toString(),
      type: event.type,
      oldStatus: event.oldStatus,
      newStatus: event.newStatus,
      source: event.source,
      actor: event.actor,
      createdAt: event.createdAt.toISOString(),
    })),
  };
}

async function submitEvidence({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: z.infer<typeof submitEvidenceSchema>;
}) {
  const dispute = await findDispute(ctx, input.disputeId);
  const read = await evidenceFilesFromBytes(
    input.files.map((file) => ({
      filename: file.filename,
      bytes: new Uint8Array(Buffer.from(file.base64, "base64")),
    })),
  );
  const files = read.map((file, index) => ({ ...file, kind: input.files[index]?.kind ?? "UNCATEGORIZED" }));
  const texts = {
    ...(input.productDescription ? { productDescription: input.productDescription } : {}),
    ...(input.customerCommunication ? { customerCommunication: input.customerCommunication } : {}),
    ...(input.shippingTracking ? { shippingTracking: input.shippingTracking } : {}),
    ...(input.refundPolicy ? { refundPolicy: input.refundPolicy } : {}),
    ...(input.uncategorizedText ? { uncategorizedText: input.uncategorizedText } : {}),
  };
  const result = await ctx.services.app.services.disputes.submitEvidence({
    disputeId: dispute.id,
    merchantId: dispute.merchantId,
    mode: dispute.mode,
    actor: { kind: "operator", operator: operatorActor(ctx) },
    // Apart from the merchant's own keys.
    idempotencyKey: `console:${input.idempotencyKey}`,
    texts,
    files,
  });
  return {
    dispute: { id: result.dispute.id, status: result.dispute.status },
    files: result.evidence.files.length,
    replayed: result.replayed,
  };
}

async function accept({ ctx, input }: { ctx: SignedInContext; input: z.infer<typeof acceptSchema> }) {
  const dispute = await findDispute(ctx, input.id);
  const accepted = await ctx.services.app.services.disputes.accept({
    disputeId: dispute.id,
    merchantId: dispute.merchantId,
    mode: dispute.mode,
    actor: { kind: "operator", operator: operatorActor(ctx) },
    idempotencyKey: `console:${input.idempotencyKey}`,
  });
  return { id: accepted.id, status: accepted.status };
}

export const disputesRouter = router({
  queue: procedureFor("VIEWER").query(queue),
  detail: procedureFor("VIEWER").input(idSchema).query(detail),
  submitEvidence: procedureFor("OPERATOR").input(submitEvidenceSchema).mutation(submitEvidence),
  accept: procedureFor("OPERATOR").input(acceptSchema).mutation(accept),
});
