// Where the API's CPU time goes: sums self time of a V8 .cpuprofile by function and by area (a
// node_modules package, a workspace file, Node internals, GC). Used by main.ts after a profiled step,
// and on its own: `npx tsx bench/src/profile-summary.ts <file.cpuprofile> [top]`.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of the profile in which the thread was busy (not idle). */
  busyPercent: number;
  functions: SelfTime[];
  areas: SelfTime[];
}

/** The package, workspace or runtime part a script belongs to. */
export function areaOf(url: string, functionName: string): string {
  if (url === "") {
    if (functionName.startsWith("(")) return functionName; // (garbage collector), (program), (idle)
    return "(native)";
  }
  if (url.startsWith("node:")) return "node: internals";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "/node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const workspace = /\/(apps|packages)\/([^/]+)\/src\/(.*)$/.exec(url);
  if (workspace) return `${workspace[1]}/${workspace[2]}/${workspace[3]?.split("/")[0]}`;
  return url.replace(/^file:\/\//, "");
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) return url.slice(modules + "/node_modules/".length);
  const repo = /\/(apps|packages|bench)\/.*$/.exec(url);
  return repo ? repo[0].slice(1) : url;
}

export function summarizeProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    // timeDeltas[i] is the time since the previous sample: it belongs to the sample before it.
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    selfMs.set(id, (selfMs.get(id) ?? 0) + dt);
  }
  const totalMs = [...selfMs.values()].reduce((a, b) => a + b, 0);
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  let idleMs = 0;
  for (const [id, ms] of selfMs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") {
      idleMs += ms;
      continue;
    }
    const name = url ? `${functionName || "(anonymous)"} ${shortUrl(url)}:${lineNumber + 1}` : functionName;
    functions.set(name, (functions.get(name) ?? 0) + ms);
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + ms);
  }
  const busyMs = totalMs - idleMs;
  const rank = (map: Map<string, number>, limit: number): SelfTime[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), percent: busyMs > 0 ? (ms / busyMs) * 100 : 0 }));
  return {
    totalMs: Math.round(totalMs),
    busyPercent: totalMs > 0 ? (busyMs / totalMs) * 100 : 0,
    functions: rank(functions, top),
    areas: rank(areas, top),
  };
}

export function printProfileSummary(summary: ProfileSummary): void {
  console.log(
    `\nCPU profile: ${summary.totalMs} ms sampled, thread busy ${summary.busyPercent.toFixed(0)}% (shares below are of busy time)`,
  );
  console.log("\n  self time by area");
  for (const area of summary.areas.slice(0, 15)) {
    console.log(`  ${area.percent.toFixed(1).padStart(5)}%  ${String(area.ms).padStart(6)} ms  ${area.name}`);
  }
  console.log("\n  self time by function");
  for (const fn of summary.functions) {
    console.log(`  ${fn.percent.toFixed(1).padStart(5)}%  ${String(fn.ms).padStart(6)} ms  ${fn.name}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: tsx bench/src/profile-summary.ts <file.cpuprofile> [top]");
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  printProfileSummary(summarizeProfile(profile, Number(process.argv[3] ?? 25)));
}
