// The integration-test harness: a real app on its own Postgres database (cloned
// from the migrated template), optionally real Redis, the in-process sandbox
// PSP, and a GraphQL client that calls `yoga.fetch` without opening a port.
import { randomBytes } from "node:crypto";
import {
  openTestDatabase,
  type RuntimeFixtures,
  runtimeFixtures,
  type TestRuntimeOptions,
  testRuntimeConfig,
} from "@paycore/platform/testing/test-runtime";
import { SandboxPsp } from "@paycore/psp-testkit/sandbox-psp";
import { expect } from "vitest";
import { type App, createApp } from "../app";
import type { RateLimitConfig } from "../plugins/use-rate-limit";
import { closeServer, listen } from "../server";
import { DEFAULT_GRAPHQL_SERVER_OPTIONS, type GraphQLServerOptions } from "../yoga";

export {
  newKey,
  TEST_FIXTURE_ACTOR,
  type TestMerchant,
} from "@paycore/platform/testing/test-runtime";

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data: T | null;
  errors: Array<{ message: string; extensions?: Record<string, unknown>; path?: string[] }> | undefined;
  extensions: Record<string, unknown> | undefined;
  raw: string;
}

export interface TestApp extends RuntimeFixtures {
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
  tokenize(publishableKey: string, number?: string): Promise<string>;
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
  options: TestRuntimeOptions & {
    /** Serve HTTP on a free loopback port, for callers that are not in this process. */
    listen?: boolean;
    /** Replaces some of the permissive test limits (suites fire many requests from one "client"). */
    rateLimits?: Partial<RateLimitConfig>;
    apiProcesses?: number;
    /** The GraphQL server's production defaults, deadline and response cap; development's by default. */
    graphql?: Partial<GraphQLServerOptions>;
    /** The bearer token GET /metrics asks for; none by default (loopback clients only). */
    metricsToken?: string;
  } = {},
): Promise<TestApp> {
  const database = await openTestDatabase(options.databaseUrl);
  const sandbox = options.sandbox ?? new SandboxPsp();
  const app = createApp({
    ...testRuntimeConfig(options, database.url, sandbox),
    rateLimits: { ...PERMISSIVE_RATE_LIMITS, ...options.rateLimits },
    ...(options.apiProcesses === undefined ? {} : { apiProcesses: options.apiProcesses }),
    graphql: { ...DEFAULT_GRAPHQL_SERVER_OPTIONS, ...options.graphql },
    metricsToken: options.metricsToken ?? null,
  });
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
    ...runtimeFixtures(app),
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
    async close() {
      // Every response a change stored was written from its prediction, never rewritten after the fact.
      expect(app.services.paymentStore.mispredictedResponses, "responses stored as predicted").toBe(0);
      if (server) await closeServer(server);
      await app.close();
      await database.drop();
    },
  };
}
