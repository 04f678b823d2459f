// Goal: `npm start` in production starts on a fresh, empty database with
// nothing on disk (no data folder, no demo files), refuses to start without
// the webhook secrets, and its child processes (the sandbox PSP server) exit
// when it is killed with SIGKILL rather than outlive it. A merchant created
// with the CLI then takes, captures and refunds a payment over HTTP, as a
// client would, and production shows no GraphiQL, schema or suggestions.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyMaterial } from "@paycore/core/vault/card-vault";
import { createDatabase, dropDatabase, findRepoRoot, withDatabase } from "@paycore/db/database-url";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { runCliInProcess } from "../src/testing/run-cli";

const REPO_ROOT = findRepoRoot();
/** Bounds on polling: each try waits TRY_PAUSE_MS. */
const TRIES_MAX = 200;
const TRY_PAUSE_MS = 100;

const databaseName = `paycore_fresh_${randomBytes(5).toString("hex")}`;
let databaseUrl: string;
const started: ChildProcess[] = [];

beforeAll(async () => {
  // Empty: no template, no migrations. The start must apply them itself.
  await createDatabase(inject("adminDatabaseUrl"), databaseName);
  databaseUrl = withDatabase(inject("adminDatabaseUrl"), databaseName);
});
afterEach(() => {
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});
afterAll(async () => {
  await dropDatabase(inject("adminDatabaseUrl"), databaseName);
});

function productionEnv(dataDir: string, sandboxPort: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    HOST: "127.0.0.1",
    PORT: "0",
    PSP_SANDBOX_PORT: String(sandboxPort),
    CONSOLE_PORT: "0",
    LOG_LEVEL: "info",
    VAULT_ENCRYPTION_KEYS: `1:${generateKeyMaterial()}`,
    VAULT_FINGERPRINT_KEY: randomBytes(32).toString("base64"),
    IDEMPOTENCY_HASH_SECRET: randomBytes(32).toString("base64"),
    STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString("hex")}`,
    ADYEN_HMAC_KEY: randomBytes(32).toString("hex"),
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function startProduct(env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", "tooling/dev-start/src/start.ts"], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let output = "";
  child.stdout?.on("data", (data: Buffer) => {
    output += data.toString();
  });
  child.stderr?.on("data", (data: Buffer) => {
    output += data.toString();
  });
  return { child, output: () => output };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pids of `parent`'s children whose command line contains `marker`. */
function childPids(parent: number, marker: string): number[] {
  const out = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(parent)], { encoding: "utf8" });
  return out
    .split("\n")
    .filter((line) => line.includes(marker))
    .map((line) => Number.parseInt(line.trim(), 10))
    .filter((pid) => pid > 0);
}

const pause = () => new Promise((resolve) => setTimeout(resolve, TRY_PAUSE_MS));

describe("npm start in production", () => {
  it("starts on a fresh database with nothing on disk, and its sandbox exits when it is SIGKILLed", async () => {
    const dataDir = join(tmpdir(), `paycore-absent-${randomBytes(4).toString("hex")}`, "data");
    const { child, output } = startProduct(productionEnv(dataDir, await freePort()));
    let apiUrl: string | null = null;
    // Migrating an empty database takes most of this (about 12 s on a quiet machine).
    for (let i = 0; i < TRIES_MAX * 6 && apiUrl === null; i++) {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output()}`);
      apiUrl = /paycore API on (http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(output())?.[1] ?? null;
      if (apiUrl === null) await pause();
    }
    expect(apiUrl, output()).not.toBeNull();
    expect((await fetch(`${apiUrl}/health`)).status).toBe(200);
    expect(existsSync(dataDir), "nothing written under DATA_DIR").toBe(false);
    expect(output()).toMatch(/no merchant yet/);

    const children = childPids(child.pid as number, "psp-sandbox");
    expect(children).toHaveLength(1);
    child.kill("SIGKILL");
    let alive = children;
    for (let i = 0; i < TRIES_MAX && alive.length > 0; i++) {
      await pause();
      alive = alive.filter(isAlive);
    }
    expect(alive, "children left running after the parent's SIGKILL").toEqual([]);
  }, 180_000);

  it("serves a merchant created with the CLI: a client over HTTP takes, captures and refunds a payment", async () => {
    const env = productionEnv(join(tmpdir(), "paycore-unused"), await freePort());
    // A real port, not 0: the sandbox PSP sends its notifications to HOST:PORT.
    env.PORT = String(await freePort());
    const { child, output } = startProduct(env);
    let apiUrl: string | null = null;
    for (let i = 0; i < TRIES_MAX * 6 && apiUrl === null; i++) {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output()}`);
      apiUrl = /paycore API on (http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(output())?.[1] ?? null;
      if (apiUrl === null) await pause();
    }
    expect(apiUrl, output()).not.toBeNull();

    // As the operations guide says: `npm run cli -- merchant create`, with the deployment's environment.
    const cli = await runCliInProcess(["merchant", "create", "--name", "Production shop"], {
      ...(env as Record<string, string>),
    });
    expect(cli.code, cli.stderr).toBe(0);
    const keys = JSON.parse(cli.stdout) as { testSecretKey: string; testPublishableKey: string };

    const graphql = async (key: string, query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(`${apiUrl}/graphql`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${key}`,
          "content-type": "application/json",
          accept: "application/graphql-response+json",
        },
        body: JSON.stringify({ query, variables }),
      });
      // biome-ignore lint/suspicious/noExplicitAny: a client's view of an untyped answer
      return { status: response.status, headers: response.headers, body: (await response.json()) as any };
    };
    const tokenized = await graphql(
      keys.testPublishableKey,
      `mutation($input: TokenizeCardInput!) { tokenizeCard(input: $input) { paymentMethod { id } errors { code } } }`,
      {
        input: {
          idempotencyKey: "prod-tok-1",
          card: { number: "4242424242424242", expMonth: 12, expYear: 2035, cvc: "123" },
        },
      },
    );
    const paymentMethodId = tokenized.body.data.tokenizeCard.paymentMethod.id as string;
    expect(paymentMethodId).toMatch(/^pm_/);

    const create = (key: string) =>
      graphql(
        keys.testSecretKey,
        `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status amountCapturable } errors { code } } }`,
        {
          input: {
            idempotencyKey: key,
            amount: "2500",
            currency: "USD",
            paymentMethodId,
            captureMethod: "MANUAL",
          },
        },
      );
    const created = await create("prod-pay-1");
    expect(created.body.data.createPayment).toMatchObject({
      payment: { status: "AUTHORIZED", amountCapturable: "2500" },
      errors: [],
    });
    const paymentId = created.body.data.createPayment.payment.id as string;
    const replayed = await create("prod-pay-1");
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
    expect(replayed.body.data.createPayment.payment.id).toBe(paymentId);

    // Routing may pick the asynchronous (Adyen-style) sandbox: the capture and refund are then pending until its
    // notification reaches the API, so the client polls the payment as docs/api.md tells it to (bounded).
    const settled = async (done: (payment: Record<string, string>) => boolean) => {
      let payment: Record<string, string> = {};
      for (let i = 0; i < TRIES_MAX && !done(payment); i++) {
        if (i > 0) await pause();
        const read = await graphql(
          keys.testSecretKey,
          `query($id: ID!) { payment(id: $id) { status amountCaptured amountRefunded amountCapturePending amountRefundPending } }`,
          { id: paymentId },
        );
        payment = read.body.data.payment;
      }
      return payment;
    };
    const captured = await graphql(
      keys.testSecretKey,
      `mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { payment { id } errors { code } } }`,
      { input: { idempotencyKey: "prod-cap-1", paymentId, amount: "2000" } },
    );
    expect(captured.body.data.capturePayment.errors).toEqual([]);
    expect(await settled((p) => p.amountCaptured === "2000")).toMatchObject({
      status: "CAPTURED",
      amountCaptured: "2000",
      amountCapturePending: "0",
    });
    const refunded = await graphql(
      keys.testSecretKey,
      `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { amount } errors { code } } }`,
      { input: { idempotencyKey: "prod-ref-1", paymentId, amount: "750" } },
    );
    expect(refunded.body.data.refundPayment).toEqual({ refund: { amount: "750" }, errors: [] });
    expect(await settled((p) => p.amountRefunded === "750")).toMatchObject({
      amountRefunded: "750",
      amountRefundPending: "0",
    });

    // Production's faces: no GraphiQL, no schema for a publishable key, no "Did you mean", typed errors.
    const page = await fetch(`${apiUrl}/graphql`, { headers: { accept: "text/html" } });
    expect(await page.text()).not.toMatch(/graphiql/i);
    expect((await graphql(keys.testPublishableKey, "{ __schema { queryType { name } } }")).status).toBe(403);
    const typo = await graphql(keys.testSecretKey, "{ balanc { currency } }");
    expect(typo.status).toBe(400);
    expect(typo.body.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(JSON.stringify(typo.body)).not.toMatch(/Did you mean/);
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  }, 240_000);

  it.each(["STRIPE_WEBHOOK_SECRET", "ADYEN_HMAC_KEY", "VAULT_ENCRYPTION_KEYS"])(
    "refuses to start without %s, naming it, before starting anything",
    async (variable) => {
      const env = productionEnv(join(tmpdir(), "paycore-unused"), await freePort());
      delete env[variable];
      const { child, output } = startProduct(env);
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect(code).toBe(1);
      expect(output()).toContain(variable);
      expect(output()).not.toContain("sandbox PSPs");
    },
    60_000,
  );
});
