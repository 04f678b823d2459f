// Per-request GraphQL context: who is calling (from the Authorization header),
// batched loaders for nested fields, and whether a mutation was replayed.
import type { PaymentId, PaymentMethodId } from "@paycore/core/ids/ids";
import { hashApiKey, isOperatorKey, parseApiKey } from "@paycore/core/merchants/api-keys";
import type { MerchantActor, PaymentMethodRecord, RefundRecord } from "@paycore/core/payments/payment-record";
import type { AuthenticatedKey } from "@paycore/db/repositories/merchant.repository";
import type { AuthenticatedOperator } from "@paycore/db/repositories/operator-key.repository";
import type { RiskAssessmentView } from "@paycore/db/repositories/payment-query.repository";
import DataLoader from "dataloader";
import { GraphQLError } from "graphql";
import type { AppServices } from "./services";

export interface GraphQLContext {
  services: AppServices;
  auth: AuthenticatedKey | null;
  /** Set instead of `auth` when the caller holds an operator key (op_…). */
  operator: AuthenticatedOperator | null;
  /** Set by a mutation that answered from a stored idempotent response. */
  idempotencyReplayed: boolean;
  loaders: ReturnType<typeof createLoaders>;
}

export async function createContext(services: AppServices, request: Request): Promise<GraphQLContext> {
  const { auth, operator } = await authenticate(services, request.headers.get("authorization"));
  return { services, auth, operator, idempotencyReplayed: false, loaders: createLoaders(services, auth) };
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
  const found = await services.merchants.findActiveKeyByHash(hashApiKey(key));
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
  return { merchantId: auth.merchantId, mode: auth.mode, apiKeyId: auth.apiKeyId };
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
  return { merchantId: auth.merchantId, mode: auth.mode, apiKeyId: auth.apiKeyId };
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

function createLoaders(services: AppServices, auth: AuthenticatedKey | null) {
  const actor: MerchantActor | null = auth && {
    merchantId: auth.merchantId,
    mode: auth.mode,
    apiKeyId: auth.apiKeyId,
  };
  const scoped = <T>(load: (actor: MerchantActor) => Promise<T>) => {
    if (actor === null) throw unauthenticated('Send an API key as "Authorization: Bearer <key>".');
    return load(actor);
  };
  return {
    paymentMethod: new DataLoader<PaymentMethodId, PaymentMethodRecord | null>(async (ids) => {
      const rows = await scoped((a) => services.queries.paymentMethodsByIds(a, ids));
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    riskOfPayment: new DataLoader<PaymentId, RiskAssessmentView | null>(async (ids) => {
      const rows = await scoped((a) => services.queries.riskByPaymentIds(a, ids));
      const byId = new Map(rows.map((row) => [row.paymentId, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    refundsOfPayment: new DataLoader<PaymentId, RefundRecord[]>(async (ids) => {
      const rows = await scoped((a) => services.queries.refundsByPaymentIds(a, ids));
      return ids.map((id) => rows.filter((row) => row.paymentId === id));
    }),
  };
}
