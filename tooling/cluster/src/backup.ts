// Backups of the local cluster with pgBackRest (Debian's package): an encrypted repository under
// .cluster/backup, WAL archived by every leader (archive_command in Patroni's configuration), full backups
// taken from whichever node leads, and restores to a point in time into a fresh data folder started as its own
// PostgreSQL instance. Runs pgBackRest as the postgres user, which owns the data and the repository.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { POSTGRES_BIN, pgbackrestConfig } from "./configs";
import { type ClusterPaths, HOST, type PostgresNode, STANZA } from "./layout";
import type { RunAs } from "./processes";

/** Long enough for a full backup or a restore of the drill's databases on a busy machine. */
const PGBACKREST_TIMEOUT_MS = 300_000;

function ownedByPostgres(path: string, runAs: RunAs): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
  chownSync(path, runAs.uid, runAs.gid);
}

/** The repository's passphrase: made once, kept in the configuration (mode 600, the postgres user's). */
function cipherPass(paths: ClusterPaths): string {
  if (existsSync(paths.backup.config)) {
    const match = /^repo1-cipher-pass=(.+)$/m.exec(readFileSync(paths.backup.config, "utf8"));
    if (match?.[1]) return match[1];
  }
  return randomBytes(32).toString("base64url");
}

/** Writes pgBackRest's configuration and folders; before Patroni starts, so archive_command works at once. */
export function prepareBackups(paths: ClusterPaths, nodes: readonly PostgresNode[], runAs: RunAs): void {
  for (const dir of [
    join(paths.root, "backup"),
    paths.backup.repo,
    paths.backup.log,
    paths.backup.lock,
    paths.backup.spool,
  ])
    ownedByPostgres(dir, runAs);
  writeFileSync(paths.backup.config, pgbackrestConfig(nodes, paths, cipherPass(paths)), { mode: 0o600 });
  chmodSync(paths.backup.config, 0o600);
  chownSync(paths.backup.config, runAs.uid, runAs.gid);
}

/** `pgbackrest <command>` as the postgres user, on the cluster's stanza; returns what it printed. */
export function pgbackrest(paths: ClusterPaths, args: readonly string[]): string {
  return execFileSync(
    "runuser",
    ["-u", "postgres", "--", "pgbackrest", `--config=${paths.backup.config}`, `--stanza=${STANZA}`, ...args],
    { encoding: "utf8", timeout: PGBACKREST_TIMEOUT_MS, stdio: ["ignore", "pipe", "pipe"] },
  );
}

/** Creates the stanza (idempotent) and checks that the leader's WAL reaches the repository. */
export function ensureStanza(paths: ClusterPaths): void {
  pgbackrest(paths, ["stanza-create"]);
  pgbackrest(paths, ["check"]);
}

export interface BackupInfo {
  label: string;
  type: string;
  /** Bytes of the database the backup covers, and what the repository stores (compressed, encrypted). */
  databaseBytes: number;
  repositoryBytes: number;
  cipher: string;
}

/** The newest backup as `pgbackrest info --output=json` reports it. */
export function latestBackup(paths: ClusterPaths): BackupInfo | null {
  const [stanza] = JSON.parse(pgbackrest(paths, ["info", "--output=json"])) as Array<{
    cipher: string;
    backup: Array<{ label: string; type: string; info: { size: number; repository: { delta: number } } }>;
  }>;
  const newest = stanza?.backup.at(-1);
  if (!stanza || !newest) return null;
  return {
    label: newest.label,
    type: newest.type,
    databaseBytes: newest.info.size,
    repositoryBytes: newest.info.repository.delta,
    cipher: stanza.cipher,
  };
}

export interface RestoredInstance {
  port: number;
  dataDir: string;
  url(database: string): string;
  stop(): void;
}

/**
 * Restores the repository to `targetTime` into a fresh folder and starts it as its own instance on `port`
 * (promoted once it reached the target): no archiving, no synchronous standby to wait for, loopback only.
 */
export function restoreToTime(
  paths: ClusterPaths,
  runAs: RunAs,
  options: { name: string; targetTime: string; port: number },
): RestoredInstance {
  const dataDir = join(paths.backup.restores, options.name);
  ownedByPostgres(paths.backup.restores, runAs);
  rmSync(dataDir, { recursive: true, force: true });
  ownedByPostgres(dataDir, runAs);
  pgbackrest(paths, [
    "restore",
    `--pg1-path=${dataDir}`,
    "--type=time",
    `--target=${options.targetTime}`,
    "--target-action=promote",
  ]);
  // Patroni's files name the node the backup came from: the restored instance gets settings of its own.
  const hba = join(dataDir, "pg_hba.restored.conf");
  writeFileSync(hba, `local all all trust\nhost all all ${HOST}/32 trust\n`);
  chownSync(hba, runAs.uid, runAs.gid);
  const settings = [
    `port=${options.port}`,
    `listen_addresses=${HOST}`,
    `unix_socket_directories=${dataDir}`,
    `hba_file=${hba}`,
    "archive_mode=off",
    "synchronous_standby_names=",
    "hot_standby=on",
  ];
  execFileSync(
    "runuser",
    [
      "-u",
      "postgres",
      "--",
      join(POSTGRES_BIN, "pg_ctl"),
      "-D",
      dataDir,
      "-l",
      join(dataDir, "restored.log"),
      "-w",
      "-t",
      "300",
      "-o",
      settings.map((s) => `-c ${s}`).join(" "),
      "start",
    ],
    { stdio: ["ignore", "pipe", "pipe"], timeout: PGBACKREST_TIMEOUT_MS },
  );
  return {
    port: options.port,
    dataDir,
    url: (database) => `postgres://postgres@${HOST}:${options.port}/${database}`,
    stop() {
      execFileSync(
        "runuser",
        ["-u", "postgres", "--", join(POSTGRES_BIN, "pg_ctl"), "-D", dataDir, "-m", "fast", "-w", "stop"],
        { stdio: "ignore" },
      );
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
