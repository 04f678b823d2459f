// The local cluster's configuration and the readers of its engines' answers (pure: no process is started).
import { describe, expect, it } from "vitest";
import { FAILOVER_TIMING, haproxyConfig, patroniConfig, pgbackrestConfig, redisArgs } from "./configs";
import { parseStatsCsv, upServers } from "./haproxy-stats";
import { clusterPaths, clusterUrls, HAPROXY, postgresNodes, REDIS_PORTS } from "./layout";
import { healthy, leaderName } from "./patroni";
import { parseClusterInfo } from "./redis-cluster";

const paths = clusterPaths("/var/tmp/paycore-cluster-test");

describe("the cluster's configuration", () => {
  it("runs 2 or 3 Postgres nodes on distinct ports", () => {
    expect(() => postgresNodes(1)).toThrow();
    expect(() => postgresNodes(4)).toThrow();
    const nodes = postgresNodes(3);
    expect(new Set(nodes.flatMap((n) => [n.port, n.restPort])).size).toBe(6);
  });

  it("makes Patroni synchronous, with timings Patroni accepts", () => {
    const [node] = postgresNodes(2);
    if (!node) throw new Error("no node");
    const config = JSON.parse(patroniConfig(node, paths));
    expect(config.bootstrap.dcs.synchronous_mode).toBe(true);
    expect(config.bootstrap.dcs.postgresql.parameters.synchronous_commit).toBe("on");
    // Patroni refuses loop_wait + 2 × retry_timeout > ttl.
    expect(FAILOVER_TIMING.loop_wait + 2 * FAILOVER_TIMING.retry_timeout).toBeLessThanOrEqual(
      FAILOVER_TIMING.ttl,
    );
    expect(config.postgresql.listen).toBe(`127.0.0.1:${node.port}`);
    expect(config.postgresql.data_dir).toBe(paths.postgres(node.name));
    // Loopback only.
    for (const rule of config.bootstrap.pg_hba as string[])
      expect(rule).not.toMatch(/0\.0\.0\.0|::\/0|all\s+all\s+all\s+trust/);
  });

  it("routes writes by /primary and reads by /replica, cutting a demoted node's sessions", () => {
    const cfg = haproxyConfig(postgresNodes(3));
    const rw = cfg.slice(cfg.indexOf("listen postgres_read_write"), cfg.indexOf("listen postgres_read_only"));
    const ro = cfg.slice(cfg.indexOf("listen postgres_read_only"));
    expect(rw).toContain("GET /primary");
    expect(ro).toContain("GET /replica");
    expect(rw.match(/^\s+server /gm)).toHaveLength(3);
    expect(cfg).toContain("on-marked-down shutdown-sessions");
  });

  it("checks the leader fast enough to route writes to a new one within a quarter second of its promotion", () => {
    const cfg = haproxyConfig(postgresNodes(3));
    expect(cfg).toMatch(/default-server inter 1s fastinter 250ms downinter 250ms fall 2 rise 1 /);
  });

  it("serves Postgres over TLS with the cluster's certificate and archives WAL to pgBackRest", () => {
    const config = JSON.parse(patroniConfig(postgresNodes(3)[0] as never, paths));
    expect(config.postgresql.parameters).toMatchObject({
      ssl: "on",
      ssl_cert_file: "/var/tmp/paycore-cluster-test/tls/postgres/server.crt",
      ssl_key_file: "/var/tmp/paycore-cluster-test/tls/postgres/server.key",
      ssl_min_protocol_version: "TLSv1.2",
    });
    expect(config.postgresql.recovery_conf.restore_command).toBe(
      `pgbackrest --config=${paths.backup.config} --stanza=paycore --pg1-path=${paths.postgres("pg1")} archive-get %f "%p"`,
    );
    expect(config.bootstrap.dcs.postgresql.parameters).toMatchObject({ archive_mode: "on" });
  });

  it.each(postgresNodes(3))("archives WAL from $name's own data directory when it leads", (node) => {
    // pgBackRest refuses archive-push from a directory other than its pg1-path: one shared command left a promoted
    // standby archiving nothing.
    const config = JSON.parse(patroniConfig(node, paths));
    expect(config.postgresql.parameters.archive_command).toBe(
      `pgbackrest --config=${paths.backup.config} --stanza=paycore --pg1-path=${paths.postgres(node.name)} archive-push %p`,
    );
    expect(config.bootstrap.dcs.postgresql.parameters.archive_command).toBeUndefined();
  });

  it("keeps backups in an encrypted repository that knows every node", () => {
    const text = pgbackrestConfig(postgresNodes(3), paths, "a-passphrase");
    expect(text).toContain("repo1-cipher-type=aes-256-cbc");
    expect(text).toContain("repo1-cipher-pass=a-passphrase");
    expect(text.match(/^pg\d-path=/gm)).toHaveLength(3);
  });

  it("terminates TLS for the API and the console with HSTS, only when given a certificate", () => {
    expect(haproxyConfig(postgresNodes(3))).not.toContain("ssl crt");
    const cfg = haproxyConfig(postgresNodes(3), "/c/server.pem");
    expect(cfg).toContain(`bind 127.0.0.1:${HAPROXY.apiTls} ssl crt /c/server.pem ssl-min-ver TLSv1.2`);
    expect(cfg).toContain(`bind 127.0.0.1:${HAPROXY.consoleTls} ssl crt /c/server.pem ssl-min-ver TLSv1.2`);
    expect(
      cfg.match(
        /http-after-response set-header Strict-Transport-Security "max-age=63072000; includeSubDomains"/g,
      ),
    ).toHaveLength(2);
    expect(cfg).toContain("http-request set-header X-Forwarded-Proto https");
  });

  it("gives verify-full database URLs when the CA is known", () => {
    expect(clusterUrls("/c/ca.crt").DATABASE_URL).toBe(
      "postgres://postgres@127.0.0.1:5440/paycore?sslmode=verify-full&sslrootcert=%2Fc%2Fca.crt",
    );
  });

  it("starts Redis in cluster mode on loopback and prints every node", () => {
    const args = redisArgs(7101, "/tmp/x");
    expect(args).toEqual(expect.arrayContaining(["--cluster-enabled", "yes", "--bind", "127.0.0.1"]));
    expect(clusterUrls().REDIS_CLUSTER_NODES.split(",")).toHaveLength(REDIS_PORTS.length);
    expect(clusterUrls().DATABASE_URL).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:5440\//);
  });
});

describe("reading the engines' answers", () => {
  it("reads CLUSTER INFO", () => {
    expect(parseClusterInfo("cluster_state:ok\r\ncluster_known_nodes:6\r\ncluster_size:3\r\n")).toEqual({
      state: "ok",
      knownNodes: 6,
      size: 3,
    });
    expect(parseClusterInfo("").state).toBe("unknown");
  });

  it("reads which servers HAProxy routes to", () => {
    const csv = [
      "# pxname,svname,qcur,status",
      "postgres_read_write,FRONTEND,0,OPEN",
      "postgres_read_write,pg1,0,UP",
      "postgres_read_write,pg2,0,DOWN",
      "postgres_read_write,BACKEND,0,UP",
      "postgres_read_only,pg2,0,UP",
    ].join("\n");
    const statuses = parseStatsCsv(csv);
    expect(upServers(statuses, "postgres_read_write")).toEqual(["pg1"]);
    expect(upServers(statuses, "postgres_read_only")).toEqual(["pg2"]);
  });

  it("calls a cluster healthy only with a leader, a synchronous standby and every member running", () => {
    const members = [
      { name: "pg1", role: "leader", state: "running" },
      { name: "pg2", role: "sync_standby", state: "streaming" },
      { name: "pg3", role: "replica", state: "running" },
    ];
    expect(healthy(members, 3)).toBe(true);
    expect(leaderName(members)).toBe("pg1");
    expect(healthy(members.slice(0, 2), 3)).toBe(false);
    expect(healthy([members[0], { ...members[2], state: "starting" }] as typeof members, 2)).toBe(false);
    expect(healthy([members[0], members[2]] as typeof members, 2)).toBe(false);
  });
});
