// The operator CLI's commands (`npm run cli -- merchant create --name "Acme"` prints the new merchant's id and
// keys as JSON). Uses DATABASE_URL, or the embedded Postgres that `npm start` keeps under DATA_DIR. Built per
// run over a CliIo (environment, output, exit code) so that `cli.ts` runs it as a process and the CLI suites
// run it in-process.

import { userInfo } from "node:os";
import type { ChainStream } from "@paycore/core/ledger/hash-chain";
import type { MerchantAccessPolicy, MerchantSettings } from "@paycore/core/merchants/merchant";
import { readMinorDigits } from "@paycore/core/money/money";
import { PASSWORD_LENGTH_MAX, PASSWORD_LENGTH_MIN } from "@paycore/core/operators/operator";
import type { OperatorCommands } from "@paycore/core/operators/operator-commands";
import type { Actor } from "@paycore/core/ports/audit";
import type { EncryptedSecretStore } from "@paycore/core/ports/encrypted-secret-store";
import type { PspAccountStore } from "@paycore/core/ports/psp-account-store";
import { RISK_LIST_KINDS, type RiskListKind, type RiskListName } from "@paycore/core/ports/risk-list-store";
import type { PspAccountCommands } from "@paycore/core/psp-accounts/psp-account-commands";
import type { CardBrand } from "@paycore/core/vault/card";
import { parseKeyring } from "@paycore/core/vault/card-vault";
import type { FundingType } from "@paycore/core/vault/funding-type";
import { ROTATION_BATCH_SIZE_MAX, rotateSecrets } from "@paycore/core/vault/key-rotation";
import { createDatabaseClient } from "@paycore/db/client";
import { ChainRepository } from "@paycore/db/repositories/chain.repository";
import { type PartitionInfo, PartitionRepository } from "@paycore/db/repositories/partition.repository";
import { RiskListRepository } from "@paycore/db/repositories/risk-data.repository";
import { RoutingRuleRepository } from "@paycore/db/repositories/routing-rule.repository";
import { WebhookRepository } from "@paycore/db/repositories/webhook.repository";
import { createPool, Sql } from "@paycore/db/sql";
import { LivePsps } from "@paycore/platform/adapters/live-psps";
import {
  type AdminCommands,
  createAdminCommands,
  createPspAccountCommands,
  encryptedSecretStores,
} from "@paycore/platform/admin-commands";
import { openDatabase } from "@paycore/platform/bootstrap";
import { formatChainReport, verifyChains } from "@paycore/platform/chain-verify";
import { pspSecretFromEnv, readEnv } from "@paycore/platform/env";
import { formatLedgerCheck } from "@paycore/platform/ledger-check";
import { createLogger } from "@paycore/platform/logger";
import { pspModule, pspNames } from "@paycore/platform/psps/registry";
import { loadSecrets } from "@paycore/platform/secrets";
import {
  createWorkbenchServices,
  type WorkbenchServices,
} from "@paycore/platform/workbench/workbench-services";
import { Command, InvalidArgumentError } from "commander";
import { type CliIo, errLine, outLine } from "./cli-io";
import { registerCustomerCommands } from "./customers/customer-cli";
import { registerFxCommands } from "./fx/fx-cli";
import { registerReconCommands } from "./reconciliation/recon-cli";
import { registerSanctionsCommands } from "./sanctions/sanctions-cli";
import { replayDeadLetter } from "./webhooks/replay";

function integerIn(min: number, max: number) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    }
    return Number(value);
  };
}

/** A whole number; its range is the core command's to check (one rule for every caller). */
function wholeNumber(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError("must be a whole number");
  return Number(value);
}

/** A merchant's own limit, or `default` to follow the API's configuration again. */
function limitOrDefault(value: string): number | "default" {
  // Not null for `default`: commander turns a parser's null into an empty string.
  return value === "default" ? "default" : wholeNumber(value);
}

/** A comma-separated list of browser origins (`none` for an empty list); the core checks and canonicalises them. */
function originList(value: string): string[] {
  if (value.trim() === "none") return [];
  return value.split(",").filter((entry) => entry.trim().length > 0);
}

interface AccessPolicyOptions {
  rateLimitKeyPerSecond?: number | "default";
  rateLimitTokenizePerMinute?: number | "default";
  concurrentQueriesMax?: number | "default";
  allowedOrigins?: string[];
}

/** The access-policy options both `merchant create` and `merchant update` take. */
function withAccessPolicyOptions(command: Command): Command {
  return command
    .option(
      "--rate-limit-key-per-second <n|default>",
      "requests per second per secret key (default: RATE_LIMIT_KEY_PER_SECOND)",
      limitOrDefault,
    )
    .option(
      "--rate-limit-tokenize-per-minute <n|default>",
      "tokenizeCard calls per minute per publishable key (default: RATE_LIMIT_TOKENIZE_PER_MINUTE)",
      limitOrDefault,
    )
    .option(
      "--concurrent-queries-max <n|default>",
      "payment list and balance queries in flight per key and API process (default: RATE_LIMIT_CONCURRENT_QUERIES)",
      limitOrDefault,
    )
    .option(
      "--allowed-origins <origins|none>",
      "comma-separated browser origins (https://shop.example) its publishable keys may be used from",
      originList,
    );
}

function accessPolicyChanges(options: AccessPolicyOptions): Partial<MerchantAccessPolicy> {
  const limit = (value: number | "default") => (value === "default" ? null : value);
  const changes: Partial<MerchantAccessPolicy> = {};
  if (options.rateLimitKeyPerSecond !== undefined)
    changes.rateLimitKeyPerSecond = limit(options.rateLimitKeyPerSecond);
  if (options.rateLimitTokenizePerMinute !== undefined)
    changes.rateLimitTokenizePerMinute = limit(options.rateLimitTokenizePerMinute);
  if (options.concurrentQueriesMax !== undefined)
    changes.concurrentQueriesMax = limit(options.concurrentQueriesMax);
  if (options.allowedOrigins !== undefined) changes.allowedOrigins = options.allowedOrigins;
  return changes;
}

interface SettingsOptions {
  feeRateBps?: number;
  feeFixedMinor?: string;
  riskReviewThreshold?: number;
  riskDeclineThreshold?: number;
}

/** The fee and risk options both `merchant create` and `merchant update` take. */
function withSettingsOptions(command: Command): Command {
  return command
    .option("--fee-rate-bps <bps>", "percentage fee in basis points (290 = 2.9%)", wholeNumber)
    .option("--fee-fixed-minor <units>", "fixed fee in minor units")
    .option(
      "--risk-review-threshold <score>",
      "risk score that holds a payment for review (default 40)",
      wholeNumber,
    )
    .option(
      "--risk-decline-threshold <score>",
      "risk score that declines a payment (default 75)",
      wholeNumber,
    );
}

function settingsChanges(options: SettingsOptions): Partial<MerchantSettings> {
  const changes: Partial<MerchantSettings> = {};
  if (options.feeRateBps !== undefined) changes.feeRateBps = options.feeRateBps;
  if (options.feeFixedMinor !== undefined) {
    const fee = readMinorDigits(options.feeFixedMinor);
    if (!fee.ok) throw new InvalidArgumentError("--fee-fixed-minor is a whole number of minor units");
    changes.feeFixedMinor = fee.amountMinor;
  }
  if (options.riskReviewThreshold !== undefined) changes.riskReviewThreshold = options.riskReviewThreshold;
  if (options.riskDeclineThreshold !== undefined) changes.riskDeclineThreshold = options.riskDeclineThreshold;
  return changes;
}

/** Who the CLI acts as in the operator audit log: the OS user (it has no signed-in operator). */
function cliActor(): Actor {
  return { operatorId: null, name: `cli:${userInfo().username}` };
}

const toJson = (value: unknown) =>
  JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);

/** Commander ended the run itself (a usage error, --help) after printing why. */
class CommanderExit extends Error {
  constructor(readonly exitCode: number) {
    super(`commander exited with ${exitCode}`);
  }
}

/** The CLI's commands, reading and writing through `io` only. */
export function createCliProgram(io: CliIo): Command {
  /** The core's write commands over this command's database, and the CLI's actor. */
  function withCommands<T>(work: (context: AdminCommands & { actor: Actor }) => Promise<T>): Promise<T> {
    return withDatabase((db) => work({ ...createAdminCommands(db), actor: cliActor() }));
  }

  const out = (line: string) => outLine(io, line);
  const err = (line: string) => errLine(io, line);
  // Set before any subcommand is added: subcommands copy these settings when created.
  const program = new Command("paycore")
    .description("paycore operator CLI")
    .configureOutput({ writeOut: io.writeOut, writeErr: io.writeErr })
    .exitOverride((error) => {
      throw new CommanderExit(error.exitCode);
    });
  const merchant = program.command("merchant").description("manage merchants");

  withSettingsOptions(
    withAccessPolicyOptions(
      merchant
        .command("create")
        .description("create a merchant with test-mode keys (and live-mode keys with --live)"),
    ),
  )
    .requiredOption("--name <name>", "the merchant's name")
    .option("--live", "also issue live-mode keys", false)
    .action(async (options: AccessPolicyOptions & SettingsOptions & { name: string; live: boolean }) => {
      const created = await withCommands(({ merchantCommands, actor }) =>
        merchantCommands.create(actor, {
          name: options.name,
          modes: options.live ? ["TEST", "LIVE"] : ["TEST"],
          settings: settingsChanges(options),
          accessPolicy: accessPolicyChanges(options),
        }),
      );
      const key = (kind: string, mode: string) =>
        created.keys.find((k) => k.kind === kind && k.mode === mode)?.key;
      const output: Record<string, string | undefined> = {
        merchantId: created.merchant.id,
        name: created.merchant.name,
        testSecretKey: key("SECRET", "TEST"),
        testPublishableKey: key("PUBLISHABLE", "TEST"),
      };
      if (options.live) {
        output.liveSecretKey = key("SECRET", "LIVE");
        output.livePublishableKey = key("PUBLISHABLE", "LIVE");
      }
      out(JSON.stringify(output, null, 2));
    });

  withSettingsOptions(
    withAccessPolicyOptions(
      merchant
        .command("update")
        .description(
          "change a merchant's fees, risk thresholds, rate limits and allowed origins (API processes see it within 30 s)",
        )
        .requiredOption("--merchant <merchantId>", "the merchant"),
    ),
  ).action(async (options: AccessPolicyOptions & SettingsOptions & { merchant: string }) => {
    const changes = { ...settingsChanges(options), ...accessPolicyChanges(options) };
    if (Object.keys(changes).length === 0) {
      err("nothing to change: give at least one option");
      io.setExitCode(1);
      return;
    }
    const updated = await withCommands(({ merchantCommands, actor }) =>
      merchantCommands.updateSettings(actor, options.merchant, changes),
    );
    if (updated === null) {
      err(`no merchant ${options.merchant}`);
      io.setExitCode(1);
      return;
    }
    const { merchant: record, accessPolicy } = updated;
    const { feeRateBps, feeFixedMinor, riskReviewThreshold, riskDeclineThreshold } = record;
    out(
      toJson({
        merchantId: record.id,
        feeRateBps,
        feeFixedMinor,
        riskReviewThreshold,
        riskDeclineThreshold,
        ...accessPolicy,
      }),
    );
  });

  /** Opens the database for one command and closes it after, whatever happens. */
  async function withDatabase<T>(
    work: (db: ReturnType<typeof createDatabaseClient>) => Promise<T>,
  ): Promise<T> {
    const database = await openDatabase(readEnv(io.env), (message) => err(message));
    const db = createDatabaseClient({ url: database.url, poolMax: 2 });
    try {
      return await work(db);
    } finally {
      await db.$disconnect();
      await database.stop();
    }
  }

  const operator = program
    .command("operator")
    .description("manage console operators, and operators' API keys (fraud reviews through the API)");

  operator
    .command("create")
    .description("create a console operator; without --password one is generated and shown once")
    .requiredOption("--email <email>", "their sign-in email")
    .option("--role <role>", "VIEWER (read), OPERATOR (refunds, reviews) or ADMIN", "OPERATOR")
    .option(
      "--password <password>",
      `${PASSWORD_LENGTH_MIN} to ${PASSWORD_LENGTH_MAX} characters (prefer the generated one: shell history keeps this)`,
    )
    .action(async (options: { email: string; role: string; password?: string }) => {
      const created = await withCommands(({ operatorCommands, actor }) =>
        operatorCommands.create(actor, {
          email: options.email,
          role: options.role,
          password: options.password ?? null,
        }),
      );
      out(
        JSON.stringify(
          {
            operatorId: created.operator.id,
            email: created.operator.email,
            role: created.operator.role,
            ...(created.generated ? { password: created.password } : {}),
          },
          null,
          2,
        ),
      );
    });

  operator
    .command("list")
    .description("console operators: role, status, last sign-in, and any sign-in block on their email")
    .action(async () => {
      const operators = await withCommands(({ operatorCommands }) => operatorCommands.list());
      out(JSON.stringify(operators, null, 2));
    });

  for (const [name, disabled] of [
    ["disable", true],
    ["enable", false],
  ] as const) {
    operator
      .command(name)
      .description(
        disabled
          ? "disable a console operator and end their sessions (never the last enabled admin)"
          : "enable a disabled console operator",
      )
      .argument("<operatorId>", "opr_…")
      .action(async (operatorId: string) => {
        const changed = await withCommands(({ operatorCommands, actor }) =>
          operatorCommands.setDisabled(actor, operatorId, disabled),
        );
        out(JSON.stringify(changed, null, 2));
      });
  }

  operator
    .command("set-role")
    .description("change a console operator's role (never demotes the last enabled admin)")
    .argument("<operatorId>", "opr_…")
    .requiredOption("--role <role>", "VIEWER, OPERATOR or ADMIN")
    .action(async (operatorId: string, options: { role: string }) => {
      const changed = await withCommands(({ operatorCommands, actor }) =>
        operatorCommands.changeRole(actor, operatorId, options.role),
      );
      out(JSON.stringify(changed, null, 2));
    });

  operator
    .command("reset-password")
    .description(
      "set a new password (generated and shown once without --password) and end the operator's sessions",
    )
    .argument("<operatorId>", "opr_…")
    .option("--password <password>", `${PASSWORD_LENGTH_MIN} to ${PASSWORD_LENGTH_MAX} characters`)
    .action(async (operatorId: string, options: { password?: string }) => {
      const issued = await withCommands(({ operatorCommands, actor }) =>
        operatorCommands.resetPassword(actor, operatorId, options.password ?? null),
      );
      out(
        JSON.stringify({ operatorId, ...(issued.generated ? { password: issued.password } : {}) }, null, 2),
      );
    });

  operator
    .command("unlock")
    .description("lift the console's sign-in throttle on an operator's email, from every address")
    .argument("<operatorId>", "opr_…")
    .action(async (operatorId: string) => {
      const { cleared } = await withCommands(({ operatorCommands, actor }) =>
        operatorCommands.unlock(actor, operatorId),
      );
      out(JSON.stringify({ operatorId, cleared }, null, 2));
    });

  operator
    .command("create-key")
    .description("issue an operator key (op_…); the key is shown once")
    .requiredOption("--name <name>", "who holds it; named in the audit trail")
    .action(async (options: { name: string }) => {
      const created = await withCommands(({ operatorKeyCommands, actor }) =>
        operatorKeyCommands.create(actor, options.name),
      );
      out(JSON.stringify({ operatorKeyId: created.id, name: created.name, key: created.key }, null, 2));
    });

  operator
    .command("revoke-key <id>")
    .description("revoke an operator key")
    .action(async (id: string) => {
      const revoked = await withCommands(({ operatorKeyCommands, actor }) =>
        operatorKeyCommands.revoke(actor, id),
      );
      if (!revoked) throw new Error(`no active operator key ${id}`);
      out(JSON.stringify({ revoked: id }));
    });

  const riskList = program.command("risk-list").description("maintain the fraud deny and allow lists");

  riskList
    .command("add")
    .description("add a value to the deny or allow list, for one merchant or (without --merchant) for all")
    .requiredOption("--list <list>", "DENY or ALLOW")
    .requiredOption("--kind <kind>", RISK_LIST_KINDS.join(", "))
    .requiredOption("--value <value>", "the card fingerprint, e-mail, IP address or BIN")
    .option("--merchant <merchantId>", "limit the entry to one merchant")
    .option("--note <note>", "why")
    .option(
      "--by <operator>",
      "no longer used: entries are created by cli:<OS user> (accepted for old scripts)",
    )
    .action(
      async (options: {
        list: string;
        kind: string;
        value: string;
        merchant?: string;
        note?: string;
        by?: string;
      }) => {
        if (options.by !== undefined) err(`--by is no longer used: the entry is made by ${cliActor().name}`);
        const entry = await withCommands(({ riskListCommands, actor }) =>
          riskListCommands.add(actor, {
            list: options.list.toUpperCase() as RiskListName,
            kind: options.kind.toUpperCase() as RiskListKind,
            value: options.value,
            merchantId: options.merchant ?? null,
            note: options.note ?? null,
          }),
        );
        out(JSON.stringify(entry, null, 2));
      },
    );

  riskList
    .command("remove <id>")
    .description("remove a list entry")
    .action(async (id: string) => {
      const removed = await withCommands(({ riskListCommands, actor }) => riskListCommands.remove(actor, id));
      if (!removed) throw new Error(`no list entry ${id}`);
      out(JSON.stringify({ removed: id }));
    });

  riskList
    .command("show")
    .description("print the list entries, newest first")
    .option("--list <list>", "DENY or ALLOW")
    .action(async (options: { list?: string }) => {
      const list = options.list?.toUpperCase();
      if (list !== undefined && list !== "DENY" && list !== "ALLOW") {
        throw new InvalidArgumentError("--list must be DENY or ALLOW");
      }
      const entries = await withDatabase((db) =>
        new RiskListRepository(db).listEntries(list ? { list } : {}),
      );
      out(JSON.stringify(entries, null, 2));
    });

  const routing = program
    .command("routing")
    .description("PSP routing rules (merchant rules run before global ones)");

  routing
    .command("add")
    .description("add a rule: payments it matches try these PSPs in this order")
    .requiredOption("--psp <names>", "comma-separated PSP names in order, e.g. stripe,adyen")
    .option("--merchant <merchantId>", "a merchant's rule (default: global)")
    .option("--priority <n>", "lower runs first", wholeNumber, 100)
    .option("--currency <codes>", "comma-separated ISO 4217 codes")
    .option("--brand <brands>", "comma-separated card brands (visa, mastercard, amex, …)")
    .option("--country <codes>", "comma-separated card countries (ISO 3166 alpha-2)")
    .option("--funding <types>", "comma-separated card funding types (credit, debit, prepaid)")
    .option("--min-amount <minor>", "smallest amount in minor units")
    .option("--max-amount <minor>", "largest amount in minor units")
    .action(
      async (options: {
        psp: string;
        merchant?: string;
        priority: number;
        currency?: string;
        brand?: string;
        country?: string;
        funding?: string;
        minAmount?: string;
        maxAmount?: string;
      }) => {
        const list = (value?: string) =>
          value
            ?.split(",")
            .map((v) => v.trim())
            .filter(Boolean);
        const amount = (value?: string) => {
          if (value === undefined) return undefined;
          const reading = readMinorDigits(value);
          if (!reading.ok) throw new InvalidArgumentError("amounts are whole numbers of minor units");
          return reading.amountMinor;
        };
        const currencies = list(options.currency);
        const brands = list(options.brand);
        const countries = list(options.country);
        // Checked by the core's rule validation (parseFundingType), like the brands.
        const fundingTypes = list(options.funding) as FundingType[] | undefined;
        const amountMinMinor = amount(options.minAmount);
        const amountMaxMinor = amount(options.maxAmount);
        const rule = await withCommands(({ routingRuleCommands, actor }) =>
          routingRuleCommands.add(actor, {
            merchantId: options.merchant ?? null,
            priority: options.priority,
            pspNames: list(options.psp) ?? [],
            match: {
              ...(currencies ? { currencies } : {}),
              ...(brands ? { brands: brands as CardBrand[] } : {}),
              ...(countries ? { countries } : {}),
              ...(fundingTypes ? { fundingTypes } : {}),
              ...(amountMinMinor !== undefined ? { amountMinMinor } : {}),
              ...(amountMaxMinor !== undefined ? { amountMaxMinor } : {}),
            },
          }),
        );
        out(toJson(rule));
      },
    );

  routing
    .command("remove <ruleId>")
    .description("remove a rule")
    .action(async (ruleId: string) => {
      const removed = await withCommands(({ routingRuleCommands, actor }) =>
        routingRuleCommands.remove(actor, ruleId),
      );
      if (!removed) throw new Error(`no routing rule ${ruleId}`);
      out(JSON.stringify({ removed: ruleId }));
    });

  routing
    .command("prefer")
    .description("whether a merchant's payments try the PSP with the better recent authorization rate first")
    .requiredOption("--merchant <merchantId>", "the merchant")
    .requiredOption(
      "--authorization-rate <on|off>",
      "on: prefer the better authorization rate; off: rule order",
    )
    .action(async (options: { merchant: string; authorizationRate: string }) => {
      const setting = options.authorizationRate.toLowerCase();
      if (setting !== "on" && setting !== "off")
        throw new InvalidArgumentError("--authorization-rate is on or off");
      const changed = await withCommands(({ routingRuleCommands, actor }) =>
        routingRuleCommands.setPreference(actor, options.merchant, setting === "on"),
      );
      if (!changed) throw new Error(`no merchant ${options.merchant}`);
      out(JSON.stringify({ merchantId: options.merchant, routeByAuthorizationRate: setting === "on" }));
    });

  routing
    .command("show")
    .description("print the rules that apply to a merchant (its own, then global)")
    .requiredOption("--merchant <merchantId>", "the merchant")
    .action(async (options: { merchant: string }) => {
      const rules = await withDatabase((db) => new RoutingRuleRepository(db).rulesFor(options.merchant));
      out(JSON.stringify(rules, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
    });

  const deadLetters = program.command("dead-letters").description("PSP events that could not be applied");

  deadLetters
    .command("show")
    .description("print the newest dead letters with their reasons")
    .action(async () => {
      const letters = await withDatabase((db) => new WebhookRepository(db).deadLetters(100));
      out(JSON.stringify(letters, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
    });

  deadLetters
    .command("replay <id>")
    .description("apply a dead-lettered event again (after fixing its cause)")
    .action(async (id: string) => {
      if (!/^\d+$/.test(id)) throw new InvalidArgumentError("the id is a number");
      const env = readEnv(io.env);
      const database = await openDatabase(env, (message) => err(message));
      const { runtimeConfigFromEnv, createRuntime } = await import("@paycore/platform/runtime");
      const app = createRuntime({
        ...runtimeConfigFromEnv(env, database.url, createLogger("warn")),
        workers: false,
      });
      try {
        const result = await replayDeadLetter(app.services, BigInt(id), cliActor());
        out(JSON.stringify(result, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
      } finally {
        await app.close();
        await database.stop();
      }
    });

  deadLetters
    .command("dismiss <id>")
    .description("close a dead letter that needs no replay, with a note (audited)")
    .requiredOption("--note <text>", "why it needs no replay")
    .action(async (id: string, options: { note: string }) => {
      const result = await withWorkbench(({ workbench }) =>
        workbench.deadLetters.dismiss(cliActor(), { id, note: options.note }),
      );
      out(JSON.stringify(result, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
    });

  /** The workbench's services (issue 17) over this command's database. */
  async function withWorkbench<T>(
    work: (context: { workbench: WorkbenchServices }) => Promise<T>,
  ): Promise<T> {
    const database = await openDatabase(readEnv(io.env), (message) => err(message));
    const pool = createPool({ url: database.url, max: 2 });
    const db = createDatabaseClient({ pool });
    try {
      return await work({ workbench: createWorkbenchServices(db, new Sql(pool)) });
    } finally {
      await db.$disconnect();
      await pool.end();
      await database.stop();
    }
  }

  const pspAccount = program
    .command("psp-account")
    .description(
      "live PSP credentials (stored encrypted); secrets are read from environment variables, never from arguments",
    );

  pspAccount
    .command("add")
    .description("configure a PSP account; the secrets come from $PSP_API_KEY and $PSP_WEBHOOK_SECRET")
    .requiredOption("--psp <name>", "a registered PSP's name (stripe, adyen, …)")
    .requiredOption("--endpoint <url>", "the PSP's API base URL (https; http only to a loopback host)")
    .option("--merchant-account <name>", "Adyen's merchant account")
    .option("--mode <mode>", "LIVE (TEST reaches the sandbox and needs no account)", "LIVE")
    .action(async (options: { psp: string; endpoint: string; merchantAccount?: string; mode: string }) => {
      const account = await withPspAccounts(({ commands, actor }) =>
        commands.create(actor, {
          psp: options.psp,
          mode: options.mode.toUpperCase() as "LIVE" | "TEST",
          endpoint: options.endpoint,
          merchantAccount: options.merchantAccount ?? null,
          apiKey: secretFromEnv("PSP_API_KEY"),
          webhookSecret: secretFromEnv("PSP_WEBHOOK_SECRET"),
        }),
      );
      out(JSON.stringify(account, null, 2));
    });

  pspAccount
    .command("list")
    .description("the accounts, with each current secret's last four characters and the last check")
    .action(async () => {
      out(JSON.stringify(await withPspAccounts(({ commands }) => commands.list()), null, 2));
    });

  pspAccount
    .command("rotate-secret <accountId>")
    .description(
      "replace the API key ($PSP_API_KEY) or webhook secret ($PSP_WEBHOOK_SECRET); the old one stays valid for --overlap-hours",
    )
    .requiredOption("--kind <kind>", "API_KEY or WEBHOOK_SECRET")
    .option(
      "--overlap-hours <hours>",
      "how long the replaced secret stays valid (default 24)",
      integerIn(0, 720),
      24,
    )
    .action(async (accountId: string, options: { kind: string; overlapHours: number }) => {
      const kind = options.kind.toUpperCase();
      if (kind !== "API_KEY" && kind !== "WEBHOOK_SECRET")
        throw new InvalidArgumentError("--kind must be API_KEY or WEBHOOK_SECRET");
      const secret = secretFromEnv(kind === "API_KEY" ? "PSP_API_KEY" : "PSP_WEBHOOK_SECRET");
      const account = await withPspAccounts(({ commands, actor }) =>
        commands.rotateSecret(actor, accountId, kind, secret, options.overlapHours * 60 * 60 * 1000),
      );
      out(JSON.stringify(account, null, 2));
    });

  for (const [name, enabled] of [
    ["disable", false],
    ["enable", true],
  ] as const) {
    pspAccount
      .command(`${name} <accountId>`)
      .description(
        enabled ? "route live payments to this account again" : "stop routing live payments to this account",
      )
      .action(async (accountId: string) => {
        const account = await withPspAccounts(({ commands, actor }) =>
          commands.setEnabled(actor, accountId, enabled),
        );
        out(JSON.stringify(account, null, 2));
      });
  }

  pspAccount
    .command("test <psp>")
    .description(
      "ask the PSP whether the active live account's credentials work (changes nothing at the PSP)",
    )
    .action(async (psp: string) => {
      const module = pspModule(psp);
      if (module === null) throw new InvalidArgumentError(`the PSP is one of ${pspNames().join(", ")}`);
      const check = await withPspAccounts(({ commands, checks }) =>
        new LivePsps({
          accounts: commands,
          checks,
          timeoutMs: 10_000,
          log: createLogger("warn"),
        }).checkConnection(module.id),
      );
      out(JSON.stringify(check, null, 2));
      if (!check.ok) io.setExitCode(1);
    });

  function secretFromEnv(name: "PSP_API_KEY" | "PSP_WEBHOOK_SECRET"): string {
    const value = pspSecretFromEnv(name, io.env);
    if (!value)
      throw new InvalidArgumentError(`set $${name} (kept out of arguments, which shell history keeps)`);
    return value;
  }

  async function withPspAccounts<T>(
    work: (context: {
      commands: PspAccountCommands;
      checks: Pick<PspAccountStore, "recordCheck">;
      actor: Actor;
    }) => Promise<T>,
  ): Promise<T> {
    const env = readEnv(io.env);
    const secrets = loadSecrets(env);
    const vault = parseKeyring({
      encryptionKeys: secrets.vaultEncryptionKeys,
      fingerprintKey: secrets.vaultFingerprintKey,
    });
    return withDatabase(async (db) => {
      const { pspAccounts, pspAccountChecks } = createPspAccountCommands(db, vault);
      return work({ commands: pspAccounts, checks: pspAccountChecks, actor: cliActor() });
    });
  }

  const vault = program
    .command("vault")
    .description("the card vault's encryption keys: rotate stored secrets to the newest key");

  vault
    .command("status")
    .description("stored secrets per key version, and which versions the configured keyring lacks")
    .action(async () => {
      const report = await withVaultStores(async ({ keyring, stores }) => {
        const result: Record<string, Record<string, number>> = {};
        for (const store of stores)
          result[store.name] = Object.fromEntries(
            [...(await store.countByKeyVersion())].map(([version, count]) => [`v${version}`, count]),
          );
        return {
          currentVersion: keyring.currentVersion,
          configuredVersions: [...keyring.keys.keys()],
          stores: result,
        };
      });
      out(JSON.stringify(report, null, 2));
    });

  vault
    .command("rotate")
    .description(
      "re-encrypt every stored secret under the newest key version, in batches; safe to interrupt and run again",
    )
    .option("--batch-size <rows>", "rows per batch (default 500)", integerIn(1, ROTATION_BATCH_SIZE_MAX), 500)
    .option(
      "--max-batches <n>",
      "stop after this many batches per store (default: until done)",
      integerIn(1, 1e9),
    )
    .action(async (options: { batchSize: number; maxBatches?: number }) => {
      const results = await withVaultStores(async ({ keyring, stores, operatorCommands }) => {
        const rotation = await rotateSecrets(keyring, stores, {
          batchSize: options.batchSize,
          ...(options.maxBatches === undefined ? {} : { batchesMax: options.maxBatches }),
          onBatch: (progress) => err(JSON.stringify({ progress })),
        });
        // Who ran it and what it did, in the operator audit log (the CLI has no signed-in operator).
        await operatorCommands.recordEvent({
          operatorId: null,
          action: "vault.rotate",
          targetType: "vault",
          targetId: `v${keyring.currentVersion}`,
          after: {
            actor: cliActor().name,
            currentVersion: keyring.currentVersion,
            ...Object.fromEntries(
              rotation.map((r) => [r.store, `${r.rotated} rotated, ${r.skipped} skipped`]),
            ),
          },
        });
        return rotation;
      });
      out(JSON.stringify({ stores: results }, null, 2));
      // Not done (a batch budget, or rows changed underneath): say so in the exit code, so a script loops.
      if (results.some((r) => !r.complete)) io.setExitCode(3);
    });

  /** The keyring from the configuration and every store of encrypted secrets, for one command. */
  async function withVaultStores<T>(
    work: (context: {
      keyring: ReturnType<typeof parseKeyring>;
      stores: EncryptedSecretStore[];
      operatorCommands: OperatorCommands;
    }) => Promise<T>,
  ): Promise<T> {
    const env = readEnv(io.env);
    const secrets = loadSecrets(env);
    const keyring = parseKeyring({
      encryptionKeys: secrets.vaultEncryptionKeys,
      fingerprintKey: secrets.vaultFingerprintKey,
    });
    const database = await openDatabase(env, (message) => err(message));
    const pool = createPool({ url: database.url, max: 2 });
    const db = createDatabaseClient({ pool });
    try {
      return await work({
        keyring,
        stores: encryptedSecretStores(new Sql(pool)),
        operatorCommands: createAdminCommands(db).operatorCommands,
      });
    } finally {
      await db.$disconnect();
      await pool.end();
      await database.stop();
    }
  }

  // Tamper evidence: recompute the hash chains (see docs/operations.md, "Tamper evidence").
  async function verifyChainsCommand(streams: readonly ChainStream[], options: { json: boolean }) {
    const database = await openDatabase(readEnv(io.env), (message) => err(message));
    const pool = createPool({ url: database.url, max: 2 });
    try {
      const reports = await verifyChains(new ChainRepository(new Sql(pool)), streams);
      for (const report of reports) out(options.json ? JSON.stringify(report) : formatChainReport(report));
      if (reports.some((report) => !report.ok)) io.setExitCode(1);
    } finally {
      await pool.end();
      await database.stop();
    }
  }

  const ledger = program.command("ledger").description("the double-entry ledger");

  // Time partitions (issue 21): what the partition worker maintains.
  program
    .command("partitions")
    .description("the time-partitioned tables (docs/operations.md, Time partitions)")
    .command("status")
    .description(
      "every partition with its range, size and estimated rows; exit 1 when a default partition has rows",
    )
    .option("--json", "one JSON object per partition", false)
    .action(async (options: { json: boolean }) => {
      const database = await openDatabase(readEnv(io.env), (message) => err(message));
      const pool = createPool({ url: database.url, max: 2 });
      try {
        const repository = new PartitionRepository(new Sql(pool));
        const [list, inDefault] = [await repository.list(), await repository.defaultRows()];
        for (const row of list)
          out(
            options.json
              ? JSON.stringify(row, (_key, value) => (typeof value === "bigint" ? value.toString() : value))
              : formatPartition(row),
          );
        for (const [table, rows] of inDefault) {
          if (rows === 0) continue;
          err(`${table}: ${rows > 1000 ? "over 1000" : rows} rows in the default partition`);
          io.setExitCode(1);
        }
      } finally {
        await pool.end();
        await database.stop();
      }
    });

  function formatPartition(row: PartitionInfo): string {
    const bound = (at: Date | null, none: string) => (at === null ? none : at.toISOString().slice(0, 10));
    const range = row.isDefault
      ? "DEFAULT"
      : `${bound(row.lowerBound, "MINVALUE")} .. ${bound(row.upperBound, "MAXVALUE")}`;
    const megabytes = (Number(row.bytes) / (1024 * 1024)).toFixed(1);
    const rows = row.rowsEstimate < 0 ? "not analyzed" : `~${Math.round(row.rowsEstimate)} rows`;
    return `${row.partition.padEnd(44)} ${range.padEnd(24)} ${megabytes.padStart(9)} MB  ${rows}`;
  }

  ledger
    .command("verify")
    .description("recompute the journal's hash chain; exit 1 naming the first broken row")
    .option("--json", "one JSON object per stream", false)
    .action((options: { json: boolean }) => verifyChainsCommand(["journal"], options));

  ledger
    .command("check")
    .description(
      "the ledger consistency check (balances, payments and disputes against their entries, the journal chain); stored as a run, exit 1 on any disagreement; incremental after a clean run unless --full",
    )
    .option("--json", "the run as one JSON object", false)
    .option(
      "--full",
      "re-read the whole ledger and re-hash the whole journal chain, whatever the last run verified",
      false,
    )
    .action(async (options: { json: boolean; full: boolean }) => {
      const run = await withWorkbench(({ workbench }) =>
        workbench.ledgerCheck("cli", cliActor().name, { full: options.full }),
      );
      out(
        options.json
          ? JSON.stringify(run, (_k, v) => (typeof v === "bigint" ? v.toString() : v))
          : formatLedgerCheck(run),
      );
      if (!run.ok) io.setExitCode(1);
    });

  program
    .command("audit")
    .description("the operator audit log")
    .command("verify")
    .description("recompute the operator audit log's hash chain; exit 1 naming the first broken row")
    .option("--json", "one JSON object per stream", false)
    .action((options: { json: boolean }) => verifyChainsCommand(["operator_audit"], options));

  // Settlement reports (issue 16): one registration, the commands live in reconciliation/recon-cli.ts.
  registerReconCommands(program, cliActor, io);
  // Exchange rates (issue 18, FX): the commands live in fx/fx-cli.ts.
  registerFxCommands(program, cliActor, io);
  // Sanctions screening (issue 22): the commands live in sanctions/sanctions-cli.ts.
  registerSanctionsCommands(program, cliActor, io);
  registerCustomerCommands(program, cliActor, io);

  return program;
}

/**
 * Runs one command line (`args` without node and the script) to its end. Commander's usage errors and a command
 * that throws set exit code 1 (the message on standard error); resolves to false when the command threw.
 */
export async function runCliCommand(args: readonly string[], io: CliIo): Promise<boolean> {
  try {
    await createCliProgram(io).parseAsync([...args], { from: "user" });
    return true;
  } catch (error: unknown) {
    // Commander printed its own message (usage errors, --help) and chose the exit code. Not every CommanderError
    // is that: an action's InvalidArgumentError is the action's failure, printed below.
    if (error instanceof CommanderExit) {
      io.setExitCode(error.exitCode);
      return error.exitCode === 0;
    }
    io.writeErr(`${error instanceof Error ? error.message : String(error)}\n`);
    io.setExitCode(1);
    return false;
  }
}
