// The integration-test harness of the shared runtime: the composition root on
// its own Postgres database (cloned from the migrated template by the
// package's vitest global setup), optionally real Redis, the in-process sandbox
// PSP, fixtures made through the core's commands, and the global ledger
// invariant. The API's test app (apps/api/src/testing/test-app.ts) adds its
// GraphQL client on top; the console's harness uses this one directly.

import { randomBytes } from "node:crypto";
import { parseLiveLimits } from "@paycore/core/onboarding/onboarding";
import type { RiskSignalThresholds } from "@paycore/core/onboarding/risk-signals";
import { DEFAULT_RESERVE_APPROVAL_ABOVE_MAJOR } from "@paycore/core/payouts/reserves";
import { generateKeyMaterial } from "@paycore/core/vault/card-vault";
import { DisputeRepository } from "@paycore/db/repositories/dispute.repository";
import { LedgerAuditRepository } from "@paycore/db/repositories/ledger-audit.repository";
import type { MerchantAccessPolicy } from "@paycore/db/repositories/merchant.repository";
import { createTestDatabase } from "@paycore/db/testing/test-database";
import { SandboxPsp } from "@paycore/psp-testkit/sandbox-psp";
import pino, { type Logger } from "pino";
import { expect, inject } from "vitest";
import type { BankRailsConfig } from "../payout-services";
import { createRuntime, type Runtime, type RuntimeConfig } from "../runtime";
import type { AppSecrets } from "../secrets";

export interface TestMerchant {
  id: string;
  secretKey: string;
  publishableKey: string;
  liveSecretKey: string;
  livePublishableKey: string;
}

export interface TestMerchantOptions {
  feeRateBps?: number;
  feeFixedMinor?: bigint;
  realRiskThresholds?: boolean;
  riskReviewThreshold?: number;
  riskDeclineThreshold?: number;
  accessPolicy?: Partial<MerchantAccessPolicy>;
  /**
   * Onboarding (issue 22): VERIFIED by default (details submitted and approved through the onboarding command), so
   * suites that take live payments or make live payouts are not held; PENDING_VERIFICATION leaves it as created.
   */
  onboarding?: "VERIFIED" | "PENDING_VERIFICATION";
}

/** Business details that pass onboarding's checks, for fixtures (invented). */
export const TEST_BUSINESS_DETAILS = {
  legalName: "Test Merchant GmbH",
  country: "DE",
  registrationNumber: "HRB 12345",
  representativeName: "Erika Beispiel",
  representativeBirthDate: "1980-04-30",
  website: "https://shop.example",
  expectedMonthlyVolume: { amount: "5000000", currency: "EUR" },
} as const;

/** Who test fixtures act as in the operator audit log. */
export const TEST_FIXTURE_ACTOR = { operatorId: null, name: "test:fixture" } as const;

export interface TestRuntimeOptions {
  redisUrl?: string | null;
  /** A Redis Cluster's seed nodes instead of redisUrl (startOwnRedisCluster in testing/redis-cluster.ts). */
  redisClusterNodes?: readonly string[] | null;
  idempotencyWaitMs?: number;
  /** How long an API key is served from memory (the product's 2 s by default; 0 turns the cache off). */
  apiKeyCacheTtlMs?: number;
  sandbox?: SandboxPsp;
  velocityFallback?: "postgres" | "review";
  reviewHoldTtlMs?: number;
  /** 3-D Secure: how long a challenge may take (tests of the expiry set it to 1 ms). */
  threeDSecureActionTtlMs?: number;
  /** Test mode through the sandbox PSP server instead of the in-process sandbox. */
  pspSandboxUrl?: string;
  pspTimeoutMs?: number;
  /** Overrides where the Adyen-style PSP is reached (e.g. a closed port, to show failover). */
  adyenUrl?: string;
  stripeWebhookSecret?: string;
  adyenHmacKeyHex?: string;
  /** Where the runtime logs; silent by default. */
  logger?: Logger;
  /** Key material instead of fresh random keys (a test of key rotation sets the vault's keys). */
  secrets?: Partial<AppSecrets>;
  /** Serve another runtime's database (it stays when this one closes) instead of a fresh clone. */
  databaseUrl?: string;
  /** Run the background workers as the entry points do; off by default (suites drive them by hand). */
  workers?: boolean;
  /** Bank transfers (issue 18): the bank's notification secret (POST /webhooks/bank answers 404 without one). */
  bankWebhookSecret?: string;
  /** Payouts (issue 18): the bank (the bank rails sandbox); none by default (payouts wait PENDING). */
  bankRails?: BankRailsConfig;
  /** Four eyes for reserves (issue 18): fixed reserves above this many major units; absent: the env default. */
  reserveApprovalAboveMajor?: bigint;
  /** Onboarding (issue 22): UNVERIFIED_LIVE_LIMITS' form, e.g. "USD:100000"; absent: the default. */
  unverifiedLiveLimits?: string;
  /** Risk signals (issue 22): thresholds; absent: the defaults. */
  riskSignals?: RiskSignalThresholds;
  /** The metrics' `process` label, as the console sets it ("console"); absent: "api". */
  metricsProcess?: string;
}

/** A test database: a fresh clone of the migrated template, or the one given (kept on drop). */
export async function openTestDatabase(
  databaseUrl: string | undefined,
): Promise<{ url: string; drop(): Promise<void> }> {
  return databaseUrl
    ? { url: databaseUrl, drop: async () => undefined }
    : await createTestDatabase(inject("adminDatabaseUrl"), inject("templateDatabase"));
}

/** The runtime's configuration for a test: fresh random secrets, small timeouts, the given sandbox. */
export function testRuntimeConfig(
  options: TestRuntimeOptions,
  databaseUrl: string,
  sandbox: SandboxPsp,
): RuntimeConfig {
  return {
    databaseUrl,
    databasePoolMax: 20,
    redisUrl: options.redisUrl ?? null,
    redisClusterNodes: options.redisClusterNodes ?? null,
    secrets: {
      vaultEncryptionKeys: `1:${generateKeyMaterial()}`,
      vaultFingerprintKey: randomBytes(32).toString("base64"),
      idempotencyHashSecret: randomBytes(32).toString("base64"),
      stripeWebhookSecret: options.stripeWebhookSecret ?? `whsec_${randomBytes(24).toString("hex")}`,
      adyenHmacKeyHex: options.adyenHmacKeyHex ?? randomBytes(32).toString("hex"),
      ...options.secrets,
    },
    pspSandboxUrl: options.pspSandboxUrl ?? null,
    pspSandboxOverrides: options.adyenUrl ? { adyen: options.adyenUrl } : {},
    pspTimeoutMs: options.pspTimeoutMs ?? 2_000,
    idempotencyRetentionHours: 24,
    idempotencyWaitMs: options.idempotencyWaitMs ?? 10_000,
    velocityFallback: options.velocityFallback ?? "postgres",
    reviewHoldTtlMs: options.reviewHoldTtlMs ?? 24 * 60 * 60 * 1000,
    ...(options.threeDSecureActionTtlMs === undefined
      ? {}
      : { threeDSecureActionTtlMs: options.threeDSecureActionTtlMs }),
    logger: options.logger ?? pino({ level: "silent" }),
    sandboxPsp: sandbox,
    workers: options.workers ?? false,
    ...(options.apiKeyCacheTtlMs === undefined ? {} : { apiKeyCacheTtlMs: options.apiKeyCacheTtlMs }),
    bankWebhookSecret: options.bankWebhookSecret ?? null,
    bankRails: options.bankRails ?? null,
    reserveApprovalAboveMajor: options.reserveApprovalAboveMajor ?? DEFAULT_RESERVE_APPROVAL_ABOVE_MAJOR,
    ...(options.riskSignals === undefined ? {} : { riskSignals: options.riskSignals }),
    ...(options.metricsProcess === undefined ? {} : { metricsProcess: options.metricsProcess }),
    ...(options.unverifiedLiveLimits === undefined
      ? {}
      : { unverifiedLiveLimits: parseLiveLimits(options.unverifiedLiveLimits) }),
  };
}

export interface RuntimeFixtures {
  /**
   * A merchant with test keys. Its risk thresholds are permissive (99/100) unless `realRiskThresholds`: suites
   * that reuse one test card many times would otherwise (rightly) trip the velocity rules.
   */
  createMerchant(options?: TestMerchantOptions): Promise<TestMerchant>;
  /** The global ledger invariant: Σ debits = Σ credits per currency, every entry balanced, payments agree with the ledger. */
  expectLedgerBalanced(): Promise<void>;
  countRows(table: string): Promise<number>;
}

/** Fixtures and invariant checks over a runtime's services and database. */
export function runtimeFixtures(runtime: Pick<Runtime, "services" | "db">): RuntimeFixtures {
  const audit = new LedgerAuditRepository(runtime.db);
  return {
    async createMerchant({ realRiskThresholds, accessPolicy, onboarding, ...settings } = {}) {
      // Through the core's command like any operator's merchant (audited, actor "test:fixture").
      const created = await runtime.services.merchantCommands.create(TEST_FIXTURE_ACTOR, {
        name: "Test merchant",
        modes: ["TEST", "LIVE"],
        settings: {
          ...(realRiskThresholds ? {} : { riskReviewThreshold: 99, riskDeclineThreshold: 100 }),
          ...settings,
        },
        ...(accessPolicy === undefined ? {} : { accessPolicy }),
      });
      if (onboarding !== "PENDING_VERIFICATION") {
        const fixture = { ...TEST_FIXTURE_ACTOR, source: "OPERATOR" } as const;
        await runtime.services.onboarding.submitDetails(fixture, created.merchant.id, {
          ...TEST_BUSINESS_DETAILS,
          expectedMonthlyVolume: { ...TEST_BUSINESS_DETAILS.expectedMonthlyVolume },
        });
        await runtime.services.onboarding.decide(
          TEST_FIXTURE_ACTOR,
          created.merchant.id,
          "APPROVE",
          "fixture",
        );
      }
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
    async expectLedgerBalanced() {
      for (const totals of await audit.totalsByCurrency()) {
        expect(totals.debitsMinor, `ledger ${totals.currency}: debits = credits`).toBe(totals.creditsMinor);
      }
      expect(await audit.unbalancedEntries()).toEqual([]);
      expect(await audit.paymentsDisagreeingWithLedger()).toEqual([]);
      expect(
        await new DisputeRepository(runtime.db).disagreeingWithLedger(),
        "disputes agree with the ledger",
      ).toEqual([]);
      // Bank transfers (issue 18): unapplied = received while waiting, owed = returns not yet sent.
      expect(
        await runtime.services.bankTransferStore.disagreeingWithLedger(),
        "bank transfers agree with the ledger",
      ).toEqual([]);
      // Payouts (issue 18): each payout's in-transit and paid-out postings match its status, and every pending
      // account holds exactly its unreleased funds.
      expect(
        await runtime.services.payoutReads.payoutsDisagreeingWithLedger(),
        "payouts agree with the ledger",
      ).toEqual([]);
      expect(
        await runtime.services.payoutReads.pendingDisagreeingWithReleases(),
        "pending balances agree with their releases",
      ).toEqual([]);
      // Reserves (issue 18): every reserved balance is its unreleased rolling holds plus its fixed reserve.
      expect(
        await runtime.services.payoutReads.reservedDisagreeingWithHolds(),
        "reserved balances agree with their holds",
      ).toEqual([]);
      // Multiple currencies (issue 18): every conversion's two fx_clearing legs are equal at its own rate.
      expect(
        await runtime.services.fxConversions.conversionsNotNettingOut(),
        "FX clearing nets out per conversion",
      ).toEqual([]);
    },
    async countRows(table) {
      if (!/^[a-z_]+$/.test(table)) throw new Error(`bad table name ${table}`);
      const rows = await runtime.db.$queryRawUnsafe<Array<{ count: bigint }>>(
        `SELECT count(*)::bigint AS count FROM "${table}"`,
      );
      return Number(rows[0]?.count ?? 0);
    },
  };
}

export interface TestRuntime extends RuntimeFixtures {
  app: Runtime;
  sandbox: SandboxPsp;
  databaseUrl: string;
  close(): Promise<void>;
}

/** The runtime alone (no HTTP transport), as the console and the CLI build it. */
export async function createTestRuntime(options: TestRuntimeOptions = {}): Promise<TestRuntime> {
  const database = await openTestDatabase(options.databaseUrl);
  const sandbox = options.sandbox ?? new SandboxPsp();
  const app = createRuntime(testRuntimeConfig(options, database.url, sandbox));
  return {
    app,
    sandbox,
    databaseUrl: database.url,
    ...runtimeFixtures(app),
    async close() {
      // Every response a change stored was written from its prediction, never rewritten after the fact.
      expect(app.services.paymentStore.mispredictedResponses, "responses stored as predicted").toBe(0);
      await app.close();
      await database.drop();
    },
  };
}

/** A fresh idempotency key. */
export function newKey(prefix = "key"): string {
  return `${prefix}-${randomBytes(12).toString("hex")}`;
}
