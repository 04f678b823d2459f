// Operator CLI: `npm run cli -- merchant create --name "Acme"` prints the new
// merchant's id and keys as JSON. Uses DATABASE_URL, or the embedded Postgres
// that `npm start` keeps under DATA_DIR.

import { validateCustomer } from "@paycore/core/fraud/customer-context";
import type { ChainStream } from "@paycore/core/ledger/hash-chain";
import type { CardBrand } from "@paycore/core/vault/card";
import { createDatabaseClient } from "@paycore/db/client";
import { ChainRepository } from "@paycore/db/repositories/chain.repository";
import { MerchantRepository } from "@paycore/db/repositories/merchant.repository";
import { OperatorRepository } from "@paycore/db/repositories/operator.repository";
import { OperatorKeyRepository } from "@paycore/db/repositories/operator-key.repository";
import { RiskListRepository } from "@paycore/db/repositories/risk-data.repository";
import { RoutingRuleRepository } from "@paycore/db/repositories/routing-rule.repository";
import { WebhookRepository } from "@paycore/db/repositories/webhook.repository";
import { createPool, Sql } from "@paycore/db/sql";
import { Command, InvalidArgumentError } from "commander";
import { openDatabase } from "./bootstrap";
import { formatChainReport, verifyChains } from "./chain-verify";
import { readEnv } from "./env";
import { createLogger } from "./logger";
import { createOperatorAccount, OPERATOR_ROLES } from "./operator-accounts";
import { replayDeadLetter } from "./webhooks/replay";

function integerIn(min: number, max: number) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    }
    return Number(value);
  };
}

const program = new Command("paycore").description("paycore operator CLI");
const merchant = program.command("merchant").description("manage merchants");

merchant
  .command("create")
  .description("create a merchant with test-mode keys (and live-mode keys with --live)")
  .requiredOption("--name <name>", "the merchant's name")
  .option("--live", "also issue live-mode keys", false)
  .option("--fee-rate-bps <bps>", "percentage fee in basis points (290 = 2.9%)", integerIn(0, 10_000))
  .option("--fee-fixed-minor <units>", "fixed fee in minor units", integerIn(0, 1_000_000))
  .option(
    "--risk-review-threshold <score>",
    "risk score that holds a payment for review (default 40)",
    integerIn(0, 99),
  )
  .option(
    "--risk-decline-threshold <score>",
    "risk score that declines a payment (default 75)",
    integerIn(1, 100),
  )
  .action(
    async (options: {
      name: string;
      live: boolean;
      feeRateBps?: number;
      feeFixedMinor?: number;
      riskReviewThreshold?: number;
      riskDeclineThreshold?: number;
    }) => {
      const name = options.name.trim();
      if (name.length === 0 || name.length > 200)
        throw new InvalidArgumentError("--name must be 1 to 200 characters");
      const env = readEnv();
      const database = await openDatabase(env, (message) => console.error(message));
      const db = createDatabaseClient({ url: database.url, poolMax: 2 });
      try {
        const created = await new MerchantRepository(db).createWithKeys({
          name,
          modes: options.live ? ["TEST", "LIVE"] : ["TEST"],
          ...(options.feeRateBps === undefined ? {} : { feeRateBps: options.feeRateBps }),
          ...(options.feeFixedMinor === undefined ? {} : { feeFixedMinor: BigInt(options.feeFixedMinor) }),
          ...(options.riskReviewThreshold === undefined
            ? {}
            : { riskReviewThreshold: options.riskReviewThreshold }),
          ...(options.riskDeclineThreshold === undefined
            ? {}
            : { riskDeclineThreshold: options.riskDeclineThreshold }),
        });
        const key = (kind: string, mode: string) =>
          created.keys.find((k) => k.kind === kind && k.mode === mode)?.key;
        const output: Record<string, string | undefined> = {
          merchantId: created.id,
          name: created.name,
          testSecretKey: key("SECRET", "TEST"),
          testPublishableKey: key("PUBLISHABLE", "TEST"),
        };
        if (options.live) {
          output.liveSecretKey = key("SECRET", "LIVE");
          output.livePublishableKey = key("PUBLISHABLE", "LIVE");
        }
        console.log(JSON.stringify(output, null, 2));
      } finally {
        await db.$disconnect();
        await database.stop();
      }
    },
  );

/** Opens the database for one command and closes it after, whatever happens. */
async function withDatabase<T>(
  work: (db: ReturnType<typeof createDatabaseClient>) => Promise<T>,
): Promise<T> {
  const database = await openDatabase(readEnv(), (message) => console.error(message));
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
    "at least 12 characters (prefer the generated one: shell history keeps this)",
  )
  .action(async (options: { email: string; role: string; password?: string }) => {
    const role = options.role.toUpperCase();
    if (!OPERATOR_ROLES.includes(role as (typeof OPERATOR_ROLES)[number]))
      throw new InvalidArgumentError(`--role must be one of ${OPERATOR_ROLES.join(", ")}`);
    const created = await withDatabase((db) =>
      createOperatorAccount(new OperatorRepository(db), {
        email: options.email,
        role: role as (typeof OPERATOR_ROLES)[number],
        password: options.password ?? null,
      }),
    );
    console.log(
      JSON.stringify(
        {
          operatorId: created.operator.id,
          email: created.operator.email,
          role: created.operator.role,
          ...(options.password ? {} : { password: created.password }),
        },
        null,
        2,
      ),
    );
  });

operator
  .command("create-key")
  .description("issue an operator key (op_…); the key is shown once")
  .requiredOption("--name <name>", "who holds it; named in the audit trail")
  .action(async (options: { name: string }) => {
    const name = options.name.trim();
    if (name.length === 0 || name.length > 100)
      throw new InvalidArgumentError("--name must be 1 to 100 characters");
    const created = await withDatabase((db) => new OperatorKeyRepository(db).create(name));
    console.log(JSON.stringify({ operatorKeyId: created.id, name: created.name, key: created.key }, null, 2));
  });

operator
  .command("revoke-key <id>")
  .description("revoke an operator key")
  .action(async (id: string) => {
    const revoked = await withDatabase((db) => new OperatorKeyRepository(db).revoke(id));
    if (!revoked) throw new Error(`no active operator key ${id}`);
    console.log(JSON.stringify({ revoked: id }));
  });

const LIST_KINDS = ["FINGERPRINT", "EMAIL", "IP", "BIN"] as const;
const riskList = program.command("risk-list").description("maintain the fraud deny and allow lists");

riskList
  .command("add")
  .description("add a value to the deny or allow list, for one merchant or (without --merchant) for all")
  .requiredOption("--list <list>", "DENY or ALLOW")
  .requiredOption("--kind <kind>", LIST_KINDS.join(", "))
  .requiredOption("--value <value>", "the card fingerprint, e-mail, IP address or BIN")
  .requiredOption("--by <operator>", "who adds it")
  .option("--merchant <merchantId>", "limit the entry to one merchant")
  .option("--note <note>", "why")
  .action(
    async (options: {
      list: string;
      kind: string;
      value: string;
      by: string;
      merchant?: string;
      note?: string;
    }) => {
      const list = options.list.toUpperCase();
      const kind = options.kind.toUpperCase();
      if (list !== "DENY" && list !== "ALLOW") throw new InvalidArgumentError("--list must be DENY or ALLOW");
      if (!(LIST_KINDS as readonly string[]).includes(kind)) {
        throw new InvalidArgumentError(`--kind must be one of ${LIST_KINDS.join(", ")}`);
      }
      const value = normaliseListValue(kind as (typeof LIST_KINDS)[number], options.value);
      const entry = await withDatabase((db) =>
        new RiskListRepository(db).addListEntry({
          merchantId: options.merchant ?? null,
          list,
          kind: kind as (typeof LIST_KINDS)[number],
          value,
          note: options.note ?? null,
          createdBy: options.by,
        }),
      );
      console.log(JSON.stringify(entry, null, 2));
    },
  );

riskList
  .command("remove <id>")
  .description("remove a list entry")
  .action(async (id: string) => {
    const removed = await withDatabase((db) => new RiskListRepository(db).removeListEntry(id));
    if (!removed) throw new Error(`no list entry ${id}`);
    console.log(JSON.stringify({ removed: id }));
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
    const entries = await withDatabase((db) => new RiskListRepository(db).listEntries(list ? { list } : {}));
    console.log(JSON.stringify(entries, null, 2));
  });

const routing = program
  .command("routing")
  .description("PSP routing rules (merchant rules run before global ones)");

routing
  .command("add")
  .description("add a rule: payments it matches try these PSPs in this order")
  .requiredOption("--psp <names>", "comma-separated PSP names in order, e.g. stripe,adyen")
  .option("--merchant <merchantId>", "a merchant's rule (default: global)")
  .option("--priority <n>", "lower runs first", integerIn(0, 1_000_000), 100)
  .option("--currency <codes>", "comma-separated ISO 4217 codes")
  .option("--brand <brands>", "comma-separated card brands (visa, mastercard, amex, …)")
  .option("--country <codes>", "comma-separated card countries (ISO 3166 alpha-2)")
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
        if (!/^\d{1,18}$/.test(value))
          throw new InvalidArgumentError("amounts are whole numbers of minor units");
        return BigInt(value);
      };
      const pspNames = list(options.psp) ?? [];
      if (pspNames.length === 0) throw new InvalidArgumentError("--psp names at least one PSP");
      const currencies = list(options.currency);
      const brands = list(options.brand);
      const countries = list(options.country);
      const amountMinMinor = amount(options.minAmount);
      const amountMaxMinor = amount(options.maxAmount);
      const rule = await withDatabase((db) =>
        new RoutingRuleRepository(db).add({
          merchantId: options.merchant ?? null,
          priority: options.priority,
          pspNames,
          match: {
            ...(currencies ? { currencies } : {}),
            ...(brands ? { brands: brands as CardBrand[] } : {}),
            ...(countries ? { countries } : {}),
            ...(amountMinMinor !== undefined ? { amountMinMinor } : {}),
            ...(amountMaxMinor !== undefined ? { amountMaxMinor } : {}),
          },
        }),
      );
      console.log(JSON.stringify(rule, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
    },
  );

routing
  .command("show")
  .description("print the rules that apply to a merchant (its own, then global)")
  .requiredOption("--merchant <merchantId>", "the merchant")
  .action(async (options: { merchant: string }) => {
    const rules = await withDatabase((db) => new RoutingRuleRepository(db).rulesFor(options.merchant));
    console.log(JSON.stringify(rules, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
  });

const deadLetters = program.command("dead-letters").description("PSP events that could not be applied");

deadLetters
  .command("show")
  .description("print the newest dead letters with their reasons")
  .action(async () => {
    const letters = await withDatabase((db) => new WebhookRepository(db).deadLetters(100));
    console.log(JSON.stringify(letters, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
  });

deadLetters
  .command("replay <id>")
  .description("apply a dead-lettered event again (after fixing its cause)")
  .action(async (id: string) => {
    if (!/^\d+$/.test(id)) throw new InvalidArgumentError("the id is a number");
    const env = readEnv();
    const database = await openDatabase(env, (message) => console.error(message));
    const { appConfigFromEnv, createApp } = await import("./app");
    const app = createApp({ ...appConfigFromEnv(env, database.url, createLogger("warn")), workers: false });
    try {
      const result = await replayDeadLetter(app.services, BigInt(id));
      console.log(JSON.stringify(result, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
    } finally {
      await app.close();
      await database.stop();
    }
  });

// Tamper evidence: recompute the hash chains (see README, "Tamper evidence").
async function verifyChainsCommand(streams: readonly ChainStream[], options: { json: boolean }) {
  const database = await openDatabase(readEnv(), (message) => console.error(message));
  const pool = createPool({ url: database.url, max: 2 });
  try {
    const reports = await verifyChains(new ChainRepository(new Sql(pool)), streams);
    for (const report of reports)
      console.log(options.json ? JSON.stringify(report) : formatChainReport(report));
    if (reports.some((report) => !report.ok)) process.exitCode = 1;
  } finally {
    await pool.end();
    await database.stop();
  }
}

program
  .command("ledger")
  .description("the double-entry ledger")
  .command("verify")
  .description("recompute the journal's hash chain; exit 1 naming the first broken row")
  .option("--json", "one JSON object per stream", false)
  .action((options: { json: boolean }) => verifyChainsCommand(["journal"], options));

program
  .command("audit")
  .description("the operator audit log")
  .command("verify")
  .description("recompute the operator audit log's hash chain; exit 1 naming the first broken row")
  .option("--json", "one JSON object per stream", false)
  .action((options: { json: boolean }) => verifyChainsCommand(["operator_audit"], options));

/** The same spelling the scorer compares against (see packages/core/src/fraud/customer-context.ts). */
function normaliseListValue(kind: (typeof LIST_KINDS)[number], raw: string): string {
  const customer = (() => {
    try {
      return validateCustomer(kind === "EMAIL" ? { email: raw } : kind === "IP" ? { ipAddress: raw } : {});
    } catch {
      throw new InvalidArgumentError(`--value is not a valid ${kind.toLowerCase()}`);
    }
  })();
  if (kind === "EMAIL") return customer.email as string;
  if (kind === "IP") return customer.ipAddress as string;
  if (kind === "BIN" && /^[0-9]{6,8}$/.test(raw)) return raw;
  if (kind === "FINGERPRINT" && /^[0-9a-f]{64}$/.test(raw)) return raw;
  throw new InvalidArgumentError(`--value is not a valid ${kind.toLowerCase()}`);
}

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
