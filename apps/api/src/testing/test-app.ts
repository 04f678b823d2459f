// The integration-test harness: a real app on its own Postgres database (cloned
// from the migrated template), optionally real Redis, the in-process sandbox
// PSP, and a GraphQL client that calls `yoga.fetch` without opening a port.
import { randomBytes } from "node:crypto";
import { SandboxPsp } from "@paycore/core/psp/sandbox-psp";
import { generateKeyMaterial } from "@paycore/core/vault/card-vault";
import { DisputeRepository } from "@paycore/db/repositories/dispute.repository";
import { LedgerAuditRepository } from "@paycore/db/repositories/ledger-audit.repository";
import type { MerchantAccessPolicy } from "@paycore/db/repositories/merchant.repository";
import { createTestDatabase } from "@paycore/db/testing/test-database";
import pino, { type Logger } from "pino";
import { expect, inject } from "vitest";
import { type App, createApp } from "../app";
import type { RateLimitConfig } from "../plugins/use-rate-limit";
import type { AppSecrets } from "../secrets";
import { closeServer, listen } from "../server";
import { DEFAULT_GRAPHQL_SERVER_OPTIONS, type GraphQLServerOptions } from "../yoga";

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data: T | null;
  errors: Array<{ message: string; extensions?: Record<string, unknown>; path?: string[] }> | undefined;
  extensions: Record<string, unknown> | undefined;
  raw: string;
}

export interface TestMerchant {
  id: string;
  secretKey: string;
  publishableKey: string;
  liveSecretKey: string;
  livePublishableKey: string;
}

/** Who test fixtures act as in the operator audit log. */
export const TEST_FIXTURE_ACTOR = { operatorId: null, name: "test:fixture" } as const;

export interface TestApp {
  app: App;
  /** Set with `listen: true`: where the app serves HTTP (for webhooks from the sandbox PSP server). */
  url: string | null;
  sandbox: SandboxPsp;
  databaseUrl: string;
  gql<T = Record<string, unknown>>(
    key: string | null,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T>>;
  /**
   * A merchant with test keys. Its risk thresholds are permissive (99/100) unless `realRiskThresholds`: suites
   * that reuse one test card many times would otherwise (rightly) trip the velocity rules.
   */
  createMerchant(options?: {
    feeRateBps?: number;
    feeFixedMinor?: bigint;
    realRiskThresholds?: boolean;
    riskReviewThreshold?: number;
    riskDeclineThreshold?: number;
    accessPolicy?: Partial<MerchantAccessPolicy>;
  }): Promise<TestMerchant>;
  tokenize(publishableKey: string, number?: string): Promise<string>;
  /** The global ledger invariant: Σ debits = Σ credits per currency, every entry balanced, payments agree with the ledger. */
  expectLedgerBalanced(): Promise<void>;
  countRows(table: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Limits no suite reaches: every in-process request shares one client bucket, and suites fire hundreds of calls.
 * The rate-limit suite sets real ones.
 */
export const PERMISSIVE_RATE_LIMITS: RateLimitConfig = {
  ipPerSecond: 1_000_000,
  keyPerSecond: 1_000_000,
  tokenizePerMinute: 1_000_000,
  tokenizePerIpPerMinute: 1_000_000,
  concurrentQueries: 1_000,
  trustedProxies: [],
};

export async function createTestApp(
  options: {
    redisUrl?: string | null;
    idempotencyWaitMs?: number;
    sandbox?: SandboxPsp;
    velocityFallback?: "postgres" | "review";
    reviewHoldTtlMs?: number;
    /** Test mode through the sandbox PSP server instead of the in-process sandbox. */
    pspSandboxUrl?: string;
    pspTimeoutMs?: number;
    /** Overrides where the Adyen-style PSP is reached (e.g. a closed port, to show failover). */
    adyenUrl?: string;
    stripeWebhookSecret?: string;
    adyenHmacKeyHex?: string;
    /** Serve HTTP on a free loopback port, for callers that are not in this process. */
    listen?: boolean;
    /** Where the app logs; silent by default. */
    logger?: Logger;
    /** Key material instead of fresh random keys (a test of key rotation sets the vault's keys). */
    secrets?: Partial<AppSecrets>;
    /** Serve another app's database (it stays when this app closes) instead of a fresh clone. */
    databaseUrl?: string;
    /** Replaces some of the permissive test limits (suites fire many requests from one "client"). */
    rateLimits?: Partial<RateLimitConfig>;
    apiProcesses?: number;
    /** The GraphQL server's production defaults, deadline and response cap; development's by default. */
    graphql?: Partial<GraphQLServerOptions>;
    /** Run the background workers as the entry points do; off by default (suites drive them by hand). */
    workers?: boolean;
  } = {},
): Promise<TestApp> {
  const database = options.databaseUrl
    ? { url: options.databaseUrl, drop: async () => undefined }
    : await createTestDatabase(inject("adminDatabaseUrl"), inject("templateDatabase"));
  const sandbox = options.sandbox ?? new SandboxPsp();
  const app = createApp({
    databaseUrl: database.url,
    databasePoolMax: 20,
    redisUrl: options.redisUrl ?? null,
    secrets: {
      vaultEncryptionKeys: `1:${generateKeyMaterial()}`,
      vaultFingerprintKey: randomBytes(32).toString("base64"),
      idempotencyHashSecret: randomBytes(32).toString("base64"),
      stripeWebhookSecret: options.stripeWebhookSecret ?? `whsec_${randomBytes(24).toString("hex")}`,
      adyenHmacKeyHex: options.adyenHmacKeyHex ?? randomBytes(32).toString("hex"),
      ...options.secrets,
    },
    pspEndpoints: options.pspSandboxUrl
      ? { stripe: options.pspSandboxUrl, adyen: options.adyenUrl ?? `${options.pspSandboxUrl}/adyen` }
      : null,
    pspTimeoutMs: options.pspTimeoutMs ?? 2_000,
    idempotencyRetentionHours: 24,
    idempotencyWaitMs: options.idempotencyWaitMs ?? 10_000,
    velocityFallback: options.velocityFallback ?? "postgres",
    reviewHoldTtlMs: options.reviewHoldTtlMs ?? 24 * 60 * 60 * 1000,
    logger: options.logger ?? pino({ level: "silent" }),
    sandboxPsp: sandbox,
    rateLimits: { ...PERMISSIVE_RATE_LIMITS, ...options.rateLimits },
    ...(options.apiProcesses === undefined ? {} : { apiProcesses: options.apiProcesses }),
    graphql: { ...DEFAULT_GRAPHQL_SERVER_OPTIONS, ...options.graphql },
    workers: options.workers ?? false,
  });
  const audit = new LedgerAuditRepository(app.db);
  const server = options.listen ? await listen(app, 0, "127.0.0.1") : null;
  const address = server?.address();
  const url = address && typeof address === "object" ? `http://127.0.0.1:${address.port}` : null;

  const gql: TestApp["gql"] = async (key, query, variables) => {
    const response = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const raw = await response.text();
    const body = JSON.parse(raw);
    return {
      status: response.status,
      headers: response.headers,
      data: body.data ?? null,
      errors: body.errors,
      extensions: body.extensions,
      raw,
    };
  };

  return {
    app,
    url,
    sandbox,
    databaseUrl: database.url,
    gql,
    async createMerchant({ realRiskThresholds, accessPolicy, ...settings } = {}) {
      // Through the core's command like any operator's merchant (audited, actor "test:fixture").
      const created = await app.services.merchantCommands.create(TEST_FIXTURE_ACTOR, {
        name: "Test merchant",
        modes: ["TEST", "LIVE"],
        settings: {
          ...(realRiskThresholds ? {} : { riskReviewThreshold: 99, riskDeclineThreshold: 100 }),
          ...settings,
        },
        ...(accessPolicy === undefined ? {} : { accessPolicy }),
      });
      const key = (kind: string, mode: string) => {
        const found = created.keys.find((k) => k.kind === kind && k.mode === mode);
        if (!found) throw new Error(`no ${kind} ${mode} key`);
        return found.key;
      };
      return {
        id: created.merchant.id,
        secretKey: key("SECRET", "TEST"),
        publishableKey: key("PUBLISHABLE", "TEST"),
        liveSecretKey: key("SECRET", "LIVE"),
        livePublishableKey: key("PUBLISHABLE", "LIVE"),
      };
    },
    async tokenize(publishableKey, number = "4242424242424242") {
      const result = await gql<{ tokenizeCard: { paymentMethod: { id: string } | null; errors: unknown[] } }>(
        publishableKey,
        `mutation($input: TokenizeCardInput!) { tokenizeCard(input: $input) { paymentMethod { id } errors { code } } }`,
        {
          input: {
            idempotencyKey: `tok-${randomBytes(8).toString("hex")}`,
            card: { number, expMonth: 12, expYear: 2035, cvc: "123" },
          },
        },
      );
      const id = result.data?.tokenizeCard.paymentMethod?.id;
      if (!id) throw new Error(`tokenize failed: ${result.raw}`);
      return id;
    },
    async expectLedgerBalanced() {
      for (const totals of await audit.totalsByCurrency()) {
        expect(totals.debitsMinor, `ledger ${totals.currency}: debits = credits`).toBe(totals.creditsMinor);
      }
      expect(await audit.unbalancedEntries()).toEqual([]);
      expect(await audit.paymentsDisagreeingWithLedger()).toEqual([]);
      expect(
        await new DisputeRepository(app.db).disagreeingWithLedger(),
        "disputes agree with the ledger",
      ).toEqual([]);
    },
    async countRows(table) {
      if (!/^[a-z_]+$/.test(table)) throw new Error(`bad table name ${table}`);
      const rows = await app.db.$queryRawUnsafe<Array<{ count: bigint }>>(
        `SELECT count(*)::bigint AS count FROM "${table}"`,
      );
      return Number(rows[0]?.count ?? 0);
    },
    async close() {
      // Every response a change stored was written from its prediction, never rewritten after the fact.
      expect(app.services.paymentStore.mispredictedResponses, "responses stored as predicted").toBe(0);
      if (server) await closeServer(server);
      await app.close();
      await database.drop();
    },
  };
}

/** A fresh idempotency key. */
export function newKey(prefix = "key"): string {
  return `${prefix}-${randomBytes(12).toString("hex")}`;
}
