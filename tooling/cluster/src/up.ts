// `npm run cluster:up [-- --nodes 2|3]`: a high-availability paycore backend on
// this machine, from Debian's packages: etcd; Patroni managing PostgreSQL 15
// nodes with synchronous replication; HAProxy sending read-write connections
// to the leader and read-only ones to the replicas; a Redis Cluster of three
// masters and three replicas. Installs what is missing with apt, creates and
// migrates the database through HAProxy, and prints the settings to run the
// API, the console, the CLI and the workers against it. Safe to run twice.
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { findRepoRoot } from "@paycore/db/database-url";
import pg from "pg";
import { ensureStanza, prepareBackups } from "./backup";
import { etcdArgs, haproxyConfig, patroniConfig, redisArgs } from "./configs";
import { haproxyServers, upServers } from "./haproxy-stats";
import {
  BEHIND_TLS,
  type ClusterPaths,
  clusterDatabaseUrl,
  clusterPaths,
  clusterUrls,
  DATABASE,
  ETCD,
  HAPROXY,
  HOST,
  MAX_NODES,
  type PostgresNode,
  postgresNodes,
  REDIS_PORTS,
} from "./layout";
import { ensurePackages } from "./packages";
import { describe, healthy, leaderName, patroniCluster } from "./patroni";
import { type RunAs, runningPid, startDaemon, stopDaemon, WaitAborted, waitFor } from "./processes";
import { redisClusterState } from "./redis-cluster";
import { ensureTestCa, tlsFiles } from "./tls";

const log = (message: string) => console.log(`[cluster] ${message}`);

export function defaultClusterDir(): string {
  return process.env.CLUSTER_DIR ?? join(findRepoRoot(), ".cluster");
}

function postgresUser(): RunAs {
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g"), home: "/var/lib/postgresql" };
}

/** A folder only its owner may enter, or one everyone may traverse (the root, whose children hold the data). */
function ownedDir(path: string, owner: RunAs | null, mode = 0o700): void {
  mkdirSync(path, { recursive: true, mode });
  chmodSync(path, mode);
  if (owner) chownSync(path, owner.uid, owner.gid);
}

/** Fails at once, with its log's last lines, when a daemon we wait for has died. */
function assertRunning(paths: ClusterPaths, name: string): void {
  if (runningPid(paths, name) !== null) return;
  const logFile = join(paths.logs, `${name}.log`);
  const tail = existsSync(logFile)
    ? readFileSync(logFile, "utf8").trim().split("\n").slice(-15).join("\n")
    : "";
  throw new WaitAborted(`${name} exited:\n${tail}`);
}

async function startEtcd(paths: ClusterPaths): Promise<void> {
  ownedDir(paths.etcd, null);
  startDaemon(paths, "etcd", "etcd", etcdArgs(paths.etcd));
  await waitFor(
    "etcd",
    async () => {
      const response = await fetch(`http://${HOST}:${ETCD.client}/health`, {
        signal: AbortSignal.timeout(1_000),
      });
      const body = (await response.json()) as { health?: string };
      return body.health === "true" ? true : null;
    },
    30_000,
  );
  log(`etcd ready on ${HOST}:${ETCD.client}`);
}

async function startPatroni(
  paths: ClusterPaths,
  nodes: readonly PostgresNode[],
  runAs: RunAs,
): Promise<void> {
  ownedDir(join(paths.root, "postgres"), runAs);
  ownedDir(join(paths.root, "patroni"), runAs);
  ownedDir(paths.sockets, runAs);
  for (const node of nodes) {
    writeFileSync(paths.patroniConfig(node.name), patroniConfig(node, paths));
    chownSync(paths.patroniConfig(node.name), runAs.uid, runAs.gid);
    // A running node re-reads its file and applies what changed (TLS, say) without a restart.
    if (runningPid(paths, `patroni-${node.name}`) !== null) {
      await fetch(`http://${HOST}:${node.restPort}/reload`, {
        method: "POST",
        signal: AbortSignal.timeout(5_000),
      }).catch(() => undefined);
    }
  }
  // The first node bootstraps (initdb) alone; the others clone it once it leads.
  const [first, ...others] = nodes;
  if (!first) throw new Error("no Postgres node");
  startDaemon(paths, `patroni-${first.name}`, "patroni", [paths.patroniConfig(first.name)], { runAs });
  await waitFor(
    "the first Postgres node to lead",
    async () => {
      assertRunning(paths, `patroni-${first.name}`);
      return (await patroniCluster(nodes))?.some((m) => m.role === "leader") ? true : null;
    },
    120_000,
  );
  for (const node of others)
    startDaemon(paths, `patroni-${node.name}`, "patroni", [paths.patroniConfig(node.name)], { runAs });
  const members = await waitFor(
    "a leader, a synchronous standby and every replica streaming",
    async () => {
      for (const node of nodes) assertRunning(paths, `patroni-${node.name}`);
      const current = await patroniCluster(nodes);
      return current && healthy(current, nodes.length) ? current : null;
    },
    180_000,
    500,
  );
  log(`Patroni: ${describe(members)}`);
}

async function startHaproxy(paths: ClusterPaths, nodes: readonly PostgresNode[]): Promise<void> {
  const config = haproxyConfig(nodes, tlsFiles(paths.root).haproxyPem);
  const changed = !existsSync(paths.haproxyConfig) || readFileSync(paths.haproxyConfig, "utf8") !== config;
  writeFileSync(paths.haproxyConfig, config);
  execFileSync("haproxy", ["-c", "-q", "-f", paths.haproxyConfig], { stdio: "inherit" });
  // A running HAProxy keeps the configuration it started with: restart it when this one differs.
  if (changed && runningPid(paths, "haproxy") !== null) await stopDaemon(paths, "haproxy");
  startDaemon(paths, "haproxy", "haproxy", ["-db", "-f", paths.haproxyConfig]);
  await waitFor(
    "HAProxy to route writes to the leader only",
    async () => {
      const leader = leaderName((await patroniCluster(nodes)) ?? []);
      const statuses = await haproxyServers();
      const writers = upServers(statuses, "postgres_read_write");
      const readers = upServers(statuses, "postgres_read_only");
      return leader && writers.length === 1 && writers[0] === leader && readers.length === nodes.length - 1
        ? true
        : null;
    },
    30_000,
  );
  log(`HAProxy: read-write ${HOST}:${HAPROXY.readWrite}, read-only ${HOST}:${HAPROXY.readOnly}`);
}

/** pgBackRest's stanza, once the leader archives its WAL (clusters made before archiving was configured do not). */
async function startBackups(paths: ClusterPaths): Promise<void> {
  const admin = new pg.Client({
    connectionString: `postgres://postgres@${HOST}:${HAPROXY.readWrite}/postgres`,
  });
  await admin.connect();
  const { rows } = await admin.query<{ archive_mode: string }>("show archive_mode");
  await admin.end();
  if (rows[0]?.archive_mode !== "on") {
    log(
      "WAL archiving is off in this cluster (made before backups were configured): no backups until it is recreated (npm run cluster:down -- --purge)",
    );
    return;
  }
  ensureStanza(paths);
  log(`pgBackRest: stanza ready, WAL archived to the encrypted repository ${paths.backup.repo}`);
}

async function createAndMigrate(repoRoot: string, caCert: string): Promise<void> {
  const { DATABASE_URL } = clusterUrls(caCert);
  const admin = new pg.Client({
    connectionString: `postgres://postgres@${HOST}:${HAPROXY.readWrite}/postgres`,
  });
  await admin.connect();
  try {
    const { rowCount } = await admin.query("select 1 from pg_database where datname = $1", [DATABASE]);
    if (rowCount === 0) await admin.query(`create database ${DATABASE}`);
  } finally {
    await admin.end();
  }
  // Migrations go through HAProxy to whichever node leads, like every other write.
  execFileSync(process.execPath, [join(repoRoot, "scripts", "prisma.mjs"), "migrate", "deploy"], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL },
    stdio: ["ignore", "inherit", "inherit"],
  });
  log(`database ${DATABASE} migrated through HAProxy`);
}

export async function startRedisCluster(paths: ClusterPaths): Promise<void> {
  for (const port of REDIS_PORTS) {
    ownedDir(paths.redis(port), null);
    startDaemon(paths, `redis-${port}`, "redis-server", redisArgs(port, paths.redis(port)));
  }
  await waitFor(
    "the Redis nodes",
    async () => {
      for (const port of REDIS_PORTS) await redisClusterState(port);
      return true;
    },
    30_000,
  );
  if ((await redisClusterState(REDIS_PORTS[0])).state !== "ok") {
    const known = (await redisClusterState(REDIS_PORTS[0])).knownNodes;
    if (known <= 1) {
      execFileSync(
        "redis-cli",
        [
          "--cluster",
          "create",
          ...REDIS_PORTS.map((p) => `${HOST}:${p}`),
          "--cluster-replicas",
          "1",
          "--cluster-yes",
        ],
        { stdio: ["ignore", "ignore", "inherit"] },
      );
    }
  }
  await waitFor(
    "the Redis Cluster to cover every slot",
    async () => {
      const states = await Promise.all(REDIS_PORTS.map((port) => redisClusterState(port)));
      return states.every((s) => s.state === "ok" && s.knownNodes === REDIS_PORTS.length) ? true : null;
    },
    60_000,
    500,
  );
  log(`Redis Cluster: 3 masters and 3 replicas on ${HOST}:${REDIS_PORTS[0]}–${REDIS_PORTS.at(-1)}`);
}

export async function clusterUp(options: { nodes: number; root?: string; migrate?: boolean }): Promise<void> {
  const repoRoot = findRepoRoot();
  const paths = clusterPaths(options.root ?? defaultClusterDir());
  const nodes = postgresNodes(options.nodes);
  ensurePackages(log);
  const runAs = postgresUser();
  // The postgres user must reach its data folders: every parent must be traversable.
  for (let dir = dirname(paths.root); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      execFileSync("runuser", ["-u", "postgres", "--", "test", "-x", dir]);
    } catch {
      throw new Error(`the postgres user cannot enter ${dir}; set CLUSTER_DIR to a folder it can reach`);
    }
  }
  ownedDir(paths.root, null, 0o755);
  await startEtcd(paths);
  const tls = ensureTestCa(paths.root, runAs);
  prepareBackups(paths, nodes, runAs);
  await startPatroni(paths, nodes, runAs);
  await startHaproxy(paths, nodes);
  await startBackups(paths);
  await waitFor("Postgres to offer TLS", () => postgresTls(), 60_000, 500);
  if (options.migrate !== false) await createAndMigrate(repoRoot, tls.caCert);
  await startRedisCluster(paths);
  const urls = clusterUrls(tls.caCert);
  const lines = Object.entries(urls).map(([key, value]) => `${key}=${value}`);
  writeFileSync(paths.urls, `${lines.join("\n")}\n`);
  console.log(`\nThe cluster is up (data under ${paths.root}). Run paycore against it with:\n`);
  console.log(`  export DATABASE_URL=${urls.DATABASE_URL}`);
  console.log(`  export REDIS_CLUSTER_NODES=${urls.REDIS_CLUSTER_NODES}`);
  console.log(
    `\nRead-only replicas (psql, reports; paycore itself reads from the leader): ${urls.DATABASE_READ_URL}`,
  );
  console.log(
    `\nTLS (test CA ${tls.caCert}, HSTS): the API https://127.0.0.1:${HAPROXY.apiTls}/ -> 127.0.0.1:${BEHIND_TLS.api}, the console https://127.0.0.1:${HAPROXY.consoleTls}/ -> 127.0.0.1:${BEHIND_TLS.console}; node clients: export NODE_EXTRA_CA_CERTS=${tls.caCert}`,
  );
  console.log(`\nHAProxy's stats: http://${HOST}:${HAPROXY.stats}/   Stop it: npm run cluster:down`);
}

/** True once the leader, through HAProxy, accepts a TLS connection checked against the test CA. */
async function postgresTls(): Promise<true | null> {
  const caCert = tlsFiles(defaultClusterDir()).caCert;
  const client = new pg.Client({ connectionString: clusterDatabaseUrl("postgres", caCert) });
  await client.connect();
  try {
    const { rows } = await client.query<{ ssl: boolean }>(
      "select ssl from pg_stat_ssl where pid = pg_backend_pid()",
    );
    return rows[0]?.ssl ? true : null;
  } finally {
    await client.end();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const { values } = parseArgs({
    options: { nodes: { type: "string", default: "3" }, help: { type: "boolean", default: false } },
  });
  if (values.help) {
    console.log(`npm run cluster:up [-- --nodes 2|3]   (data under CLUSTER_DIR, default .cluster/)`);
    process.exit(0);
  }
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 2 || nodes > MAX_NODES) {
    console.error("--nodes must be 2 or 3");
    process.exit(2);
  }
  clusterUp({ nodes }).catch((error: unknown) => {
    console.error(`[cluster] ${error instanceof Error ? error.message : String(error)}`);
    console.error("[cluster] logs are under .cluster/logs; `npm run cluster:down` stops what started");
    process.exit(1);
  });
}
