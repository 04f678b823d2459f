// Goal: the console's settlement report upload (POST /reconciliation/import) on real Postgres with a Stripe-style
// day from the sandbox PSP server: an operator's file is streamed in, imported through the reconciliation command
// as that operator (the run records who and the file's hash), and the same file again replays its run without
// posting twice; a viewer, a request without the CSRF token, a bad PSP or file name, and a truncated file are
// refused, the last with its line and nothing written. The ledger invariant holds after each test.

import { TEST_FIXTURE_ACTOR } from "@paycore/platform/testing/test-runtime";
import { startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CSRF_COOKIE } from "../auth/cookies";
import { seedMerchant, seedPayment } from "../testing/seed";
import { type Browser, createTestConsole, type TestConsole } from "../testing/test-console";
import { reportUploadRoute } from "./report-upload-route";

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let c: TestConsole;
let viewer: Browser;
let operator: Browser;
let csv: string;
const POST = reportUploadRoute();

function upload(
  browser: Browser,
  body: string,
  options: { psp?: string; fileName?: string; csrf?: boolean } = {},
): Promise<Response> {
  const query = new URLSearchParams({
    psp: options.psp ?? "stripe",
    fileName: options.fileName ?? "stripe-upload.csv",
  });
  const cookie = [...browser.cookies]
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join("; ");
  return POST(
    new Request(`http://localhost:3000/reconciliation/import?${query}`, {
      method: "POST",
      headers: {
        cookie,
        "content-type": "text/csv",
        ...(options.csrf === false ? {} : { "x-csrf-token": browser.cookies.get(CSRF_COOKIE) ?? "" }),
      },
      body,
    }),
  );
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 17 });
  c = await createTestConsole({ runtime: { pspSandboxUrl: sandbox.url } });
  // The route reads the process's console services, as Next's route handler does.
  (globalThis as { paycoreConsoleServices?: unknown }).paycoreConsoleServices = c.services;
  const merchant = await seedMerchant(c.t.app, "Upload Books");
  await c.t.app.services.routingRuleCommands.add(TEST_FIXTURE_ACTOR, {
    merchantId: merchant.id,
    priority: 1,
    match: { currencies: ["USD"] },
    pspNames: ["stripe"],
  });
  const payment = await seedPayment(c.t.app, merchant, { amountMinor: 4_200n, currency: "USD" });
  expect(payment.status).toBe("CAPTURED");
  csv = sandbox.settlementCsv("stripe", new Date().toISOString().slice(0, 10));
  viewer = await c.signedIn("VIEWER");
  operator = await c.signedIn("OPERATOR");
}, 120_000);

afterEach(async () => {
  await c.t.expectLedgerBalanced();
});

afterAll(async () => {
  // The next file in this worker must not find these (closed) services.
  (globalThis as { paycoreConsoleServices?: unknown }).paycoreConsoleServices = undefined;
  await c?.close();
  await sandbox?.stop();
});

describe("POST /reconciliation/import", () => {
  it("imports an operator's file as that operator; the same file again replays its run", async () => {
    const response = await upload(operator, csv);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { importId: string; replayed: boolean; lineCount: number };
    expect(body).toMatchObject({ replayed: false, lineCount: 1, categoryCounts: { MATCHED: 1 } });
    const run = await c.t.app.db.reconImport.findUniqueOrThrow({ where: { id: body.importId } });
    expect(run.fileName).toBe("stripe-upload.csv");
    expect(run.importedBy).toMatch(/@/);
    const entries = await c.t.countRows("journal_entries");

    const again = await upload(operator, csv, { fileName: "stripe-upload-again.csv" });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ importId: body.importId, replayed: true });
    expect(await c.t.countRows("journal_entries")).toBe(entries);
  });

  it("takes at most two uploads at once; a third is 429 before anything is written (campaign 2026-12-07)", async () => {
    const cookie = [...operator.cookies]
      .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
      .join("; ");
    const controllers: ReadableStreamDefaultController<Uint8Array>[] = [];
    const slow = () =>
      POST(
        new Request("http://localhost:3000/reconciliation/import?psp=stripe&fileName=slow.csv", {
          method: "POST",
          headers: {
            cookie,
            "content-type": "text/csv",
            "x-csrf-token": operator.cookies.get(CSRF_COOKIE) ?? "",
          },
          // Pulled only when the route reads it, i.e. once the upload has been admitted.
          body: new ReadableStream<Uint8Array>(
            {
              pull: (controller) => {
                if (!controllers.includes(controller)) controllers.push(controller);
                return new Promise(() => undefined);
              },
            },
            { highWaterMark: 0 },
          ),
          duplex: "half",
        } as RequestInit),
      );
    const first = slow();
    const second = slow();
    await expect.poll(() => controllers.length).toBe(2);
    const third = await upload(operator, csv, { fileName: "third.csv" });
    expect(third.status).toBe(429);
    expect(await third.json()).toEqual({
      error: "At most 2 reports are imported at once: try again when one has finished.",
    });
    for (const controller of controllers) {
      controller.enqueue(new TextEncoder().encode("not,a,report\n"));
      controller.close();
    }
    expect((await first).status).toBe(422);
    expect((await second).status).toBe(422);
    // Both finished: the next upload is taken again.
    expect((await upload(operator, csv, { fileName: "after.csv" })).status).toBe(200);
  });

  it("refuses a viewer, a missing CSRF token, a bad PSP or file name, and a truncated file (nothing posted)", async () => {
    const imports = await c.t.countRows("recon_imports");
    const entries = await c.t.countRows("journal_entries");
    expect((await upload(viewer, csv)).status).toBe(403);
    expect((await upload(operator, csv, { csrf: false })).status).toBe(403);
    expect((await upload(operator, csv, { psp: "paypal" })).status).toBe(400);
    expect((await upload(operator, csv, { fileName: "../etc/passwd" })).status).toBe(400);
    // None of those reached the import.
    expect(await c.t.countRows("recon_imports")).toBe(imports);
    const truncated = await upload(operator, csv.trimEnd().slice(0, -3), { fileName: "cut.csv" });
    expect(truncated.status).toBe(422);
    expect(((await truncated.json()) as { error: string }).error).toMatch(
      /^Refused, nothing imported: line \d+: /,
    );
    // The refusal is recorded (who, the hash, the line and reason); nothing is posted.
    const refused = await c.t.app.db.reconImport.findFirstOrThrow({ where: { fileName: "cut.csv" } });
    expect(refused).toMatchObject({ status: "REFUSED" });
    expect(refused.importedBy).toMatch(/@/);
    expect(await c.t.countRows("journal_entries")).toBe(entries);
  });
});
