// Goal (issue 18): with FX_RATES_URL set, the fx-rates-fetch worker GETs the rates from a real HTTP server on
// loopback and imports them through the rates command (audited as system:fx-rates-fetch); the same file again
// stores nothing; a bad file, an HTTP error or an oversized answer fails the pass with nothing written.
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { FX_FETCH_BYTES_MAX, fxRatesFetchJob } from "@paycore/platform/workers/fx-rates-fetch";
import pino from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../src/testing/test-app";

const SAMPLE = join(import.meta.dirname, "../../../../packages/platform/src/fx/samples/eurofxref-daily.xml");

let t: TestApp;
let server: Server;
let base: string;
/** What the server answers next: a status and a body. */
let answer: { status: number; body: Buffer | string } = { status: 200, body: "" };

beforeAll(async () => {
  t = await createTestApp();
  server = createServer((_request, response) => {
    response.writeHead(answer.status, { "content-type": "application/xml" });
    response.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 240_000);
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await t?.close();
});

const job = () =>
  fxRatesFetchJob({
    commands: t.app.services.fxRateCommands,
    url: `${base}/eurofxref-daily.xml`,
    intervalMs: 60_000,
    log: pino({ level: "silent" }),
  });

it("imports the ECB file it fetches, once", async () => {
  answer = { status: 200, body: await readFile(SAMPLE) };
  expect(await job().pass()).toEqual({ done: 30, more: false });
  expect(await job().pass()).toEqual({ done: 0, more: false });
  expect(await t.countRows("fx_rates")).toBe(30);
  const audit = await t.app.db.operatorAuditLog.findMany({ where: { action: "fx.rates_imported" } });
  expect(audit.map((row) => (row.after as { actor: string }).actor)).toEqual([
    "system:fx-rates-fetch",
    "system:fx-rates-fetch",
  ]);
  await t.expectLedgerBalanced();
});

it("fails the pass, writing nothing, on a bad file, an HTTP error or an oversized answer", async () => {
  const imports = await t.countRows("fx_rate_imports");
  answer = { status: 200, body: "base,quote,rate,as_of\nEUR,USD,abc,2026-12-04\n" };
  await expect(job().pass()).rejects.toThrow(/line 2: rate "abc"/);
  answer = { status: 503, body: "down" };
  await expect(job().pass()).rejects.toThrow(/HTTP 503/);
  answer = { status: 200, body: Buffer.alloc(FX_FETCH_BYTES_MAX + 1, 0x20) };
  await expect(job().pass()).rejects.toThrow(/over the size bound/);
  expect(await t.countRows("fx_rate_imports")).toBe(imports);
});
