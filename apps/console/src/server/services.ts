// What the console's procedures use: the shared runtime (the same core commands
// and repositories the merchant API runs on, built by @paycore/platform's
// composition root, without the API's GraphQL server or background workers)
// plus the console's own repositories.
// One per server process, kept on globalThis so Next's module reloading in
// development does not open a new database pool per reload.
import { parseKeyring, type VaultKeyring } from "@paycore/core/vault/card-vault";
import { ChainRepository } from "@paycore/db/repositories/chain.repository";
import { ConsoleOverviewRepository } from "@paycore/db/repositories/console-overview.repository";
import { ConsoleQueryRepository } from "@paycore/db/repositories/console-query.repository";
import { OperatorRepository } from "@paycore/db/repositories/operator.repository";
import { PaymentSearchRepository } from "@paycore/db/repositories/payment-search.repository";
import { ReconciliationRepository } from "@paycore/db/repositories/reconciliation.repository";
import { createLogger } from "@paycore/platform/logger";
import {
  createReconItemCommands,
  DEFAULT_FOUR_EYES_ABOVE_MINOR,
} from "@paycore/platform/reconciliation/reconciliation-commands.factory";
import { createRuntime, type Runtime, runtimeConfigFromEnv } from "@paycore/platform/runtime";
import type { Logger } from "pino";
import { readConsoleEnv } from "../env";
import {
  DEFAULT_SIGN_IN_THROTTLE,
  type SignInThrottleSettings,
  signInThrottleFromEnv,
} from "./auth/sign-in-throttle";

export interface ConsoleSettings {
  sessionMs: number;
  /** A session unused for this long ends, whatever its absolute expiry. */
  idleMs: number;
  signInThrottle: SignInThrottleSettings;
  cookieSecure: "auto" | "always";
  /** Reconciliation adjustments above this (minor units) wait for a second operator's approval. */
  reconFourEyesAboveMinor: bigint;
}

export interface ConsoleServices {
  app: Runtime;
  /** The vault's keyring: operators' TOTP secrets are encrypted under a key derived from it. */
  totpKeyring: VaultKeyring;
  operators: OperatorRepository;
  consoleQueries: ConsoleQueryRepository;
  /** The payments list's search, counts and CSV export (trigram-indexed substring search). */
  paymentSearch: PaymentSearchRepository;
  overview: ConsoleOverviewRepository;
  /** The tamper-evidence hash chains (verify only: the API's sealing worker writes them). */
  chains: ChainRepository;
  /** Reconciliation: item actions and four-eyes approvals (the core's commands), and the read side. */
  recon: ReturnType<typeof createReconItemCommands> & { reads: ReconciliationRepository };
  settings: ConsoleSettings;
  logger: Logger;
  now(): Date;
}

export const DEFAULT_CONSOLE_SETTINGS: ConsoleSettings = {
  sessionMs: 12 * 60 * 60_000,
  idleMs: 30 * 60_000,
  signInThrottle: DEFAULT_SIGN_IN_THROTTLE,
  cookieSecure: "auto",
  reconFourEyesAboveMinor: DEFAULT_FOUR_EYES_ABOVE_MINOR,
};

export function createConsoleServices(
  app: Runtime,
  totpKeyring: VaultKeyring,
  logger: Logger,
  settings: ConsoleSettings = DEFAULT_CONSOLE_SETTINGS,
  now: () => Date = () => new Date(),
): ConsoleServices {
  return {
    app,
    totpKeyring,
    operators: new OperatorRepository(app.db),
    consoleQueries: new ConsoleQueryRepository(app.db, app.services.pii),
    paymentSearch: new PaymentSearchRepository(app.db, app.services.pii),
    overview: new ConsoleOverviewRepository(app.db),
    chains: new ChainRepository(app.sql),
    recon: {
      ...createReconItemCommands(app.sql, { now, fourEyesAboveMinor: settings.reconFourEyesAboveMinor }),
      reads: new ReconciliationRepository(app.sql),
    },
    settings,
    logger,
    now,
  };
}

const globalForServices = globalThis as unknown as { paycoreConsoleServices?: ConsoleServices };

export function getConsoleServices(): ConsoleServices {
  if (globalForServices.paycoreConsoleServices) return globalForServices.paycoreConsoleServices;
  const env = readConsoleEnv();
  // One log stream with the API's (npm start forwards this process's stdout): `app` tells the two apart.
  const logger = createLogger(env.api.LOG_LEVEL).child({ app: "console" });
  // No background workers here: the API processes run the outbox relay, the resolver, hold expiry and the
  // idempotency purge. The heartbeat runs: the console's refunds call PSPs, and the resolver must see that
  // this process is alive while they are in flight.
  const config = runtimeConfigFromEnv(env.api, env.DATABASE_URL, logger);
  const app = createRuntime({
    ...config,
    workers: false,
    idempotencyPurge: false,
    metricsProcess: "console",
  });
  const keyring = parseKeyring({
    encryptionKeys: config.secrets.vaultEncryptionKeys,
    fingerprintKey: config.secrets.vaultFingerprintKey,
  });
  const services = createConsoleServices(app, keyring, logger, {
    sessionMs: env.CONSOLE_SESSION_HOURS * 60 * 60_000,
    idleMs: env.CONSOLE_IDLE_MINUTES * 60_000,
    signInThrottle: signInThrottleFromEnv(env),
    cookieSecure: env.CONSOLE_COOKIE_SECURE,
    reconFourEyesAboveMinor: env.api.RECON_FOUR_EYES_ABOVE_MINOR,
  });
  globalForServices.paycoreConsoleServices = services;
  return services;
}
