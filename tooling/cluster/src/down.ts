// `npm run cluster:down [-- --purge]`: stops what `cluster:up` started, in the
// reverse order (HAProxy, the Patroni nodes with their Postgres, etcd, Redis);
// --purge also deletes the data folder.
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { clusterPaths } from "./layout";
import { daemonNames, stopDaemon } from "./processes";
import { defaultClusterDir } from "./up";

const ORDER = ["haproxy", "patroni-", "etcd", "redis-"];

export async function clusterDown(options: { purge: boolean; root?: string }): Promise<void> {
  const paths = clusterPaths(options.root ?? defaultClusterDir());
  const names = daemonNames(paths).sort(
    (a, b) => ORDER.findIndex((p) => a.startsWith(p)) - ORDER.findIndex((p) => b.startsWith(p)),
  );
  // Replicas before the leader would trigger needless failovers: stop the Patroni nodes together.
  const patroni = names.filter((n) => n.startsWith("patroni-"));
  for (const name of names.filter((n) => n === "haproxy")) await stopDaemon(paths, name);
  await Promise.all(patroni.map((name) => stopDaemon(paths, name, 60_000)));
  for (const name of names.filter((n) => n !== "haproxy" && !n.startsWith("patroni-")))
    await stopDaemon(paths, name);
  console.log(`[cluster] stopped ${names.length} processes`);
  if (options.purge) {
    rmSync(paths.root, { recursive: true, force: true });
    console.log(`[cluster] deleted ${paths.root}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const { values } = parseArgs({ options: { purge: { type: "boolean", default: false } } });
  clusterDown({ purge: values.purge ?? false }).catch((error: unknown) => {
    console.error(`[cluster] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
