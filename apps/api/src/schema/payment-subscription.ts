// The paymentUpdated subscription, served over server-sent events (graphql-yoga's GraphQL over SSE): the payment
// as it is now, then again after each committed change, until the client disconnects or the subscription's
// lifetime ends (the client reconnects and gets the current state first, so it misses nothing). Authorized like
// the payment query: a secret key of the payment's merchant and mode, anything else is NOT_FOUND.
import { parseId } from "@paycore/core/ids/ids";
import type { MerchantActor, PaymentRecord } from "@paycore/core/payments/payment-record";
import { PaymentWatchFull } from "@paycore/platform/adapters/payment-watch";
import { GraphQLError } from "graphql";
import { Repeater } from "graphql-yoga";
import { requireSecretKey } from "../context";
import { builder } from "./builder";
import { Payment } from "./payment";
import { notFound } from "./user-error";

/** Subscriptions one API key holds open at once in this process. */
export const SUBSCRIPTIONS_PER_KEY_MAX = 10;
/** A subscription ends after this long; the client resubscribes (and first gets the current state). */
export const SUBSCRIPTION_LIFETIME_MS = 60 * 60 * 1000;

const openByKey = new Map<string, number>();

function subscriptionLimited(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "SUBSCRIPTION_LIMITED", http: { status: 429 } } });
}

builder.subscriptionType({});

builder.subscriptionField("paymentUpdated", (t) =>
  t.field({
    type: Payment,
    description:
      "The payment now, then after each committed change (intermediate states may be coalesced into the latest). Over server-sent events: POST or GET /graphql with Accept: text/event-stream.",
    args: { id: t.arg.id({ required: true }) },
    subscribe: async (_root, { id }, context) => {
      const actor: MerchantActor = requireSecretKey(context);
      const paymentId = parseId("payment", String(id));
      const read = () => (paymentId ? context.services.paymentStore.findPayment(actor, paymentId) : null);
      const first = await read();
      if (!paymentId || !first) throw notFound("payment");
      const key = String(actor.apiKeyId);
      if ((openByKey.get(key) ?? 0) >= SUBSCRIPTIONS_PER_KEY_MAX) {
        throw subscriptionLimited(`This key already holds ${SUBSCRIPTIONS_PER_KEY_MAX} subscriptions open.`);
      }
      return new Repeater<PaymentRecord>(async (push, stop) => {
        openByKey.set(key, (openByKey.get(key) ?? 0) + 1);
        let last = first;
        // One reload at a time; a change signalled meanwhile is picked up by the reload after it.
        let reloading: Promise<void> = Promise.resolve();
        const onChange = () => {
          reloading = reloading.then(async () => {
            const fresh = await read();
            if (fresh && fresh.version > last.version) {
              last = fresh;
              await push(fresh);
            }
          });
          reloading.catch((error) => stop(error));
        };
        let unwatch = () => {};
        try {
          unwatch = context.services.paymentWatch.watch(paymentId, first.version, onChange);
        } catch (error) {
          if (!(error instanceof PaymentWatchFull)) throw error;
          stop(subscriptionLimited("The server holds its maximum of subscriptions; retry shortly."));
        }
        const lifetime = setTimeout(() => stop(), SUBSCRIPTION_LIFETIME_MS);
        lifetime.unref();
        try {
          await push(first);
          await stop;
        } finally {
          clearTimeout(lifetime);
          unwatch();
          const open = (openByKey.get(key) ?? 1) - 1;
          if (open === 0) openByKey.delete(key);
          else openByKey.set(key, open);
        }
      });
    },
    resolve: (payment) => payment,
  }),
);
