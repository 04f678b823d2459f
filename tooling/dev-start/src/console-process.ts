// Runs the operator console (apps/console, a Next.js app) as its own process
// for `npm start`: `next build` first when the build is missing or older than
// the sources, then serves it (console-server.mjs, Next's custom-server API).
// It reaches the same database and sandbox PSP as the API, with the same
// secrets but the idempotency hash secret (its own, derived), so both write
// through the same core. Both steps run in a child that
// exits with this process and reports readiness itself (child-process.ts).
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { findRepoRoot } from "@paycore/db/database-url";
import { type AppSecrets, consoleIdempotencyHashSecret } from "@paycore/platform/secrets";
import { startChildProcess } from "./child-process";

/** The built console serves within seconds; the bound only catches a child that hangs (a loaded machine is slow). */
const READY_TIMEOUT_MS = 180_000;
const SERVER_SCRIPT = join(import.meta.dirname, "console-server.mjs");
/** Bounds the walk that decides whether the build is stale. */
const SOURCE_FILES_MAX = 20_000;

export interface ConsoleProcess {
  url: string;
  stop(): Promise<void>;
}

/** The newest modification time under the console's sources and the workspace packages it bundles. */
function newestSourceMs(root: string): number {
  const roots = [
    "apps/console/src",
    "apps/console/next.config.ts",
    "apps/console/package.json",
    "packages/platform/src",
    "packages/core/src",
    "packages/db/src",
  ].map((path) => join(root, path));
  let newest = 0;
  let seen = 0;
  const stack = [...roots];
  while (stack.length > 0 && seen < SOURCE_FILES_MAX) {
    const path = stack.pop() as string;
    if (!existsSync(path)) continue;
    const stats = statSync(path);
    seen++;
    if (stats.isDirectory()) {
      for (const entry of readdirSync(path)) if (entry !== "node_modules") stack.push(join(path, entry));
    } else {
      newest = Math.max(newest, stats.mtimeMs);
    }
  }
  return newest;
}

/**
 * The console's stdout carries its pino logs (one JSON object a line) and Next's own banner. The logs join this
 * process's stdout, where the API's pino logs go, so one stream holds both; other lines go through `log`.
 */
export function forwardConsoleOutput(
  output: Readable,
  sinks: { write(line: string): void; log(message: string): void },
): void {
  const lines = createInterface({ input: output, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on("line", (line) => {
    const text = line.trim();
    if (text.length === 0) return;
    if (text.startsWith("{")) {
      try {
        JSON.parse(text);
        sinks.write(`${text}\n`);
        return;
      } catch {
        // not a log line after all
      }
    }
    sinks.log(`console: ${text}`);
  });
}

/** How a `next build` child ended: its exit code, or the signal that stopped it, and whether our time bound did. */
export interface BuildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

/**
 * Runs `node <args>` (the console's `next build`) in a child that exits with this process, stopped with SIGKILL past
 * `timeoutMs`; resolves with how it ended.
 */
export function runBuild(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<BuildOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env,
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut });
    });
  });
}

/**
 * Why `npm start` stops when the build did not succeed. A build stopped by our bound says so and names the setting
 * (it once read "next build failed (exit code 1)" on a loaded machine, which sent the reader to look for a compile
 * error that did not exist).
 */
export function buildFailureMessage(outcome: BuildOutcome, timeoutMs: number): string {
  if (outcome.timedOut) {
    const minutes = Math.round(timeoutMs / 60_000);
    return (
      `next build did not finish within ${minutes} min and was stopped (a busy machine builds slowly): ` +
      "raise CONSOLE_BUILD_TIMEOUT_MINUTES, or set CONSOLE_PORT=0 to start without the console"
    );
  }
  return `next build failed (${outcome.signal ? `signal ${outcome.signal}` : `exit code ${outcome.code}`}; its errors are above)`;
}

/** What the console needs to reach the database, Redis and PSPs, and the secrets it may hold. */
export interface ConsoleProcessOptions {
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string | null;
  pspSandboxUrl: string | null;
  secrets: AppSecrets;
  logLevel: string;
  /** `next build` takes about a minute on a quiet machine; one still running after this is stopped. */
  buildTimeoutMs: number;
  log: (message: string) => void;
}

/** The console's environment: the parent's, plus its settings and its secrets (not the API's idempotency hash secret). */
export function consoleEnvironment(options: ConsoleProcessOptions): NodeJS.ProcessEnv {
  // biome-ignore lint/style/noProcessEnv: the child inherits the parent's environment (PATH, HOME) plus its own settings.
  const parent = process.env;
  return {
    ...parent,
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: options.databaseUrl,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...(options.pspSandboxUrl ? { PSP_SANDBOX_URL: options.pspSandboxUrl } : {}),
    VAULT_ENCRYPTION_KEYS: options.secrets.vaultEncryptionKeys,
    VAULT_FINGERPRINT_KEY: options.secrets.vaultFingerprintKey,
    // Its own key, not the API's (see consoleIdempotencyHashSecret).
    IDEMPOTENCY_HASH_SECRET: consoleIdempotencyHashSecret(options.secrets.idempotencyHashSecret),
    STRIPE_WEBHOOK_SECRET: options.secrets.stripeWebhookSecret,
    ADYEN_HMAC_KEY: options.secrets.adyenHmacKeyHex,
    LOG_LEVEL: options.logLevel,
    // `next start` runs the console under NODE_ENV=production; test-mode webhooks may still go to loopback when the
    // platform itself is not in production (`npm start` on embedded defaults, the browser tests), as in the API.
    WEBHOOK_TEST_MODE_LOOPBACK:
      parent.WEBHOOK_TEST_MODE_LOOPBACK ?? (parent.NODE_ENV === "production" ? "false" : "true"),
  };
}

export async function startConsoleProcess(options: ConsoleProcessOptions): Promise<ConsoleProcess> {
  const root = findRepoRoot();
  const cwd = join(root, "apps/console");
  const env = consoleEnvironment(options);
  const buildId = join(cwd, ".next/BUILD_ID");
  if (!existsSync(buildId) || statSync(buildId).mtimeMs < newestSourceMs(root)) {
    options.log("building the operator console (next build, about a minute; only when its sources changed)");
    const started = Date.now();
    const outcome = await runBuild([SERVER_SCRIPT, "build", cwd], cwd, env, options.buildTimeoutMs);
    if (outcome.code !== 0) throw new Error(buildFailureMessage(outcome, options.buildTimeoutMs));
    options.log(`console built in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  const url = `http://${options.host}:${options.port}`;
  const running = await startChildProcess({
    name: `the console (port ${options.port})`,
    args: [SERVER_SCRIPT, "serve", cwd, String(options.port), options.host],
    cwd,
    env,
    readyTimeoutMs: READY_TIMEOUT_MS,
    // Its pino logs join the API's stream (this process's stdout); Next's banner goes to the start-up log.
    onStdout: (stdout) =>
      forwardConsoleOutput(stdout, { write: (line) => process.stdout.write(line), log: options.log }),
  });
  return { url, stop: running.stop };
}
