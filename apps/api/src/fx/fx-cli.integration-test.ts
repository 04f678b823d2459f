// Goal (issue 18): `npm run cli -- fx import <file>` imports each shipped sample as the CLI's user (audited) and
// prints what it stored; a bad file is refused with its line and reason, exit 1, nothing written; `fx rate`
// prints the rate in force or why there is none.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyMaterial } from "@paycore/core/vault/card-vault";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type CliResult, runCliInProcess } from "../testing/run-cli";
import { createTestApp, type TestApp } from "../testing/test-app";

const SAMPLES = join(import.meta.dirname, "../../../../packages/platform/src/fx/samples");
const ENV = {
  VAULT_ENCRYPTION_KEYS: `1:${generateKeyMaterial()}`,
  VAULT_FINGERPRINT_KEY: randomBytes(32).toString("base64"),
  IDEMPOTENCY_HASH_SECRET: randomBytes(32).toString("base64"),
  // The samples are dated 2026-12-04: old enough to be stale by default, so `fx rate` allows any age here.
  FX_RATE_MAX_AGE_HOURS: "8760",
};

let t: TestApp;
let dir: string;

beforeAll(async () => {
  t = await createTestApp();
  dir = await mkdtemp(join(tmpdir(), "fx-cli-"));
}, 240_000);
afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 240_000);

const cli = (args: string[]): Promise<CliResult> =>
  runCliInProcess(args, { DATABASE_URL: t.databaseUrl, ...ENV });

it("imports both samples, refuses a bad file whole, and prints the rate in force", async () => {
  const ecb = await cli(["fx", "import", join(SAMPLES, "eurofxref-daily.xml"), "--json"]);
  expect(ecb.code, ecb.stderr).toBe(0);
  expect(JSON.parse(ecb.stdout)).toMatchObject({
    status: "IMPORTED",
    source: "ECB",
    inserted: 30,
    unchanged: 0,
  });
  const csv = await cli(["fx", "import", join(SAMPLES, "rates.csv")]);
  expect(csv.code, csv.stderr).toBe(0);
  expect(csv.stdout).toMatch(/^imported 4 rates from .*rates\.csv \(CSV\)/);

  const bad = join(dir, "bad.csv");
  await writeFile(bad, "base,quote,rate,as_of\nEUR,CAD,1.47,2026-12-01\nEUR,CAD,1.48,2026-12-01\n");
  const refused = await cli(["fx", "import", bad, "--json"]);
  expect(refused.code).toBe(1);
  expect(JSON.parse(refused.stdout)).toEqual({
    status: "REFUSED",
    code: "FX_RATES_FILE_INVALID",
    reason: "line 3: EUR/CAD on 2026-12-01 appears twice",
  });
  expect(await t.countRows("fx_rates")).toBe(34);
  const audit = await t.app.db.operatorAuditLog.findMany({ where: { action: "fx.rates_imported" } });
  expect(audit).toHaveLength(2);
  expect((audit[0]?.after as { actor?: string } | undefined)?.actor).toMatch(/^cli:/);

  // GBP→JPY through EUR: 162.45 / 0.85913.
  const rate = await cli(["fx", "rate", "GBP", "JPY", "--json"]);
  expect(rate.code, rate.stderr).toBe(0);
  expect(JSON.parse(rate.stdout)).toMatchObject({
    from: "GBP",
    to: "JPY",
    path: "CROSS",
    rate: "189.086634153155",
  });
  const missing = await cli(["fx", "rate", "USD", "KES"]);
  expect(missing.code).toBe(1);
  expect(missing.stdout).toMatch(/^refused: No exchange rate from USD to KES/);
  // Six CLI processes, each starting TypeScript: slow on a loaded two-core machine.
}, 240_000);
