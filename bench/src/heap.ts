// `npm run bench:heap`: what the API allocates and promotes per payment (issue 23, the half-load tail's major
// collections). Byte counts, not timings, so they compare across a loaded machine. Starts the API as the bench
// does (the bundle, production's node flags, plus `--trace-gc --trace-gc-nvp`), runs createPayment at a fixed
// rate or concurrency, and per phase reports:
//   1. bytes allocated and promoted per payment: V8's own figures of every collection in the phase
//      (`allocated=`, `promoted=` of `--trace-gc-nvp`), scavenges and major collections;
//   2. where the bytes are allocated: V8's allocation sampling of every object (collected or not), by area,
//      by function and by the first function of the API's bundle on the stack;
//   3. where the promoted bytes are allocated: the same sampling keeping only objects that survived their
//      scavenges (promoted, or still young when the phase ends);
//   4. with --snapshots: heap snapshots idle, in the middle of the next phase and idle after it, diffed by
//      constructor: what lives only under load, and what stays (a leak or a growing cache).
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { parseKeyring } from "@paycore/core/vault/card-vault";
import { findRepoRoot } from "@paycore/db/database-url";
import { createMerchants } from "./fixtures";
import { benchRunId, createBenchDatabase, generateSecrets, startApi, startRedis } from "./infra";
import { LoadClient } from "./load-client-process";
import { Probes } from "./monitor";
import { areaOf } from "./profile-summary";

const { values } = parseArgs({
  options: {
    rate: { type: "string" },
    concurrency: { type: "string", default: "8" },
    seconds: { type: "string", default: "30" },
    warmup: { type: "string", default: "20" },
    merchants: { type: "string", default: "100" },
    top: { type: "string", default: "25" },
    snapshots: { type: "boolean", default: false },
    "counts-only": { type: "boolean", default: false },
    "node-flags": { type: "string", default: "" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(`npm run bench:heap -- [--concurrency 8 | --rate <n>] [--seconds 30] [--warmup 20] [--merchants 100] [--top 25] [--snapshots]
  --concurrency  requests in flight, closed loop (the default): a request lives while about that many payments
                 allocate, whatever the machine's speed, so the bytes promoted per payment compare across loads
  --rate       createPayment/s, open loop (fixed schedule, at most 64 in flight): how long requests live then
               depends on how fast the machine is, and so does what they promote
  --seconds    length of each measured phase
  --warmup     seconds of the same load before the first phase (JIT, caches, prepared statements)
  --snapshots  also write heap snapshots (idle, in the middle of a phase, idle after it) and diff them
  --counts-only  only phase 1 (allocated and promoted bytes): the quick half of an A/B pair
  --node-flags=<flags>  V8/Node flags added to the API's (the other half of a pair of flags)`);
  process.exit(0);
}
const rate = values.rate === undefined ? undefined : Number(values.rate);
const concurrency = Number(values.concurrency);
const phaseSeconds = Number(values.seconds);
const top = Number(values.top);
/** Wait after a phase before an idle snapshot: caches of a few seconds (API keys: 2 s) expire. */
const SETTLE_MS = 5_000;

interface GcLine {
  ms: number;
  kind: string;
  allocated: number;
  promoted: number;
  /** The old generation after the collection: the heap's objects minus the young survivors. */
  oldAfter: number;
}

/** The `--trace-gc-nvp` lines of the API's log: time since the isolate started (≈ performance.now()). */
function gcLines(logFile: string): GcLine[] {
  const lines: GcLine[] = [];
  for (const line of readFileSync(logFile, "utf8").split("\n")) {
    const match = /\]\s+(\d+) ms: pause=[\d.]+ .*?gc=(\w+) /.exec(line);
    if (!match) continue;
    const field = (name: string) => Number(new RegExp(` ${name}=(\\d+)`).exec(line)?.[1] ?? 0);
    lines.push({
      ms: Number(match[1]),
      kind: match[2] as string,
      allocated: field("allocated"),
      promoted: field("promoted"),
      oldAfter: field("total_size_after") - field("new_space_survived"),
    });
  }
  return lines;
}

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

type Tally = Map<string, number>;
const add = (tally: Tally, key: string, bytes: number) => tally.set(key, (tally.get(key) ?? 0) + bytes);

function printTally(title: string, tally: Tally, payments: number, total: number): void {
  console.log(`  ${title}`);
  for (const [key, bytes] of [...tally].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const share = ((bytes / total) * 100).toFixed(1).padStart(5);
    console.log(`    ${String(Math.round(bytes / payments)).padStart(8)} B/payment ${share} %  ${key}`);
  }
}

/** The bundle's `// <source path>` comments (esbuild's), to name a bundle line's source file. */
function bundleSources(file: string): Array<[number, string]> {
  const sources: Array<[number, string]> = [];
  for (const [index, line] of readFileSync(file, "utf8").split("\n").entries()) {
    if (/^\/\/ (apps|packages)\/.*\.ts$/.test(line)) sources.push([index + 1, line.slice(3)]);
  }
  return sources;
}

function sourceOf(sources: Array<[number, string]>, line: number): string {
  let low = 0;
  let high = sources.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((sources[mid]?.[0] ?? 0) <= line) low = mid;
    else high = mid - 1;
  }
  return sources[low]?.[1] ?? "main.mjs";
}

/** Sums a .heapprofile by area, by function and by the innermost frame of the API's bundle (its caller). */
function summarizeSampling(file: string, payments: number, bundle: string): number {
  const { head } = JSON.parse(readFileSync(file, "utf8")) as { head: SamplingNode };
  const sources = bundleSources(bundle);
  const byArea: Tally = new Map();
  const byFunction: Tally = new Map();
  const byBundleFrame: Tally = new Map();
  let total = 0;
  const frameName = (frame: SamplingNode["callFrame"]) => {
    const url = frame.url.endsWith("/dist/main.mjs")
      ? `${sourceOf(sources, frame.lineNumber + 1)} (main.mjs`
      : frame.url.replace(/^.*\/node_modules\//, "");
    return `${frame.functionName || "(anonymous)"} ${url}:${frame.lineNumber + 1}${url.endsWith("(main.mjs") ? ")" : ""}`;
  };
  const walk = (node: SamplingNode, bundleFrame: string | null) => {
    const inBundle = node.callFrame.url.endsWith("/dist/main.mjs");
    const caller = inBundle ? frameName(node.callFrame) : bundleFrame;
    if (node.selfSize > 0) {
      total += node.selfSize;
      add(
        byArea,
        inBundle ? "the API's bundle" : areaOf(node.callFrame.url, node.callFrame.functionName),
        node.selfSize,
      );
      add(byFunction, frameName(node.callFrame), node.selfSize);
      add(byBundleFrame, caller ?? "(no bundle frame)", node.selfSize);
    }
    for (const child of node.children) walk(child, caller);
  };
  walk(head, null);
  console.log(`  sampled: ${Math.round(total / payments)} B/payment`);
  printTally("by area", byArea, payments, total);
  printTally("by function", byFunction, payments, total);
  printTally("by the innermost function of the API's bundle on the stack", byBundleFrame, payments, total);
  return total / payments;
}

/** Self size and count per node type and name (constructor, closure's function, string…) of a .heapsnapshot. */
function snapshotTally(file: string): Map<string, [number, number]> {
  const snapshot = JSON.parse(readFileSync(file, "utf8")) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const tally = new Map<string, [number, number]>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt] as number] as string;
    let name = snapshot.strings[snapshot.nodes[i + nameAt] as number] ?? "";
    if (type === "string" || type === "concatenated string" || type === "sliced string") name = "";
    const key = `${type} ${name.slice(0, 80)}`;
    const row = tally.get(key) ?? [0, 0];
    row[0] += snapshot.nodes[i + sizeAt] as number;
    row[1] += 1;
    tally.set(key, row);
  }
  return tally;
}

function printSnapshotDiff(before: string, after: string, payments: number): void {
  const a = snapshotTally(before);
  const b = snapshotTally(after);
  const rows = [...b].map(([key, [size, count]]) => {
    const [sizeBefore, countBefore] = a.get(key) ?? [0, 0];
    return { key, size: size - sizeBefore, count: count - countBefore, total: size };
  });
  const grown = rows.reduce((sum, row) => sum + row.size, 0);
  console.log(
    `  heap grew ${Math.round(grown / payments)} B/payment between the snapshots; the largest changes:`,
  );
  for (const row of rows.sort((x, y) => Math.abs(y.size) - Math.abs(x.size)).slice(0, top)) {
    console.log(
      `    ${String(Math.round(row.size / payments)).padStart(7)} B/payment ${String(row.count).padStart(8)} objects  (now ${Math.round(row.total / 1024)} kB)  ${row.key}`,
    );
  }
}

async function main(): Promise<void> {
  const repoRoot = findRepoRoot();
  const runId = benchRunId();
  const outDir = join(
    repoRoot,
    "results",
    `${new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19)}-heap`,
  );
  const probeDir = join(outDir, "probes");
  mkdirSync(probeDir, { recursive: true });
  const probes = new Probes(probeDir);
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch((error: unknown) => console.error(error));
  };
  process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));
  try {
    const database = await createBenchDatabase();
    cleanups.push(() => database.drop());
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const secrets = generateSecrets();
    const logFile = join(outDir, "api-1.log");
    const api = await startApi({
      repoRoot,
      databaseUrl: database.url,
      redisUrl: redis.url,
      secrets,
      processes: 1,
      poolMax: null,
      probeDir,
      logFile,
      extraNodeFlags: [
        "--trace-gc",
        "--trace-gc-nvp",
        "--expose-gc",
        ...(values["node-flags"] ?? "").split(" ").filter(Boolean),
      ],
    });
    cleanups.push(() => api.stop());
    await probes.waitFor([api.pid], 10_000);
    const fixtures = await createMerchants({
      databaseUrl: database.url,
      baseUrl: api.baseUrl,
      runId,
      count: Number(values.merchants),
      cardsPerMerchant: 200,
      hotCards: 10,
      vault: parseKeyring({
        encryptionKeys: secrets.VAULT_ENCRYPTION_KEYS,
        fingerprintKey: secrets.VAULT_FINGERPRINT_KEY,
      }),
    });
    const client = await LoadClient.start(repoRoot, {
      type: "configure",
      baseUrl: api.baseUrl,
      runId,
      merchants: fixtures.merchants,
      hot: fixtures.hot,
    });
    cleanups.push(async () => client.stop());
    const run = async (seconds: number) => {
      const result = await client.run({
        name: "createPayment",
        operation: "createPayment",
        merchants: "many",
        durationMs: seconds * 1000,
        ...(rate === undefined ? { concurrency } : { concurrency: 64, ratePerSecond: rate }),
      });
      if (result.errorCount > 0) console.log(`  errors: ${JSON.stringify(result.errors)}`);
      // Promotion depends on how long requests live: a rate the machine does not sustain promotes more.
      console.log(
        `  ${result.ok} payments in ${(result.elapsedMs / 1000).toFixed(1)} s, latency p50 ${result.latencyMs.p50.toFixed(1)} p99 ${result.latencyMs.p99.toFixed(1)} ms${rate === undefined ? "" : `, ${result.notSent} not sent (64 in flight)`}`,
      );
      return result.ok;
    };
    const heapNow = async () => (await probes.call(api.pid, "/heap")) as { now: number };
    console.log(
      `API pid ${api.pid}, log ${logFile}; createPayment ${rate === undefined ? `closed loop, ${concurrency} in flight` : `at ${rate}/s`}, ${phaseSeconds} s a phase`,
    );
    await run(Number(values.warmup));

    console.log("\n1. allocated and promoted per payment (V8's --trace-gc-nvp)");
    const before = await heapNow();
    const payments = await run(phaseSeconds);
    const after = await heapNow();
    const gcs = gcLines(logFile).filter((gc) => gc.ms > before.now && gc.ms <= after.now);
    const sum = (pick: (gc: GcLine) => number) => gcs.reduce((total, gc) => total + pick(gc), 0);
    const scavenges = gcs.filter((gc) => gc.kind === "s");
    // The old generation's growth at each scavenge: promoted objects, and those allocated there directly
    // (pretenured allocation sites, large objects, code).
    let oldGrowth = 0;
    for (const [i, gc] of gcs.entries()) {
      const previous = gcs[i - 1];
      if (gc.kind === "s" && previous !== undefined) oldGrowth += gc.oldAfter - previous.oldAfter;
    }
    const perPayment = (bytes: number) => Math.round(bytes / payments);
    console.log(
      `  allocated ${perPayment(sum((gc) => gc.allocated))} B/payment, promoted ${perPayment(sum((gc) => gc.promoted))} B/payment, ` +
        `old generation grown at scavenges ${perPayment(oldGrowth)} B/payment; ${scavenges.length} scavenges (${(payments / Math.max(1, scavenges.length)).toFixed(1)} payments each), ` +
        `${gcs.length - scavenges.length} major collections`,
    );
    if (values["counts-only"]) return;

    for (const [index, minor] of [
      [2, "1"],
      [3, "0"],
    ] as const) {
      console.log(
        minor === "1"
          ? "\n2. where the bytes are allocated (allocation sampling, every object)"
          : "\n3. where the promoted bytes are allocated (allocation sampling, objects that outlived their scavenges)",
      );
      const file = join(outDir, `api-${minor === "1" ? "allocated" : "promoted"}.heapprofile`);
      await probes.call(api.pid, `/heap/sampling/start?minor=${minor}`);
      const sampled = await run(phaseSeconds);
      await probes.call(api.pid, `/heap/sampling/stop?file=${encodeURIComponent(file)}`);
      console.log(`  phase ${index}: ${sampled} payments, ${file}`);
      summarizeSampling(file, sampled, join(repoRoot, "apps/api/dist/main.mjs"));
    }

    if (values.snapshots) {
      console.log("\n4. heap snapshots: idle after a phase, in the middle of the next, idle after it");
      const snapshot = async (name: string) => {
        const file = join(outDir, `api-${name}.heapsnapshot`);
        await probes.call(api.pid, `/heap/snapshot?file=${encodeURIComponent(file)}`);
        return file;
      };
      await sleep(SETTLE_MS);
      const idle = await snapshot("idle-1");
      const running = run(phaseSeconds);
      await sleep((phaseSeconds * 1000) / 2);
      const loaded = await snapshot("loaded");
      const between = await running;
      await sleep(SETTLE_MS);
      const idleAfter = await snapshot("idle-2");
      console.log(
        `  what lives during the load that does not when idle (per payment of the phase, ${between}):`,
      );
      printSnapshotDiff(idle, loaded, between);
      console.log("  what stays after the phase (a leak or a cache that grows):");
      printSnapshotDiff(idle, idleAfter, between);
    }
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
