// `npm run bench:fraud`: how long scoring one payment takes (p50/p99), with
// velocity in Redis and with the Postgres fallback, on real servers: this is
// the latency fraud checks add to every createPayment. Prints a table.

import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { validateCustomer } from "@paycore/core/fraud/customer-context";
import { RiskScorer } from "@paycore/core/fraud/risk-scorer";
import { DEFAULT_RISK_SETTINGS } from "@paycore/core/fraud/risk-types";
import { newId } from "@paycore/core/ids/ids";
import type { CurrencyCode } from "@paycore/core/money/currency";
import { createDatabaseClient } from "@paycore/db/client";
import { RiskDataRepository } from "@paycore/db/repositories/risk-data.repository";
import { createPool, Sql } from "@paycore/db/sql";
import { createTestDatabase, prepareTemplateDatabase } from "@paycore/db/testing/test-database";
import { testPiiVault } from "@paycore/db/testing/test-pii-vault";
import { GeoIpLocator } from "@paycore/platform/adapters/geoip-locator";
import { RedisVelocityCounter } from "@paycore/platform/adapters/redis-velocity-counter";
import { Redis } from "ioredis";

const SAMPLES = Number(process.argv.find((a) => a.startsWith("--samples="))?.split("=")[1] ?? 2000);
const CARDS = 200;
const IPS = ["81.2.69.142", "8.8.8.8", "1.1.1.1", "91.198.174.192", "203.0.113.7", "185.60.216.35"];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const template = await prepareTemplateDatabase();
  const database = await createTestDatabase(template.adminUrl, template.templateName);
  const pool = createPool({ url: database.url, max: 4 });
  const db = createDatabaseClient({ pool });
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const redis = new Redis(redisUrl, {
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    lazyConnect: true,
  });
  redis.on("error", () => undefined);
  const haveRedis = await redis.connect().then(
    () => true,
    () => false,
  );
  const pii = testPiiVault();
  const data = new RiskDataRepository(new Sql(pool), pii);
  const geo = new GeoIpLocator();
  const merchantId = newId("merchant");
  await db.merchant.create({ data: { id: merchantId, name: "bench" } });
  const cards = Array.from({ length: CARDS }, () => randomBytes(32).toString("hex"));

  const rows: Array<{ setup: string; p50: number; p99: number; max: number }> = [];
  const setups: Array<[string, RiskScorer]> = [];
  if (haveRedis) {
    setups.push([
      "Redis velocity",
      new RiskScorer({
        velocity: new RedisVelocityCounter(redis, (kind, value) => pii.blindIndex(kind, value) as string),
        velocityFallback: "postgres",
        data,
        geo,
      }),
    ]);
  } else {
    console.log(`no Redis at ${redisUrl}: measuring the Postgres fallback only`);
  }
  setups.push([
    "Postgres fallback",
    new RiskScorer({ velocity: null, velocityFallback: "postgres", data, geo }),
  ]);

  for (const [name, scorer] of setups) {
    const timings: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const started = performance.now();
      await scorer.score({
        merchantId,
        mode: "TEST",
        paymentId: newId("payment"),
        // Each sample is its own request: the velocity counters count it once.
        requestKey: `bench-fraud:${i}`,
        amountMinor: BigInt(500 + (i % 50) * 100),
        currency: "USD" as CurrencyCode,
        card: { fingerprint: cards[i % CARDS] as string, bin: "42424242", brand: "visa", country: "US" },
        customer: validateCustomer({
          email: `buyer${i % 300}@example.com`,
          ipAddress: IPS[i % IPS.length],
          deviceId: `d${i % 90}`,
        }),
        settings: DEFAULT_RISK_SETTINGS,
        now: new Date(),
      });
      timings.push(performance.now() - started);
    }
    timings.sort((a, b) => a - b);
    rows.push({
      setup: name,
      p50: percentile(timings, 50),
      p99: percentile(timings, 99),
      max: timings.at(-1) ?? 0,
    });
  }

  console.log(
    `\nfraud scoring latency, ${SAMPLES} payments over ${CARDS} cards (one at a time, this machine)`,
  );
  console.log("setup               p50 ms   p99 ms   max ms");
  for (const row of rows) {
    console.log(
      `${row.setup.padEnd(18)} ${row.p50.toFixed(2).padStart(7)} ${row.p99.toFixed(2).padStart(8)} ${row.max.toFixed(2).padStart(8)}`,
    );
  }
  console.log(
    "Scoring runs once per createPayment, before the PSP call: its p50 is the latency it adds to a payment.",
  );
  if (haveRedis) {
    const keys = await redis.keys("vel:TEST:*");
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
  await db.$disconnect();
  await pool.end();
  await database.drop();
  await template.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
