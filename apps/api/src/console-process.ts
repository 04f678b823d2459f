// Runs the operator console (apps/console, a Next.js app) as its own process
// for `npm start`: `next build` first when the build is missing or older than
// the sources, then `next start`. It reaches the same database and sandbox PSP
// as the API, with the same secrets, so both write through the same core.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { findRepoRoot } from "@paycore/db/database-url";
import type { AppSecrets } from "./secrets";

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;
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
    "apps/api/src",
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

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "ignore", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code ?? 1));
  });
}

export async function startConsoleProcess(options: {
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string | null;
  pspSandboxUrl: string | null;
  secrets: AppSecrets;
  logLevel: string;
  log: (message: string) => void;
}): Promise<ConsoleProcess> {
  const root = findRepoRoot();
  const cwd = join(root, "apps/console");
  const next = createRequire(join(cwd, "package.json")).resolve("next/dist/bin/next");
  const env: NodeJS.ProcessEnv = {
    // biome-ignore lint/style/noProcessEnv: the child inherits the parent's environment (PATH, HOME) plus its own settings.
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: options.databaseUrl,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...(options.pspSandboxUrl ? { PSP_SANDBOX_URL: options.pspSandboxUrl } : {}),
    VAULT_ENCRYPTION_KEYS: options.secrets.vaultEncryptionKeys,
    VAULT_FINGERPRINT_KEY: options.secrets.vaultFingerprintKey,
    IDEMPOTENCY_HASH_SECRET: options.secrets.idempotencyHashSecret,
    STRIPE_WEBHOOK_SECRET: options.secrets.stripeWebhookSecret,
    ADYEN_HMAC_KEY: options.secrets.adyenHmacKeyHex,
    LOG_LEVEL: options.logLevel,
  };
  const buildId = join(cwd, ".next/BUILD_ID");
  if (!existsSync(buildId) || statSync(buildId).mtimeMs < newestSourceMs(root)) {
    options.log("building the operator console (next build, about a minute; only when its sources changed)");
    const started = Date.now();
    const code = await run(process.execPath, [next, "build"], { cwd, env });
    if (code !== 0) throw new Error(`next build failed (exit code ${code})`);
    options.log(`console built in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  const child: ChildProcess = spawn(
    process.execPath,
    [next, "start", "--port", String(options.port), "--hostname", options.host],
    { cwd, env, stdio: ["ignore", "pipe", "inherit"] },
  );
  if (child.stdout) {
    forwardConsoleOutput(child.stdout, { write: (line) => process.stdout.write(line), log: options.log });
  }
  const url = `http://${options.host}:${options.port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the console exited (code ${child.exitCode}); is port ${options.port} free?`);
    try {
      const response = await fetch(`${url}/sign-in`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the console did not start on ${url}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}
