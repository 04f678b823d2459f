// The configuration files of the cluster's engines, rendered from the layout.
// Pure functions: the unit tests read them, `cluster:up` writes them.
import {
  BEHIND_TLS,
  type ClusterPaths,
  ETCD,
  HAPROXY,
  HOST,
  type PostgresNode,
  SCOPE,
  STANZA,
} from "./layout";
import { tlsFiles } from "./tls";

export const POSTGRES_BIN = "/usr/lib/postgresql/15/bin";

/**
 * Failure detection: the leader key lives `ttl` seconds; Patroni's loop runs every `loop_wait`.
 * Patroni requires loop_wait + 2 × retry_timeout ≤ ttl. These are tighter than Patroni's defaults
 * (30/10/10) so a drill on one machine fails over in seconds; production keeps the defaults or
 * tunes them to its network (docs/operations.md, "High availability").
 */
export const FAILOVER_TIMING = { ttl: 10, loop_wait: 2, retry_timeout: 4 } as const;

/**
 * Patroni's YAML for one node. JSON is YAML, so no YAML library is needed.
 * `synchronous_mode: true`: a commit returns only once the synchronous standby has it, and Patroni
 * promotes only that standby, so an acknowledged commit survives the leader's loss.
 */
export function patroniConfig(node: PostgresNode, paths: ClusterPaths): string {
  const config = {
    scope: SCOPE,
    namespace: "/service/",
    name: node.name,
    log: { level: "INFO" },
    restapi: { listen: `${HOST}:${node.restPort}`, connect_address: `${HOST}:${node.restPort}` },
    etcd3: { hosts: [`${HOST}:${ETCD.client}`] },
    bootstrap: {
      dcs: {
        ...FAILOVER_TIMING,
        maximum_lag_on_failover: 1_048_576,
        synchronous_mode: true,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: {
            wal_level: "replica",
            hot_standby: "on",
            wal_log_hints: "on",
            max_wal_senders: 10,
            max_replication_slots: 10,
            max_connections: 200,
            synchronous_commit: "on",
            shared_buffers: "128MB",
            // Every WAL segment goes to pgBackRest's encrypted repository (the leader archives; a promoted
            // standby takes over), so a base backup plus the archive restores to any moment (drill:backup).
            // The command itself is each node's own (below): it names the node's data directory.
            archive_mode: "on",
            archive_timeout: 60,
          },
        },
      },
      initdb: [{ encoding: "UTF8" }, { locale: "C.UTF-8" }, "data-checksums"],
      // Loopback only, trust: a local cluster for development and drills. Production uses
      // scram-sha-256 and TLS (docs/operations.md).
      pg_hba: [
        "local all all trust",
        `host replication replicator ${HOST}/32 trust`,
        `host all all ${HOST}/32 trust`,
      ],
    },
    postgresql: {
      listen: `${HOST}:${node.port}`,
      connect_address: `${HOST}:${node.port}`,
      data_dir: paths.postgres(node.name),
      bin_dir: POSTGRES_BIN,
      pgpass: `${paths.postgres(node.name)}.pgpass`,
      authentication: {
        superuser: { username: "postgres", password: "postgres" },
        replication: { username: "replicator", password: "replicator" },
        rewind: { username: "postgres", password: "postgres" },
      },
      // Applied at every start and reload (not only at bootstrap): TLS with the cluster's test CA.
      parameters: {
        unix_socket_directories: paths.sockets,
        ssl: "on",
        ssl_cert_file: tlsFiles(paths.root).postgresCert,
        ssl_key_file: tlsFiles(paths.root).postgresKey,
        ssl_min_protocol_version: "TLSv1.2",
        // WAL kept for a node that rejoins after a failover (the old leader, pg_rewound); older WAL comes from
        // the archive (restore_command below). Without either, the drill's old leader asked the new one for a
        // segment it had already removed and never came back.
        wal_keep_size: "512MB",
        archive_command: archiveCommand(node, paths),
      },
      recovery_conf: {
        restore_command: `${pgbackrestForNode(node, paths)} archive-get %f "%p"`,
      },
    },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/**
 * pgBackRest as one node runs it: `--pg1-path` is that node's data directory. pgBackRest refuses to archive from a
 * directory other than pg1-path (error 032), and the configuration file's pg1 is the first node: with one
 * archive_command for all (it was in Patroni's shared configuration), a promoted standby archived nothing after
 * the Postgres drill (`pg_stat_archiver`: 0 archived, 24 failed), its WAL piled up and the next `cluster:up`
 * failed its `pgbackrest check`.
 */
function pgbackrestForNode(node: PostgresNode, paths: ClusterPaths): string {
  return `pgbackrest --config=${paths.backup.config} --stanza=${STANZA} --pg1-path=${paths.postgres(node.name)}`;
}

export function archiveCommand(node: PostgresNode, paths: ClusterPaths): string {
  return `${pgbackrestForNode(node, paths)} archive-push %p`;
}

/**
 * pgBackRest's configuration: one repository on this machine, encrypted (aes-256-cbc with a passphrase of its
 * own, so a copied repository reads as noise), full backups kept two at a time with their WAL; the nodes are
 * listed so a backup runs against whichever leads. Production keeps the repository on another machine or in
 * object storage (repo1-type=s3) and the passphrase in its secret store (docs/operations.md).
 */
export function pgbackrestConfig(
  nodes: readonly PostgresNode[],
  paths: ClusterPaths,
  cipherPass: string,
): string {
  const pgs = nodes.flatMap((node, i) => [
    `pg${i + 1}-path=${paths.postgres(node.name)}`,
    `pg${i + 1}-port=${node.port}`,
    `pg${i + 1}-socket-path=${paths.sockets}`,
  ]);
  return `[global]
repo1-path=${paths.backup.repo}
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass=${cipherPass}
repo1-retention-full=2
log-path=${paths.backup.log}
lock-path=${paths.backup.lock}
spool-path=${paths.backup.spool}
log-level-console=warn
log-level-file=info
start-fast=y
compress-type=lz4

[${STANZA}]
${pgs.join("\n")}
`;
}

/**
 * HAProxy in TCP mode: the read-write port goes to whichever node answers 200 on Patroni's
 * `/primary`, the read-only port to those answering `/replica`. `on-marked-down shutdown-sessions`
 * cuts connections to a node that lost the leadership, so no client keeps writing to a demoted node.
 */
export function haproxyConfig(nodes: readonly PostgresNode[], tlsPem?: string): string {
  const servers = (check: string) =>
    nodes.map((n) => `  server ${n.name} ${HOST}:${n.port} maxconn 200 check port ${n.restPort}`).join("\n") +
    `\n  option httpchk GET ${check}\n  http-check expect status 200`;
  return `global
  maxconn 2000

defaults
  mode tcp
  timeout connect 2s
  timeout client 30m
  timeout server 30m
  timeout check 2s
  default-server inter 1s fastinter 250ms downinter 250ms fall 2 rise 1 on-marked-down shutdown-sessions

listen stats
  mode http
  bind ${HOST}:${HAPROXY.stats}
  stats enable
  stats uri /

listen postgres_read_write
  bind ${HOST}:${HAPROXY.readWrite}
${servers("/primary")}

listen postgres_read_only
  bind ${HOST}:${HAPROXY.readOnly}
  balance roundrobin
${servers("/replica")}
${tlsPem ? tlsFronts(tlsPem) : ""}`;
}

/**
 * TLS for the API and the console, terminated by HAProxy with the cluster's certificate (TLS 1.2 at least),
 * HSTS on every answer (also HAProxy's own 503 when nothing listens behind), the scheme and the client's
 * address passed on (X-Forwarded-Proto, X-Forwarded-For: set RATE_LIMIT_TRUSTED_PROXIES=127.0.0.1 so the API
 * reads the client's address from it).
 */
function tlsFronts(pem: string): string {
  const front = (name: string, port: number, upstream: number) => `
frontend ${name}_tls
  mode http
  bind ${HOST}:${port} ssl crt ${pem} ssl-min-ver TLSv1.2 alpn http/1.1
  timeout client 60s
  option forwardfor
  http-request set-header X-Forwarded-Proto https
  http-after-response set-header Strict-Transport-Security "max-age=63072000; includeSubDomains"
  default_backend ${name}_http

backend ${name}_http
  mode http
  timeout server 60s
  server ${name} ${HOST}:${upstream}
`;
  return (
    front("api", HAPROXY.apiTls, BEHIND_TLS.api) + front("console", HAPROXY.consoleTls, BEHIND_TLS.console)
  );
}

export function etcdArgs(dataDir: string): string[] {
  const client = `http://${HOST}:${ETCD.client}`;
  const peer = `http://${HOST}:${ETCD.peer}`;
  return [
    "--name=etcd1",
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=etcd1=${peer}`,
    "--initial-cluster-state=new",
  ];
}

export function redisArgs(port: number, dataDir: string): string[] {
  return [
    "--bind",
    HOST,
    "--port",
    String(port),
    "--cluster-enabled",
    "yes",
    "--cluster-config-file",
    "nodes.conf",
    // A replica takes over after 2 s without its master (the failover drill measures it).
    "--cluster-node-timeout",
    "2000",
    "--dir",
    dataDir,
    "--save",
    "",
    "--appendonly",
    "no",
    // Replicas sync at once instead of after the default 5 s batching delay: one that never synced cannot take over.
    "--repl-diskless-sync-delay",
    "0",
    "--protected-mode",
    "yes",
  ];
}
