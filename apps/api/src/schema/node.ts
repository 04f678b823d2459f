// The node and nodes queries, and Refund.payment: objects fetched again by id, in batches (one query per kind of
// object however many ids a request names), scoped to the caller's merchant and mode. Another merchant's id, an
// unknown id and a malformed one all answer null: a caller learns nothing about ids that are not its own.
import {
  type JournalEntryId,
  type PaymentId,
  type PaymentMethodId,
  type PspAttemptId,
  parseId,
  type RefundId,
} from "@paycore/core/ids/ids";
import type { MerchantActor, PaymentRecord, RefundRecord } from "@paycore/core/payments/payment-record";
import type { BankAccountRecord, PayoutRecord } from "@paycore/core/ports/payout-store";
import type { JournalEntryRecord, PspAttemptView } from "@paycore/db/repositories/payment-query.repository";
import { GraphQLError } from "graphql";
import { type GraphQLContext, requireSecretKey, scopedLoader } from "../context";
import { builder } from "./builder";
import { Node } from "./node-interface";
import { Payment } from "./payment";
import { Refund } from "./refund";

/** Ids per `nodes` call: a page's worth, like every list a client controls. */
export const NODES_IDS_MAX = 100;
/** A payment event's id is `<payment id>:<ordinal>`; a payment's trail holds at most this many (see eventsOfPayment). */
const EVENT_ORDINAL_MAX = 500;

function createNodeLoaders(context: GraphQLContext) {
  const { nodes, payoutReads } = context.services;
  const byId = <K extends string, V extends { id: string }>(
    load: (actor: MerchantActor, ids: readonly K[]) => Promise<V[]>,
  ) =>
    scopedLoader<K, V | null>(
      async (actor, ids) => new Map((await load(actor, ids)).map((row) => [row.id as K, row])),
      null,
    );
  return {
    payment: byId<PaymentId, PaymentRecord>((actor, ids) => nodes.paymentsByIds(actor, ids)),
    refund: byId<RefundId, RefundRecord>((actor, ids) => nodes.refundsByIds(actor, ids)),
    attempt: byId<PspAttemptId, PspAttemptView>((actor, ids) => nodes.attemptsByIds(actor, ids)),
    journalEntry: byId<JournalEntryId, JournalEntryRecord>((actor, ids) =>
      nodes.journalEntriesByIds(actor, ids),
    ),
    // Payouts (issue 18).
    payout: byId<string, PayoutRecord>((actor, ids) => payoutReads.payoutsByIds(actor, ids)),
    bankAccount: byId<string, BankAccountRecord>((actor, ids) => payoutReads.bankAccountsByIds(actor, ids)),
  };
}

// One set per request, beside the context's own loaders (kept apart so this file owns what it adds).
const nodeLoadersOf = new WeakMap<GraphQLContext, ReturnType<typeof createNodeLoaders>>();

function nodeLoaders(context: GraphQLContext): ReturnType<typeof createNodeLoaders> {
  let loaders = nodeLoadersOf.get(context);
  if (loaders === undefined) {
    loaders = createNodeLoaders(context);
    nodeLoadersOf.set(context, loaders);
  }
  return loaders;
}

/** The object an id names, if the actor's merchant and mode own it; null for anything else. */
async function loadNode(
  context: GraphQLContext,
  actor: MerchantActor,
  id: string,
): Promise<{ id: unknown } | null> {
  const scope = { merchantId: actor.merchantId, mode: actor.mode };
  const loaders = nodeLoaders(context);
  const eventSeparator = id.indexOf(":");
  if (eventSeparator !== -1) {
    const paymentId = parseId("payment", id.slice(0, eventSeparator));
    const ordinalText = id.slice(eventSeparator + 1);
    const ordinal = /^[1-9][0-9]{0,3}$/.test(ordinalText) ? Number(ordinalText) : 0;
    if (paymentId === null || ordinal < 1 || ordinal > EVENT_ORDINAL_MAX) return null;
    const events = await context.loaders.eventsOfPayment.load({ id: paymentId, ...scope });
    return events.find((event) => event.ordinal === ordinal) ?? null;
  }
  const prefix = id.slice(0, id.indexOf("_"));
  switch (prefix) {
    case "pay": {
      const paymentId = parseId("payment", id);
      return paymentId && loaders.payment.load({ id: paymentId, ...scope });
    }
    case "re": {
      const refundId = parseId("refund", id);
      return refundId && loaders.refund.load({ id: refundId, ...scope });
    }
    case "pm": {
      const methodId = parseId("paymentMethod", id);
      return methodId && context.loaders.paymentMethod.load({ id: methodId as PaymentMethodId, ...scope });
    }
    case "att": {
      const attemptId = parseId("pspAttempt", id);
      return attemptId && loaders.attempt.load({ id: attemptId, ...scope });
    }
    case "je": {
      const entryId = parseId("journalEntry", id);
      return entryId && loaders.journalEntry.load({ id: entryId, ...scope });
    }
    case "po": {
      const payoutId = parseId("payout", id);
      return payoutId && loaders.payout.load({ id: payoutId, ...scope });
    }
    case "ba": {
      const bankAccountId = parseId("bankAccount", id);
      return bankAccountId && loaders.bankAccount.load({ id: bankAccountId, ...scope });
    }
    default:
      return null;
  }
}

builder.queryField("node", (t) =>
  t.field({
    type: Node,
    nullable: true,
    description:
      "Any object with an id (Payment, Refund, PaymentMethod, PspAttempt, LedgerEntry, PaymentEvent, Payout, BankAccount).",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => loadNode(context, requireSecretKey(context), String(id)),
  }),
);

builder.queryField("nodes", (t) =>
  t.field({
    type: [Node],
    nullable: { list: false, items: true },
    description: `The objects with these ids, in their order; null for an id that is not the caller's. At most ${NODES_IDS_MAX} ids.`,
    args: { ids: t.arg.idList({ required: true }) },
    complexity: (args) => ({ field: 1, multiplier: Math.max(args.ids.length, 1) }),
    resolve: (_root, { ids }, context) => {
      const actor = requireSecretKey(context);
      if (ids.length > NODES_IDS_MAX) {
        throw new GraphQLError(`nodes takes at most ${NODES_IDS_MAX} ids.`, {
          extensions: { code: "LIST_TOO_LONG", field: ["ids"] },
        });
      }
      return Promise.all(ids.map((id) => loadNode(context, actor, String(id))));
    },
  }),
);

builder.objectFields(Refund, (t) => ({
  payment: t.field({
    type: Payment,
    description: "The payment this refunds.",
    resolve: async (refund, _args, context) => {
      const payment = await nodeLoaders(context).payment.load({
        id: refund.paymentId,
        merchantId: refund.merchantId,
        mode: refund.mode,
      });
      if (payment === null) throw new Error(`refund ${refund.id} has no payment`);
      return payment;
    },
  }),
}));
