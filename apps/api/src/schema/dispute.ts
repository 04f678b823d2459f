// Dispute: its fields, Payment.disputes, the dispute queries, and the merchant's acceptDispute and
// submitDisputeEvidence (files uploaded with the GraphQL multipart request spec, their type sniffed from the
// bytes by `file-type`, never taken from the client).
import type { DisputeRecord } from "@paycore/core/disputes/dispute";
import {
  EVIDENCE_FILE_KINDS,
  EVIDENCE_FILE_MAX_BYTES,
  EVIDENCE_FILES_MAX,
  type EvidenceFileInput,
  type EvidenceFileKind,
} from "@paycore/core/disputes/dispute-evidence";
import {
  DISPUTE_STATUSES,
  type DisputeStatus as DisputeStatusValue,
} from "@paycore/core/disputes/dispute-state-machine";
import { DomainError } from "@paycore/core/errors/domain-error";
import { parseId } from "@paycore/core/ids/ids";
import type { StoredEvidence } from "@paycore/core/ports/dispute-store";
import type { EvidenceDelivery } from "@paycore/db/repositories/dispute.repository";
import DataLoader from "dataloader";
import { fileTypeFromBuffer } from "file-type";
import { GraphQLError } from "graphql";
import { type GraphQLContext, requireSecretKey } from "../context";
import { builder } from "./builder";
import { Payment } from "./payment";
import { notFound, runMutation, UserError, type UserErrorShape } from "./user-error";

builder.scalarType("File", {
  description: "A file uploaded with the GraphQL multipart request spec (input only).",
  serialize: () => {
    throw new Error("File is an input-only scalar");
  },
  // Yoga hands over its Fetch implementation's File (a ponyfill on Node 20), so it is recognised by shape.
  parseValue: (value) => {
    const file = value as Partial<File> | null;
    if (typeof file?.arrayBuffer !== "function" || typeof file.name !== "string") {
      throw new GraphQLError("Expected an uploaded file.");
    }
    return value as File;
  },
});

const DisputeStatus = builder.enumType("DisputeStatus", { values: DISPUTE_STATUSES });

const DisputeEvidenceFileKind = builder.enumType("DisputeEvidenceFileKind", {
  description:
    "What an evidence document is: the PSP files it accordingly (Stripe: receipt, customer_communication, shipping_documentation, refund_policy, cancellation_policy, customer_signature, service_documentation, duplicate_charge_documentation, uncategorized_file; Adyen: the label of the defence document).",
  values: EVIDENCE_FILE_KINDS,
});

const DisputeFile = builder.objectRef<StoredEvidence["files"][number]>("DisputeEvidenceFile").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    filename: t.exposeString("filename"),
    kind: t.field({ type: DisputeEvidenceFileKind, resolve: (file) => file.kind }),
    contentType: t.exposeString("contentType"),
    size: t.exposeInt("sizeBytes"),
    sha256: t.exposeString("sha256"),
  }),
});

const EvidenceDeliveryStatus = builder.enumType("EvidenceDeliveryStatus", {
  description:
    "Whether evidence reached the PSP: PENDING (not sent yet), UNKNOWN (sent without an answer: sent again with the same key, so the PSP takes it once), DELIVERED, REJECTED (the PSP refused it, e.g. the dispute had closed).",
  values: ["PENDING", "UNKNOWN", "DELIVERED", "REJECTED"] as const,
});

const EvidenceDeliveryRef = builder
  .objectRef<{
    status: "PENDING" | "UNKNOWN" | "DELIVERED" | "REJECTED";
    attempts: number;
    deliveredAt: Date | null;
  }>("DisputeEvidenceDelivery")
  .implement({
    fields: (t) => ({
      status: t.field({ type: EvidenceDeliveryStatus, resolve: (d) => d.status }),
      attempts: t.exposeInt("attempts", {
        description: "Tries so far (each with the same idempotency key).",
      }),
      deliveredAt: t.field({ type: "DateTime", nullable: true, resolve: (d) => d.deliveredAt }),
    }),
  });

const DisputeEvidence = builder.objectRef<StoredEvidence>("DisputeEvidence").implement({
  fields: (t) => ({
    delivery: t.field({
      type: EvidenceDeliveryRef,
      nullable: true,
      description: "Forwarding to the PSP.",
      resolve: async (e, _args, context) =>
        (await context.services.disputeReads.evidenceDeliveries([e.id])).get(e.id) ?? null,
    }),
    productDescription: t.string({ nullable: true, resolve: (e) => e.texts.productDescription ?? null }),
    customerCommunication: t.string({
      nullable: true,
      resolve: (e) => e.texts.customerCommunication ?? null,
    }),
    shippingTracking: t.string({ nullable: true, resolve: (e) => e.texts.shippingTracking ?? null }),
    refundPolicy: t.string({ nullable: true, resolve: (e) => e.texts.refundPolicy ?? null }),
    uncategorizedText: t.string({ nullable: true, resolve: (e) => e.texts.uncategorizedText ?? null }),
    files: t.field({ type: [DisputeFile], resolve: (e) => e.files }),
    submittedAt: t.field({ type: "DateTime", resolve: (e) => e.createdAt }),
  }),
});

export const Dispute = builder.objectRef<DisputeRecord>("Dispute").implement({
  description: "A card network dispute (inquiry or chargeback) on a payment.",
  fields: (t) => ({
    id: t.exposeID("id"),
    paymentId: t.exposeID("paymentId"),
    amount: t.field({ type: "MinorUnits", resolve: (d) => d.amountMinor }),
    currency: t.field({ type: "CurrencyCode", resolve: (d) => d.currency }),
    status: t.field({ type: DisputeStatus, resolve: (d) => d.status }),
    stage: t.exposeString("stage", {
      description:
        "Where the dispute is at the PSP: inquiry, chargeback, second_chargeback, pre_arbitration.",
    }),
    reason: t.exposeString("reason", {
      description:
        "Normalised: fraudulent, product_not_received, product_unacceptable, duplicate, credit_not_processed, subscription_canceled, unrecognized, general.",
    }),
    networkReasonCode: t.exposeString("reasonCode", { nullable: true }),
    evidenceDueBy: t.field({ type: "DateTime", nullable: true, resolve: (d) => d.evidenceDueBy }),
    evidenceSubmittedAt: t.field({ type: "DateTime", nullable: true, resolve: (d) => d.evidenceSubmittedAt }),
    fundsWithdrawn: t.exposeBoolean("fundsWithdrawn", {
      description: "The disputed amount is out of the balance (from the chargeback on, until won).",
    }),
    fee: t.field({ type: "MinorUnits", description: "The dispute fee charged.", resolve: (d) => d.feeMinor }),
    evidenceDelivery: t.field({
      type: EvidenceDeliveryStatus,
      nullable: true,
      description: "Whether the latest evidence reached the PSP (null: none submitted).",
      resolve: async (d, _args, context) =>
        (await latestEvidenceDeliveryOf(context).load(d.id))?.status ?? null,
    }),
    pspReference: t.exposeString("pspReference"),
    createdAt: t.field({ type: "DateTime", resolve: (d) => d.createdAt }),
    updatedAt: t.field({ type: "DateTime", resolve: (d) => d.updatedAt }),
  }),
});

/** One batched query per request for every payment's disputes (no N+1 over a page of payments). */
const loaders = new WeakMap<GraphQLContext, DataLoader<string, DisputeRecord[]>>();
function disputesOfPayment(context: GraphQLContext): DataLoader<string, DisputeRecord[]> {
  let loader = loaders.get(context);
  if (!loader) {
    loader = new DataLoader(async (ids: readonly string[]) => {
      const byPayment = await context.services.disputeReads.byPaymentIds(ids);
      return ids.map((id) => byPayment.get(id) ?? []);
    });
    loaders.set(context, loader);
  }
  return loader;
}

/** One batched query per request for the latest evidence delivery of every dispute shown (a page's disputes). */
const deliveryLoaders = new WeakMap<GraphQLContext, DataLoader<string, EvidenceDelivery | null>>();
function latestEvidenceDeliveryOf(context: GraphQLContext): DataLoader<string, EvidenceDelivery | null> {
  let loader = deliveryLoaders.get(context);
  if (!loader) {
    loader = new DataLoader(async (ids: readonly string[]) => {
      const latest = await context.services.disputeReads.latestEvidenceDeliveries(ids);
      return ids.map((id) => latest.get(id) ?? null);
    });
    deliveryLoaders.set(context, loader);
  }
  return loader;
}

builder.objectField(Payment, "disputes", (t) =>
  t.field({
    type: [Dispute],
    description: "The payment's disputes, oldest first.",
    resolve: (p, _args, context) => disputesOfPayment(context).load(p.id),
  }),
);

builder.queryField("dispute", (t) =>
  t.field({
    type: Dispute,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const actor = requireSecretKey(context);
      const disputeId = parseId("dispute", String(id));
      const dispute =
        disputeId &&
        (await context.services.disputeReads.findForMerchant(actor.merchantId, actor.mode, disputeId));
      if (!dispute) throw notFound("dispute");
      return dispute;
    },
  }),
);

const DISPUTE_PAGE_MAX = 100;
const DISPUTE_PAGE_DEFAULT = 20;

const DisputeFilter = builder.inputType("DisputeFilter", {
  fields: (t) => ({
    status: t.field({ type: [DisputeStatus], required: false }),
    paymentId: t.id({ required: false }),
  }),
});

const DisputeConnection = builder
  .objectRef<{ nodes: DisputeRecord[]; hasNextPage: boolean; endCursor: string | null }>("DisputeConnection")
  .implement({
    fields: (t) => ({
      nodes: t.field({ type: [Dispute], complexity: { field: 1, multiplier: 1 }, resolve: (c) => c.nodes }),
      hasNextPage: t.exposeBoolean("hasNextPage"),
      endCursor: t.exposeString("endCursor", {
        nullable: true,
        description: "Pass as `after` for the next page (a dispute id).",
      }),
    }),
  });

builder.queryField("disputes", (t) =>
  t.field({
    type: DisputeConnection,
    description: `Disputes, newest first. At most ${DISPUTE_PAGE_MAX} per page.`,
    complexity: (args) => ({ field: 1, multiplier: Math.max(args.first ?? DISPUTE_PAGE_DEFAULT, 0) }),
    args: {
      first: t.arg.int({ required: false, defaultValue: DISPUTE_PAGE_DEFAULT }),
      after: t.arg.id({ required: false }),
      filter: t.arg({ type: DisputeFilter, required: false }),
    },
    resolve: async (_root, args, context) => {
      const actor = requireSecretKey(context);
      const first = args.first ?? DISPUTE_PAGE_DEFAULT;
      if (first < 1 || first > DISPUTE_PAGE_MAX) {
        throw new GraphQLError(`first must be between 1 and ${DISPUTE_PAGE_MAX}.`, {
          extensions: { code: "INVALID_INPUT" },
        });
      }
      const statuses = args.filter?.status ?? [];
      if (statuses.length > DISPUTE_STATUSES.length) {
        throw new GraphQLError(`filter.status takes at most ${DISPUTE_STATUSES.length} statuses.`, {
          extensions: { code: "LIST_TOO_LONG", field: ["filter", "status"] },
        });
      }
      const after = args.after ? parseId("dispute", String(args.after)) : null;
      if (args.after && !after) {
        throw new GraphQLError("The cursor is not valid.", { extensions: { code: "INVALID_INPUT" } });
      }
      const paymentId = args.filter?.paymentId ? String(args.filter.paymentId) : undefined;
      if (paymentId !== undefined && parseId("payment", paymentId) === null) {
        throw new GraphQLError("filter.paymentId is not a payment id.", {
          extensions: { code: "INVALID_INPUT", field: ["filter", "paymentId"] },
        });
      }
      const page = await context.services.disputeReads.listForMerchant(actor.merchantId, actor.mode, {
        first,
        after,
        filter: { statuses: statuses as DisputeStatusValue[], ...(paymentId ? { paymentId } : {}) },
      });
      return {
        nodes: page.disputes,
        hasNextPage: page.hasNextPage,
        endCursor: page.disputes.at(-1)?.id ?? null,
      };
    },
  }),
);

interface DisputePayloadShape {
  dispute: DisputeRecord | null;
  evidence?: StoredEvidence | null;
  errors: UserErrorShape[];
}

const AcceptDisputeInput = builder.inputType("AcceptDisputeInput", {
  fields: (t) => ({
    idempotencyKey: t.string({ required: true, description: "Accepting is idempotent; the key is checked." }),
    disputeId: t.id({ required: true }),
  }),
});

const AcceptDisputePayload = builder.objectRef<DisputePayloadShape>("AcceptDisputePayload").implement({
  fields: (t) => ({
    dispute: t.field({ type: Dispute, nullable: true, resolve: (p) => p.dispute }),
    errors: t.field({ type: [UserError], resolve: (p) => p.errors }),
  }),
});

builder.mutationField("acceptDispute", (t) =>
  t.field({
    type: AcceptDisputePayload,
    description:
      "Concedes a dispute: the disputed amount stays with the cardholder. Accepting twice is refused.",
    args: { input: t.arg({ type: AcceptDisputeInput, required: true }) },
    resolve: (_root, { input }, context) => {
      const actor = requireSecretKey(context);
      return runMutation(
        context,
        async () => ({
          value: await context.services.disputes.accept({
            idempotencyKey: input.idempotencyKey,
            disputeId: requireDisputeId(input.disputeId),
            merchantId: actor.merchantId,
            mode: actor.mode,
            actor: { kind: "merchant", apiKeyId: actor.apiKeyId ?? "unknown" },
          }),
          replayed: false,
        }),
        (dispute, errors) => ({ dispute, errors }),
      );
    },
  }),
);

const SubmitDisputeEvidenceInput = builder.inputType("SubmitDisputeEvidenceInput", {
  fields: (t) => ({
    idempotencyKey: t.string({ required: true, description: "The same key answers the evidence it stored." }),
    disputeId: t.id({ required: true }),
    productDescription: t.string({ required: false, description: "At most 5,000 characters." }),
    customerCommunication: t.string({ required: false, description: "At most 10,000 characters." }),
    shippingTracking: t.string({ required: false, description: "At most 500 characters." }),
    refundPolicy: t.string({ required: false, description: "At most 10,000 characters." }),
    uncategorizedText: t.string({ required: false, description: "At most 10,000 characters." }),
    files: t.field({
      type: ["File"],
      required: false,
      description: `At most ${EVIDENCE_FILES_MAX} files of at most ${EVIDENCE_FILE_MAX_BYTES} bytes: PDF, PNG or JPEG (checked by content).`,
    }),
    fileKinds: t.field({
      type: [DisputeEvidenceFileKind],
      required: false,
      description:
        "What each file is, in the order of `files` (as many kinds as files). Absent: every file is UNCATEGORIZED.",
    }),
  }),
});

const SubmitDisputeEvidencePayload = builder
  .objectRef<DisputePayloadShape>("SubmitDisputeEvidencePayload")
  .implement({
    fields: (t) => ({
      dispute: t.field({ type: Dispute, nullable: true, resolve: (p) => p.dispute }),
      evidence: t.field({ type: DisputeEvidence, nullable: true, resolve: (p) => p.evidence ?? null }),
      errors: t.field({ type: [UserError], resolve: (p) => p.errors }),
    }),
  });

builder.mutationField("submitDisputeEvidence", (t) =>
  t.field({
    type: SubmitDisputeEvidencePayload,
    description:
      "Sends evidence for a dispute waiting for a response; the dispute is then under review. Idempotent by key.",
    args: { input: t.arg({ type: SubmitDisputeEvidenceInput, required: true }) },
    resolve: (_root, { input }, context) => {
      const actor = requireSecretKey(context);
      return runMutation(
        context,
        async () => {
          const files = await readEvidenceFiles(input.files ?? [], input.fileKinds ?? null);
          const result = await context.services.disputes.submitEvidence({
            disputeId: requireDisputeId(input.disputeId),
            merchantId: actor.merchantId,
            mode: actor.mode,
            actor: { kind: "merchant", apiKeyId: actor.apiKeyId ?? "unknown" },
            idempotencyKey: input.idempotencyKey,
            texts: {
              ...(input.productDescription ? { productDescription: input.productDescription } : {}),
              ...(input.customerCommunication ? { customerCommunication: input.customerCommunication } : {}),
              ...(input.shippingTracking ? { shippingTracking: input.shippingTracking } : {}),
              ...(input.refundPolicy ? { refundPolicy: input.refundPolicy } : {}),
              ...(input.uncategorizedText ? { uncategorizedText: input.uncategorizedText } : {}),
            },
            files,
          });
          return { value: result, replayed: result.replayed };
        },
        (value, errors) => ({ dispute: value?.dispute ?? null, evidence: value?.evidence ?? null, errors }),
      );
    },
  }),
);

function requireDisputeId(input: string | number): string {
  const id = parseId("dispute", String(input));
  if (!id)
    throw new DomainError("ID_INVALID", 'expected a dispute id starting with "dp_"', {
      field: ["disputeId"],
    });
  return id;
}

/** Reads each upload (bounded before reading) with its kind, and sniffs its type from its first bytes. */
async function readEvidenceFiles(
  files: readonly File[],
  kinds: readonly EvidenceFileKind[] | null,
): Promise<EvidenceFileInput[]> {
  if (files.length > EVIDENCE_FILES_MAX) {
    throw new DomainError("EVIDENCE_INVALID", `At most ${EVIDENCE_FILES_MAX} files.`, { field: ["files"] });
  }
  if (kinds !== null && kinds.length !== files.length) {
    throw new DomainError("EVIDENCE_INVALID", "fileKinds names one kind per file, in the order of files.", {
      field: ["fileKinds"],
    });
  }
  const read: EvidenceFileInput[] = [];
  for (const [index, file] of files.entries()) {
    if (file.size > EVIDENCE_FILE_MAX_BYTES) {
      throw new DomainError("EVIDENCE_INVALID", `A file is at most ${EVIDENCE_FILE_MAX_BYTES} bytes.`, {
        field: ["files", String(index)],
      });
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    const sniffed = await fileTypeFromBuffer(bytes);
    const kind = kinds?.[index];
    read.push({
      filename: file.name,
      ...(kind === undefined ? {} : { kind }),
      sniffedContentType: sniffed?.mime ?? null,
      bytes,
    });
  }
  return read;
}
