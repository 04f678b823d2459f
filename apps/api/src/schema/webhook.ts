// Merchant webhooks: endpoints (create, update, disable/enable, delete, roll the secret), replay of an event, and
// the events feed. A secret key sees and changes only its own merchant's endpoints in its own mode; every change
// goes through WebhookEndpointCommands and is audited with the key that made it.
import type { MerchantActor } from "@paycore/core/payments/payment-record";
import { WEBHOOK_EVENT_TYPES, webhookEventTypeNames } from "@paycore/core/webhooks/event-types";
import type { WebhookEndpointView } from "@paycore/core/webhooks/webhook-endpoint";
import type { EndpointOwner } from "@paycore/core/webhooks/webhook-endpoint-commands";
import type {
  WebhookAttemptRow,
  WebhookDeliveryRow,
  WebhookEventRow,
} from "@paycore/db/repositories/webhook-endpoint.repository";
import { GraphQLError } from "graphql";
import { type GraphQLContext, requireSecretKey } from "../context";
import { builder } from "./builder";
import { PageInfo } from "./payment";
import { runMutation, UserError, type UserErrorShape } from "./user-error";

const PAGE_SIZE_DEFAULT = 20;
const PAGE_SIZE_MAX = 100;
const ID_LENGTH_MAX = 64;
/**
 * What an id, an object id or an event type can look like: printable ASCII without spaces, at most 64 characters.
 * Anything else names nothing; a NUL in it reached Postgres, which refuses it ("Unexpected error.").
 */
const PLAUSIBLE_ID = /^[\x21-\x7e]{1,64}$/;

function ownerOf(actor: MerchantActor): EndpointOwner {
  return {
    merchantId: actor.merchantId,
    mode: actor.mode,
    actor: { operatorId: null, name: `api_key:${actor.apiKeyId}` },
  };
}

function invalid(message: string, field: string[]): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "INVALID_INPUT", field } });
}

function pageSize(first: number | null | undefined): number {
  const size = first ?? PAGE_SIZE_DEFAULT;
  if (!Number.isInteger(size) || size < 1 || size > PAGE_SIZE_MAX) {
    throw invalid(`first must be between 1 and ${PAGE_SIZE_MAX}.`, ["first"]);
  }
  return size;
}

const WebhookEndpointStatus = builder.enumType("WebhookEndpointStatus", {
  values: ["ENABLED", "DISABLED", "DELETED"] as const,
});
const WebhookDeliveryStatus = builder.enumType("WebhookDeliveryStatus", {
  values: ["PENDING", "SUCCEEDED", "FAILED"] as const,
});

const WebhookAttempt = builder.objectRef<WebhookAttemptRow>("WebhookDeliveryAttempt").implement({
  description: "One POST of a delivery.",
  fields: (t) => ({
    attemptedAt: t.field({ type: "DateTime", resolve: (a) => a.attemptedAt }),
    statusCode: t.exposeInt("statusCode", { nullable: true, description: "Null when there was no answer." }),
    latencyMs: t.exposeInt("latencyMs"),
    error: t.exposeString("error", { nullable: true }),
    responseExcerpt: t.exposeString("responseExcerpt", {
      nullable: true,
      description:
        "A failed attempt's answer: at most its first 1 KiB, with every value of the event we sent replaced by [redacted]. Null for a successful attempt.",
    }),
  }),
});

const WebhookDelivery = builder.objectRef<WebhookDeliveryRow>("WebhookDelivery").implement({
  description: "One event to one endpoint: retried until it succeeds or 3 days have passed.",
  fields: (t) => ({
    id: t.exposeID("id"),
    eventId: t.exposeID("eventId"),
    eventType: t.exposeString("eventType"),
    status: t.field({ type: WebhookDeliveryStatus, resolve: (d) => d.status }),
    replay: t.exposeBoolean("replay"),
    attemptCount: t.exposeInt("attemptCount"),
    nextAttemptAt: t.field({
      type: "DateTime",
      nullable: true,
      resolve: (d) => (d.status === "PENDING" ? d.nextAttemptAt : null),
    }),
    lastStatusCode: t.exposeInt("lastStatusCode", { nullable: true }),
    lastError: t.exposeString("lastError", { nullable: true }),
    createdAt: t.field({ type: "DateTime", resolve: (d) => d.createdAt }),
    finishedAt: t.field({ type: "DateTime", nullable: true, resolve: (d) => d.finishedAt }),
    attempts: t.field({
      type: [WebhookAttempt],
      description: "Newest first, at most 50.",
      resolve: (d, _args, context) => context.services.merchantWebhooks.reads.attempts(d.id),
    }),
  }),
});

const WebhookEndpoint = builder.objectRef<WebhookEndpointView>("WebhookEndpoint").implement({
  description: "Where a merchant receives events, in one mode. The signing secret is shown only when made.",
  fields: (t) => ({
    id: t.exposeID("id"),
    url: t.exposeString("url"),
    description: t.exposeString("description", { nullable: true }),
    enabledEvents: t.exposeStringList("enabledEvents"),
    status: t.field({ type: WebhookEndpointStatus, resolve: (e) => e.status }),
    disabledReason: t.exposeString("disabledReason", {
      nullable: true,
      description: "MERCHANT, OPERATOR, or FAILING (disabled after 3 days of failed deliveries).",
    }),
    needsAttention: t.exposeBoolean("needsAttention"),
    failingSince: t.field({ type: "DateTime", nullable: true, resolve: (e) => e.failingSince }),
    secretHint: t.exposeString("secretHint", { description: "The current secret's last four characters." }),
    previousSecretsValidUntil: t.field({
      type: ["DateTime"],
      description: "Replaced secrets that still sign deliveries, and until when.",
      resolve: (e) => e.previousSecretsValidUntil,
    }),
    createdAt: t.field({ type: "DateTime", resolve: (e) => e.createdAt }),
    updatedAt: t.field({ type: "DateTime", resolve: (e) => e.updatedAt }),
    deliveries: t.field({
      type: [WebhookDelivery],
      description: `This endpoint's deliveries, newest first (at most ${PAGE_SIZE_MAX}).`,
      complexity: (args) => ({ field: 1, multiplier: Math.max(args.first ?? PAGE_SIZE_DEFAULT, 0) }),
      args: {
        first: t.arg.int({ required: false, defaultValue: PAGE_SIZE_DEFAULT }),
        status: t.arg({ type: WebhookDeliveryStatus, required: false }),
        eventType: t.arg.string({ required: false }),
      },
      resolve: (e, args, context) => {
        if (args.eventType != null && !PLAUSIBLE_ID.test(args.eventType)) {
          throw invalid("eventType is not an event type.", ["eventType"]);
        }
        return context.services.merchantWebhooks.reads.deliveries(
          e.id,
          { status: args.status ?? null, eventType: args.eventType ?? null },
          pageSize(args.first),
        );
      },
    }),
  }),
});

const WebhookEvent = builder.objectRef<WebhookEventRow>("WebhookEvent").implement({
  description:
    "Something that happened to one of the merchant's objects: what endpoints receive and the feed lists.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Opaque; the same across every delivery and replay of the event." }),
    type: t.exposeString("type"),
    objectId: t.exposeID("objectId"),
    createdAt: t.field({ type: "DateTime", resolve: (e) => e.createdAt }),
    payload: t.string({
      description:
        "The event exactly as delivered, as JSON: { id, type, createdAt, livemode, data: { object, previousAttributes } }.",
      resolve: (e) => JSON.stringify(e.payload),
    }),
  }),
});

const WebhookEventEdge = builder
  .objectRef<{ cursor: string; node: WebhookEventRow }>("WebhookEventEdge")
  .implement({
    fields: (t) => ({
      cursor: t.exposeString("cursor"),
      node: t.field({ type: WebhookEvent, resolve: (e) => e.node }),
    }),
  });

const WebhookEventConnection = builder
  .objectRef<{
    edges: Array<{ cursor: string; node: WebhookEventRow }>;
    pageInfo: {
      hasNextPage: boolean;
      hasPreviousPage: boolean;
      startCursor: string | null;
      endCursor: string | null;
    };
  }>("WebhookEventConnection")
  .implement({
    fields: (t) => ({
      edges: t.field({
        type: [WebhookEventEdge],
        complexity: { field: 1, multiplier: 1 },
        resolve: (c) => c.edges,
      }),
      nodes: t.field({
        type: [WebhookEvent],
        complexity: { field: 1, multiplier: 1 },
        resolve: (c) => c.edges.map((e) => e.node),
      }),
      pageInfo: t.field({ type: PageInfo, resolve: (c) => c.pageInfo }),
    }),
  });

const EventFilter = builder.inputType("WebhookEventFilter", {
  fields: (t) => ({
    types: t.stringList({ required: false }),
    objectId: t.id({ required: false }),
    createdAfter: t.field({ type: "DateTime", required: false }),
  }),
});

function encodeEventCursor(event: WebhookEventRow): string {
  return Buffer.from(`${event.createdAt.toISOString()}|${event.id}`, "utf8").toString("base64url");
}

function decodeEventCursor(cursor: string): { createdAt: Date; id: string } {
  const [createdAt, id] = Buffer.from(cursor.slice(0, 200), "base64url").toString("utf8").split("|");
  const date = new Date(createdAt ?? "");
  if (!id || !/^evt_[0-9a-f]{32}$/.test(id) || Number.isNaN(date.getTime())) {
    throw invalid("The cursor is not valid.", ["after"]);
  }
  return { createdAt: date, id };
}

builder.queryField("events", (t) =>
  t.field({
    type: WebhookEventConnection,
    description: `The merchant's events in this mode, newest first, kept ${"30"} days. At most ${PAGE_SIZE_MAX} per page.`,
    complexity: (args) => ({ field: 1, multiplier: Math.max(args.first ?? PAGE_SIZE_DEFAULT, 0) }),
    args: {
      first: t.arg.int({ required: false, defaultValue: PAGE_SIZE_DEFAULT }),
      after: t.arg.string({ required: false }),
      filter: t.arg({ type: EventFilter, required: false }),
    },
    resolve: async (_root, args, context) => {
      const actor = requireSecretKey(context);
      const first = pageSize(args.first);
      const types = args.filter?.types ?? null;
      if (types !== null && types.length > WEBHOOK_EVENT_TYPES.length) {
        throw new GraphQLError(`filter.types takes at most ${WEBHOOK_EVENT_TYPES.length} types.`, {
          extensions: { code: "LIST_TOO_LONG", field: ["filter", "types"] },
        });
      }
      // A type matches its former names too (payment.canceled finds the payment.cancelled events written before).
      const typeNames =
        types === null ? null : [...new Set(types.flatMap((type) => webhookEventTypeNames(type)))];
      const objectId = args.filter?.objectId == null ? null : String(args.filter.objectId);
      if (objectId !== null && !PLAUSIBLE_ID.test(objectId))
        throw invalid("objectId is not an object id.", ["filter"]);
      if (types?.some((type) => !PLAUSIBLE_ID.test(type)))
        throw invalid("filter.types holds something that is not an event type.", ["filter"]);
      const rows = await context.services.merchantWebhooks.reads.events(
        actor.merchantId,
        actor.mode,
        { types: typeNames, objectId, createdAfter: args.filter?.createdAfter ?? null },
        args.after ? decodeEventCursor(args.after) : null,
        first + 1,
      );
      const edges = rows.slice(0, first).map((node) => ({ cursor: encodeEventCursor(node), node }));
      return {
        edges,
        pageInfo: {
          hasNextPage: rows.length > first,
          hasPreviousPage: args.after != null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  }),
);

builder.queryField("webhookEventTypes", (t) =>
  t.stringList({
    description:
      'Every event type an endpoint may enable (payments, refunds, disputes, invoices), or "*" for all of them.',
    resolve: (_root, _args, context) => {
      requireSecretKey(context);
      return [...WEBHOOK_EVENT_TYPES];
    },
  }),
);

builder.queryField("event", (t) =>
  t.field({
    type: WebhookEvent,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => {
      const actor = requireSecretKey(context);
      const id = String(args.id);
      if (!PLAUSIBLE_ID.test(id)) return null;
      return context.services.merchantWebhooks.reads.eventById(actor.merchantId, actor.mode, id);
    },
  }),
);

builder.queryField("webhookEndpoints", (t) =>
  t.field({
    type: [WebhookEndpoint],
    description: "The merchant's endpoints in this mode (deleted ones left out).",
    resolve: (_root, _args, context) => {
      const actor = requireSecretKey(context);
      return context.services.merchantWebhooks.reads.list(actor.merchantId, actor.mode);
    },
  }),
);

builder.queryField("webhookEndpoint", (t) =>
  t.field({
    type: WebhookEndpoint,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      const actor = requireSecretKey(context);
      const id = String(args.id);
      if (!PLAUSIBLE_ID.test(id)) return null;
      const endpoint = await context.services.merchantWebhooks.reads.findById(
        actor.merchantId,
        actor.mode,
        id,
      );
      return endpoint?.status === "DELETED" ? null : endpoint;
    },
  }),
);

interface EndpointPayloadShape {
  endpoint: WebhookEndpointView | null;
  secret: string | null;
  errors: UserErrorShape[];
}

const WebhookEndpointPayload = builder.objectRef<EndpointPayloadShape>("WebhookEndpointPayload").implement({
  fields: (t) => ({
    endpoint: t.field({ type: WebhookEndpoint, nullable: true, resolve: (p) => p.endpoint }),
    secret: t.exposeString("secret", {
      nullable: true,
      description: "The signing secret, after a create or a roll only: it is never shown again.",
    }),
    errors: t.field({ type: [UserError], resolve: (p) => p.errors }),
  }),
});

const ReplayPayload = builder
  .objectRef<{ deliveryId: string | null; errors: UserErrorShape[] }>("ReplayWebhookEventPayload")
  .implement({
    fields: (t) => ({
      deliveryId: t.exposeID("deliveryId", { nullable: true }),
      errors: t.field({ type: [UserError], resolve: (p) => p.errors }),
    }),
  });

/** Endpoint commands are not idempotent-keyed (each is safe to repeat but create): never a replay. */
function endpointMutation<T>(
  context: GraphQLContext,
  command: (owner: EndpointOwner) => Promise<T>,
  toPayload: (
    value: T | null,
    errors: UserErrorShape[],
  ) => EndpointPayloadShape | { deliveryId: string | null; errors: UserErrorShape[] },
) {
  const owner = ownerOf(requireSecretKey(context));
  return runMutation(context, async () => ({ value: await command(owner), replayed: false }), toPayload);
}

const withSecret = (
  value: { endpoint: WebhookEndpointView; secret: string } | null,
  errors: UserErrorShape[],
): EndpointPayloadShape => ({ endpoint: value?.endpoint ?? null, secret: value?.secret ?? null, errors });
const withoutSecret = (
  value: WebhookEndpointView | null,
  errors: UserErrorShape[],
): EndpointPayloadShape => ({
  endpoint: value,
  secret: null,
  errors,
});

const CreateInput = builder.inputType("CreateWebhookEndpointInput", {
  fields: (t) => ({
    url: t.string({
      required: true,
      description: "https (live mode); test mode also takes http and localhost.",
    }),
    enabledEvents: t.stringList({ required: true, description: 'Event types, or ["*"] for all.' }),
    description: t.string({ required: false }),
  }),
});

builder.mutationField("createWebhookEndpoint", (t) =>
  t.field({
    type: WebhookEndpointPayload,
    args: { input: t.arg({ type: CreateInput, required: true }) },
    resolve: (_root, { input }, context) =>
      endpointMutation(
        context,
        (owner) =>
          context.services.merchantWebhooks.endpoints.create(owner, {
            url: input.url,
            enabledEvents: input.enabledEvents,
            description: input.description ?? null,
          }),
        withSecret,
      ) as Promise<EndpointPayloadShape>,
  }),
);

const UpdateInput = builder.inputType("UpdateWebhookEndpointInput", {
  fields: (t) => ({
    id: t.id({ required: true }),
    url: t.string({ required: false }),
    enabledEvents: t.stringList({ required: false }),
    description: t.string({ required: false, description: "An empty string clears it." }),
  }),
});

builder.mutationField("updateWebhookEndpoint", (t) =>
  t.field({
    type: WebhookEndpointPayload,
    args: { input: t.arg({ type: UpdateInput, required: true }) },
    resolve: (_root, { input }, context) =>
      endpointMutation(
        context,
        (owner) =>
          context.services.merchantWebhooks.endpoints.update(owner, String(input.id), {
            url: input.url ?? null,
            enabledEvents: input.enabledEvents ?? null,
            ...(input.description === undefined ? {} : { description: input.description }),
          }),
        withoutSecret,
      ) as Promise<EndpointPayloadShape>,
  }),
);

const EndpointIdInput = builder.inputType("WebhookEndpointIdInput", {
  fields: (t) => ({ id: t.id({ required: true }) }),
});

for (const [name, description, run] of [
  [
    "disableWebhookEndpoint",
    "Stops new deliveries; queued ones wait until the endpoint is enabled again.",
    (owner: EndpointOwner, id: string, context: GraphQLContext) =>
      context.services.merchantWebhooks.endpoints.setEnabled(owner, id, false),
  ],
  [
    "enableWebhookEndpoint",
    "Enables a disabled endpoint (and clears its failure notice).",
    (owner: EndpointOwner, id: string, context: GraphQLContext) =>
      context.services.merchantWebhooks.endpoints.setEnabled(owner, id, true),
  ],
  [
    "deleteWebhookEndpoint",
    "Deletes the endpoint: no more deliveries; its delivery history stays.",
    (owner: EndpointOwner, id: string, context: GraphQLContext) =>
      context.services.merchantWebhooks.endpoints.delete(owner, id),
  ],
] as const) {
  builder.mutationField(name, (t) =>
    t.field({
      type: WebhookEndpointPayload,
      description,
      args: { input: t.arg({ type: EndpointIdInput, required: true }) },
      resolve: (_root, { input }, context) =>
        endpointMutation(
          context,
          (owner) => run(owner, String(input.id), context),
          withoutSecret,
        ) as Promise<EndpointPayloadShape>,
    }),
  );
}

const RollInput = builder.inputType("RollWebhookEndpointSecretInput", {
  fields: (t) => ({
    id: t.id({ required: true }),
    overlapSeconds: t.int({
      required: false,
      description: "How long the old secret keeps signing (a second v1): 0 to 604800 s, default 86400 s.",
    }),
  }),
});

builder.mutationField("rollWebhookEndpointSecret", (t) =>
  t.field({
    type: WebhookEndpointPayload,
    args: { input: t.arg({ type: RollInput, required: true }) },
    resolve: (_root, { input }, context) =>
      endpointMutation(
        context,
        (owner) =>
          context.services.merchantWebhooks.endpoints.rollSecret(
            owner,
            String(input.id),
            input.overlapSeconds == null ? undefined : input.overlapSeconds * 1000,
          ),
        withSecret,
      ) as Promise<EndpointPayloadShape>,
  }),
);

const ReplayInput = builder.inputType("ReplayWebhookEventInput", {
  fields: (t) => ({ endpointId: t.id({ required: true }), eventId: t.id({ required: true }) }),
});

builder.mutationField("replayWebhookEvent", (t) =>
  t.field({
    type: ReplayPayload,
    description: "Sends an event to an endpoint again (a new delivery, the same event id and body).",
    args: { input: t.arg({ type: ReplayInput, required: true }) },
    resolve: (_root, { input }, context) =>
      endpointMutation(
        context,
        (owner) =>
          context.services.merchantWebhooks.endpoints.replay(
            owner,
            String(input.endpointId).slice(0, ID_LENGTH_MAX + 1),
            String(input.eventId).slice(0, ID_LENGTH_MAX + 1),
          ),
        (deliveryId, errors) => ({ deliveryId, errors }),
      ) as Promise<{ deliveryId: string | null; errors: UserErrorShape[] }>,
  }),
);
