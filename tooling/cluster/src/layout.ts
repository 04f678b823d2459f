// The local high-availability cluster's layout: which process listens where and
// keeps its data in which folder. One place, so `cluster:up`, `cluster:down`,
// the drills and the docs agree. Every address is loopback.
import { join } from "node:path";

export const HOST = "127.0.0.1";

/** Patroni's cluster name (its key prefix in etcd). */
export const SCOPE = "paycore";
export const DATABASE = "paycore";
/** pgBackRest's name for the cluster's backups. */
export const STANZA = "paycore";

export const ETCD = { client: 2479, peer: 2480 } as const;
/** HAProxy: read-write to the leader, read-only to the replicas, and its stats page. */
export const HAPROXY = {
  readWrite: 5440,
  readOnly: 5439,
  stats: 8440,
  apiTls: 8448,
  consoleTls: 8449,
} as const;
/** Where HAProxy's TLS fronts send requests: the API's and the console's default ports (PORT, CONSOLE_PORT). */
export const BEHIND_TLS = { api: 4000, console: 4020 } as const;
/** Redis Cluster: three masters and three replicas. */
export const REDIS_PORTS = [7101, 7102, 7103, 7104, 7105, 7106] as const;

export interface PostgresNode {
  name: string;
  /** Postgres itself; clients go through HAProxy, never here. */
  port: number;
  /** Patroni's REST API: HAProxy's health checks (/primary, /replica) and the drills. */
  restPort: number;
}

export const MAX_NODES = 3;

export function postgresNodes(count: number): PostgresNode[] {
  if (!Number.isInteger(count) || count < 2 || count > MAX_NODES)
    throw new Error(`the cluster runs 2 or 3 Postgres nodes, not ${count}`);
  return Array.from({ length: count }, (_, i) => ({
    name: `pg${i + 1}`,
    port: 5441 + i,
    restPort: 8441 + i,
  }));
}

export interface ClusterPaths {
  root: string;
  logs: string;
  pids: string;
  etcd: string;
  postgres: (node: string) => string;
  patroniConfig: (node: string) => string;
  sockets: string;
  haproxyConfig: string;
  redis: (port: number) => string;
  /** What `cluster:up` printed, for the drills and `cluster:status`. */
  urls: string;
  /** pgBackRest: its configuration (holds the repository's cipher passphrase: mode 600), repository, logs. */
  backup: { config: string; repo: string; log: string; lock: string; spool: string; restores: string };
}

export function clusterPaths(root: string): ClusterPaths {
  return {
    root,
    logs: join(root, "logs"),
    pids: join(root, "pids"),
    etcd: join(root, "etcd"),
    postgres: (node) => join(root, "postgres", node),
    patroniConfig: (node) => join(root, "patroni", `${node}.yml`),
    sockets: join(root, "sockets"),
    haproxyConfig: join(root, "haproxy.cfg"),
    redis: (port) => join(root, "redis", String(port)),
    urls: join(root, "cluster.env"),
    backup: {
      config: join(root, "backup", "pgbackrest.conf"),
      repo: join(root, "backup", "repo"),
      log: join(root, "backup", "log"),
      lock: join(root, "backup", "lock"),
      spool: join(root, "backup", "spool"),
      restores: join(root, "restores"),
    },
  };
}

export interface ClusterUrls {
  DATABASE_URL: string;
  DATABASE_READ_URL: string;
  REDIS_CLUSTER_NODES: string;
}

export function clusterUrls(caCert?: string): ClusterUrls {
  // With the cluster's CA: TLS to Postgres, the server's name (127.0.0.1) checked against its certificate.
  const tls = caCert ? `?sslmode=verify-full&sslrootcert=${encodeURIComponent(caCert)}` : "";
  return {
    DATABASE_URL: `postgres://postgres@${HOST}:${HAPROXY.readWrite}/${DATABASE}${tls}`,
    DATABASE_READ_URL: `postgres://postgres@${HOST}:${HAPROXY.readOnly}/${DATABASE}${tls}`,
    REDIS_CLUSTER_NODES: REDIS_PORTS.map((port) => `${HOST}:${port}`).join(","),
  };
}

/** A database of the cluster through HAProxy's read-write port, over TLS when the CA is given. */
export function clusterDatabaseUrl(database: string, caCert?: string): string {
  const tls = caCert ? `?sslmode=verify-full&sslrootcert=${encodeURIComponent(caCert)}` : "";
  return `postgres://postgres@${HOST}:${HAPROXY.readWrite}/${database}${tls}`;
}
