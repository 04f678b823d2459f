// Operator CLI: `npm run cli -- merchant create --name "Acme"` prints the new
// merchant's id and keys as JSON. Uses DATABASE_URL, or the embedded Postgres
// that `npm start` keeps under DATA_DIR.

import { createDatabaseClient } from "@paycore/db/client";
import { MerchantRepository } from "@paycore/db/repositories/merchant.repository";
import { Command, InvalidArgumentError } from "commander";
import { openDatabase } from "./bootstrap";
import { readEnv } from "./env";

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
  .action(async (options: { name: string; live: boolean; feeRateBps?: number; feeFixedMinor?: number }) => {
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
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
