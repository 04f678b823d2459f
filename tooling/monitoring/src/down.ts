// `npm run monitoring:down [-- --purge]`: stops what `monitoring:up` started;
// --purge also deletes its folder (the stored series included).
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { monitoringPaths, stopDaemon } from "./daemons";
import { defaultMonitoringDir } from "./up";

export async function monitoringDown(options: { purge: boolean; root?: string }): Promise<void> {
  const paths = monitoringPaths(options.root ?? defaultMonitoringDir());
  const stopped = [await stopDaemon(paths, "prometheus"), await stopDaemon(paths, "alertmanager")].filter(
    Boolean,
  );
  console.log(`[monitoring] stopped ${stopped.length} processes`);
  if (options.purge) {
    rmSync(paths.root, { recursive: true, force: true });
    console.log(`[monitoring] deleted ${paths.root}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const { values } = parseArgs({ options: { purge: { type: "boolean", default: false } } });
  monitoringDown({ purge: values.purge ?? false }).catch((error: unknown) => {
    console.error(`[monitoring] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
