// Per-request GraphQL context: who is calling (from the Authorization header),
// batched loaders for nested fields, and whether a mutation was replayed.
import type { MerchantId, PaymentId, PaymentMethodId } from "@paycore/core/ids/ids";
import { hashApiKey, isOperatorKey, parseApiKey } from "@paycore/core/merchants/api-keys";
import type {
  MerchantActor,
  Mode,
  PaymentMethodRecord,
  RefundRecord,
} from "@paycore/core/payments/payment-record";
import type { AuthenticatedKey } from "@paycore/db/repositories/api-key-auth.repository";
import type { AuthenticatedOperator } from "@paycore/db/repositories/operator-key.repository";
import type {
  JournalEntryRecord,
  PaymentEventRecord,
  PspAttemptView,
  RiskAssessmentView,
} from "@paycore/db/repositories/payment-query.repository";
import type { AppServices } from "@paycore/platform/services";
import DataLoader from "dataloader";
import { GraphQLError } from "graphql";

export interface GraphQLContext {
  services: AppServices;
  auth: AuthenticatedKey | null;
  /** Set instead of `auth` when the caller holds an operator key (op_…). */
  operator: AuthenticatedOperator | null;
  /** Set by a mutation that answered from a stored idempotent response. */
  idempotencyReplayed: boolean;
  loaders: RequestLoaders;
  /**
   * Set by useRateLimit for a createPayment from a key it knows: the request's limits, not counted yet, to be
   * counted with the idempotency lock in one Redis round trip (the core's `gate`). Rejects with RATE_LIMITED.
   * A holder, not a field: plugins that extend the context copy it, and the copy must see what is set later.
   */
  limits: { gate: (() => Promise<void>) | null };
}

export async function createContext(services: AppServices, request: Request): Promise<GraphQLContext> {
  const { auth, operator } = await authenticate(services, request.headers.get("authorization"));
  return {
    services,
    auth,
    operator,
    idempotencyReplayed: false,
    loaders: createLoaders(services),
    limits: { gate: null },
  };
}

async function authenticate(
  services: AppServices,
  header: string | null,
): Promise<{ auth: AuthenticatedKey | null; operator: AuthenticatedOperator | null }> {
  if (header === null) return { auth: null, operator: null };
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (match === null) throw unauthenticated('The Authorization header must be "Bearer <api key>".');
  const key = match[1] as string;
  if (isOperatorKey(key)) {
    const operator = await services.operatorKeys.findActiveByHash(hashApiKey(key));
    if (operator === null) throw unauthenticated("The operator key is not valid.");
    return { auth: null, operator };
  }
  if (parseApiKey(key) === null) throw unauthenticated("The API key is malformed.");
  const found = await services.apiKeys.findActiveKeyByHash(hashApiKey(key));
  if (found === null) throw unauthenticated("The API key is not valid.");
  return { auth: found, operator: null };
}

/** Fraud reviews belong to operators, never to the merchant whose payment is held. */
export function requireOperator(context: GraphQLContext): AuthenticatedOperator {
  if (context.operator === null) {
    const forbidden = context.auth !== null;
    throw new GraphQLError("This operation needs an operator key (op_…).", {
      extensions: {
        code: forbidden ? "FORBIDDEN" : "UNAUTHENTICATED",
        http: { status: forbidden ? 403 : 401 },
      },
    });
  }
  return context.operator;
}

/** The caller as a secret key: every operation but tokenizing a card needs one. */
export function requireSecretKey(context: GraphQLContext): MerchantActor {
  const auth = requireKey(context);
  if (auth.kind !== "SECRET") {
    throw new GraphQLError(
      "This operation needs a secret key (sk_…); publishable keys may only tokenize cards.",
      {
        extensions: { code: "FORBIDDEN", http: { status: 403 } },
      },
    );
  }
  return { merchantId: auth.merchantId, mode: auth.mode, apiKeyId: auth.apiKeyId, apiKeyKind: "SECRET" };
}

/** A secret key's caller as the invoice, checkout and payout commands record it: "key:<id>", from the API. */
export function requireSecretKeyActor(context: GraphQLContext) {
  const key = requireSecretKey(context);
  return {
    merchantId: key.merchantId,
    mode: key.mode,
    name: `key:${key.apiKeyId ?? "unknown"}`,
    source: "API" as const,
  };
}

/** Card data may only arrive with a publishable key, so a merchant's server never needs to handle it. */
export function requirePublishableKey(context: GraphQLContext): MerchantActor {
  const auth = requireKey(context);
  if (auth.kind !== "PUBLISHABLE") {
    throw new GraphQLError(
      "tokenizeCard takes a publishable key (pk_…), so card data never passes a merchant server.",
      {
        extensions: { code: "FORBIDDEN", http: { status: 403 } },
      },
    );
  }
  // Its idempotency keys live apart from the secret keys': a public key can neither claim nor probe theirs.
  return { merchantId: auth.merchantId, mode: auth.mode, apiKeyId: auth.apiKeyId, apiKeyKind: "PUBLISHABLE" };
}

function requireKey(context: GraphQLContext): AuthenticatedKey {
  if (context.operator !== null) {
    throw new GraphQLError("Operator keys may only take operator actions.", {
      extensions: { code: "FORBIDDEN", http: { status: 403 } },
    });
  }
  if (context.operator !== null) {
    throw new GraphQLError("Operator keys may only take operator actions.", {
      extensions: { code: "FORBIDDEN", http: { status: 403 } },
    });
  }
  if (context.auth === null) throw unauthenticated('Send an API key as "Authorization: Bearer <key>".');
  return context.auth;
}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } });
}

/**
 * The scope for reading what hangs off a payment the caller was already allowed to see: its own merchant and
 * mode. Merchants only ever reach their own payments; operators reach any, through the review mutations.
 */
export function scopeOf(parent: { merchantId: MerchantId; mode: Mode }): MerchantActor {
  return { merchantId: parent.merchantId, mode: parent.mode, apiKeyId: null };
}

interface Scoped<K> {
  id: K;
  merchantId: MerchantId;
  mode: Mode;
}

/** A loader keyed by id whose batches are queried per merchant and mode (in practice, one query). */
export function scopedLoader<K extends string, V>(
  load: (actor: MerchantActor, ids: readonly K[]) => Promise<Map<K, V>>,
  missing: V,
) {
  return new DataLoader<Scoped<K>, V, K>(
    async (keys) => {
      const groups = new Map<string, Scoped<K>[]>();
      for (const key of keys) {
        const group = `${key.merchantId}:${key.mode}`;
        groups.set(group, [...(groups.get(group) ?? []), key]);
      }
      const found = new Map<K, V>();
      for (const group of groups.values()) {
        const first = group[0] as Scoped<K>;
        const rows = await load(
          scopeOf(first),
          group.map((k) => k.id),
        );
        for (const [id, value] of rows) found.set(id, value);
      }
      return keys.map((key) => found.get(key.id) ?? missing);
    },
    { cacheKeyFn: (key) => key.id },
  );
}

/** Rows of many payments, grouped by payment in the order the query returned them. */
function groupByPayment<R extends { paymentId: PaymentId }>(
  ids: readonly PaymentId[],
  rows: readonly R[],
): Map<PaymentId, R[]> {
  const byPayment = new Map<PaymentId, R[]>(ids.map((id) => [id, []]));
  for (const row of rows) byPayment.get(row.paymentId)?.push(row);
  return byPayment;
}

export type PaymentEventView = PaymentEventRecord & { paymentId: PaymentId; ordinal: number };

/** The loaders a request may use, each made by the request's first use of it. */
const LOADERS = {
  eventsOfPayment: (services: AppServices) =>
    scopedLoader<PaymentId, PaymentEventView[]>(
      async (actor, ids) => groupByPayment(ids, await services.queries.eventsByPaymentIds(actor, ids)),
      [],
    ),
  ledgerEntriesOfPayment: (services: AppServices) =>
    scopedLoader<PaymentId, JournalEntryRecord[]>(
      async (actor, ids) =>
        groupByPayment(ids, await services.queries.journalEntriesByPaymentIds(actor, ids)),
      [],
    ),
  attemptsOfPayment: (services: AppServices) =>
    scopedLoader<PaymentId, PspAttemptView[]>(
      async (actor, ids) => groupByPayment(ids, await services.queries.attemptsByPaymentIds(actor, ids)),
      [],
    ),
  paymentMethod: (services: AppServices) =>
    scopedLoader<PaymentMethodId, PaymentMethodRecord | null>(async (actor, ids) => {
      const rows = await services.queries.paymentMethodsByIds(actor, ids);
      return new Map(rows.map((row) => [row.id, row]));
    }, null),
  riskOfPayment: (services: AppServices) =>
    scopedLoader<PaymentId, RiskAssessmentView | null>(async (actor, ids) => {
      const rows = await services.queries.riskByPaymentIds(actor, ids);
      return new Map(rows.map((row) => [row.paymentId, row]));
    }, null),
  refundsOfPayment: (services: AppServices) =>
    scopedLoader<PaymentId, RefundRecord[]>(async (actor, ids) => {
      const rows = await services.queries.refundsByPaymentIds(actor, ids);
      const byPayment = new Map<PaymentId, RefundRecord[]>(ids.map((id) => [id, []]));
      for (const row of rows) byPayment.get(row.paymentId)?.push(row);
      return byPayment;
    }, []),
};

export type RequestLoaders = { readonly [K in keyof typeof LOADERS]: ReturnType<(typeof LOADERS)[K]> };

/**
 * One object per request whose loaders are made on first use (getters on the prototype, replaced by the
 * loader once made): a payment, or a page without nested fields, makes none of the six DataLoaders with
 * their caches and closures (bench:heap, docs/benchmarks.md).
 */
class LazyLoaders {
  constructor(readonly services: AppServices) {}
}
for (const [name, make] of Object.entries(LOADERS)) {
  Object.defineProperty(LazyLoaders.prototype, name, {
    get(this: LazyLoaders) {
      const loader = make(this.services);
      Object.defineProperty(this, name, { value: loader });
      return loader;
    },
  });
}

function createLoaders(services: AppServices): RequestLoaders {
  return new LazyLoaders(services) as unknown as RequestLoaders;
}
