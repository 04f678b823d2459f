// The cluster's engines come from Debian's archive; this installs the missing ones.
import { execFileSync } from "node:child_process";

/** Binary → the Debian package that provides it. */
export const REQUIRED: ReadonlyArray<readonly [string, string]> = [
  ["etcd", "etcd-server"],
  ["patroni", "patroni"],
  ["haproxy", "haproxy"],
  ["redis-server", "redis-server"],
  ["redis-cli", "redis-tools"],
  // Patroni's nodes archive their WAL with it (archive_command, restore_command): without it a node's archiving
  // fails and a replica cannot start from the archive, so the cluster never becomes healthy.
  ["pgbackrest", "pgbackrest"],
  ["/usr/lib/postgresql/15/bin/postgres", "postgresql-15"],
];

function present(binary: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function missingPackages(): string[] {
  return REQUIRED.filter(([binary]) => !present(binary)).map(([, pkg]) => pkg);
}

export function ensurePackages(log: (message: string) => void): void {
  const missing = missingPackages();
  if (missing.length === 0) return;
  log(`installing from Debian's archive: ${missing.join(", ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", ...missing], {
      stdio: "inherit",
      env,
    });
  try {
    install();
  } catch {
    execFileSync("apt-get", ["update"], { stdio: "inherit", env });
    install();
  }
  const still = missingPackages();
  if (still.length > 0) throw new Error(`could not install ${still.join(", ")}`);
}
