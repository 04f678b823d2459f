// What a step costs: CPU time of the API, Postgres, Redis and the load generator from /proc (Linux),
// peak API RSS sampled during the step, and the API's event-loop delay from the preload probe.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const CLOCK_TICKS_PER_SECOND = 100;
const RSS_SAMPLE_MS = 200;
/** Steal is sampled this often, so a slow request can be matched with the second it was scheduled in. */
const STEAL_SAMPLE_MS = 1000;

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm is in parentheses and may hold spaces; the fields after it are space-separated.
    const open = text.indexOf("(");
    const close = text.lastIndexOf(")");
    const fields = text.slice(close + 2).split(" ");
    return {
      pid,
      comm: text.slice(open + 1, close),
      ppid: Number(fields[1]),
      cpuTicks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return null;
  }
}

function allProcesses(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) stats.push(stat);
  }
  return stats;
}

/** `pid` and its descendants that run node (not helpers such as tsx's esbuild service). */
export function nodeProcessTree(pid: number): number[] {
  const processes = allProcesses();
  const tree = new Set<number>([pid]);
  for (let depth = 0; depth < 8; depth++) {
    for (const p of processes) if (tree.has(p.ppid)) tree.add(p.pid);
  }
  return processes.filter((p) => tree.has(p.pid) && p.comm.startsWith("node")).map((p) => p.pid);
}

/** Read and write system calls made so far by the processes `pids` (/proc/<pid>/io's syscr + syscw). */
function syscallsOf(pids: number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      const io = readFileSync(`/proc/${pid}/io`, "utf8");
      sum += Number(/syscr: (\d+)/.exec(io)?.[1] ?? 0) + Number(/syscw: (\d+)/.exec(io)?.[1] ?? 0);
    } catch {
      // The process ended: it counts no more.
    }
  }
  return sum;
}

export function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** /proc/stat's first line: user nice system idle iowait irq softirq steal. */
function machineTicks(): { busy: number; total: number; steal: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total, steal: values[7] ?? 0 };
}

export interface CpuUsage {
  /** Percent of one core over the step (200 = two cores busy). */
  api: number;
  postgres: number;
  redis: number;
  loadClient: number;
  /** Whole machine, same unit. */
  machine: number;
  /** What none of the above used: other work on the machine (the bench itself, other users). */
  other: number;
  /**
   * Time the hypervisor gave this machine's cores to other guests while it wanted them (/proc/stat steal), same
   * unit: on a shared host, the requests in flight simply stop meanwhile.
   */
  steal: number;
  /** Per API process: pid and percent of one core. */
  apiProcesses: Array<{ pid: number; cpu: number }>;
}

export interface Watched {
  apiPids: number[];
  loadClientPid: number | null;
  redisPid: number | null;
  /**
   * Postgres client backends serving other databases (other users of a shared server): their CPU is
   * not the bench's. Postgres's own background processes (WAL writer, checkpointer) are counted.
   */
  foreignBackends?: () => Promise<Set<number>>;
}

function ticksOf(pids: number[]): Map<number, number> {
  const map = new Map<number, number>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) map.set(pid, stat.cpuTicks);
  }
  return map;
}

/**
 * The pinned view's run (pinned.ts) measures a private cluster: only its postmaster and that postmaster's
 * children count, not the machine's shared server.
 */
let postgresPostmaster: number | null = null;

/** Counts only the Postgres processes of the postmaster `pid` (the run's own cluster) from now on. */
export function countPostgresOf(pid: number): void {
  postgresPostmaster = pid;
}

function postgresTicks(): Map<number, number> {
  const map = new Map<number, number>();
  for (const p of allProcesses()) {
    if (p.comm !== "postgres") continue;
    if (postgresPostmaster !== null && p.pid !== postgresPostmaster && p.ppid !== postgresPostmaster)
      continue;
    map.set(p.pid, p.cpuTicks);
  }
  return map;
}

function delta(before: Map<number, number>, after: Map<number, number>, exclude?: Set<number>): number {
  let sum = 0;
  for (const [pid, ticks] of after) if (!exclude?.has(pid)) sum += ticks - (before.get(pid) ?? 0);
  return sum;
}

/** CPU over one sampled second, in percent of one core. */
export interface CpuSecond {
  /** Start of the second, epoch ms. */
  at: number;
  api: number;
  /** Every Postgres process counted (the run's own postmaster's, with --postgres-pid), other databases' too. */
  postgres: number;
  /** The whole machine but steal. */
  machine: number;
  steal: number;
}

export interface StepUsage {
  cpu: CpuUsage;
  apiRssPeakMb: number;
  /** Peak RSS of each API process over the step. */
  rssPeakByPid: Record<number, number>;
  /** [start of a second (epoch ms), steal over it in percent of one core], through the step. */
  stealBySecond: Array<[number, number]>;
  /** CPU second by second through the step (the open loop's timeline puts it beside its latency). */
  cpuBySecond: CpuSecond[];
  elapsedMs: number;
  /**
   * Read and write system calls (sockets, files) over the step: the API's processes and Redis. A count, so
   * it compares across a loaded machine where CPU time does not: each is a round trip's share of the cost.
   */
  syscalls: { api: number; redis: number };
}

/** Starts watching; `stop()` returns CPU use over the interval and the peak summed RSS of the API processes. */
export async function watch(watched: Watched): Promise<{ stop(): Promise<StepUsage> }> {
  const foreignBefore = (await watched.foreignBackends?.()) ?? new Set<number>();
  const started = Date.now();
  const machineBefore = machineTicks();
  const apiBefore = ticksOf(watched.apiPids);
  const pgBefore = postgresTicks();
  const clientBefore = ticksOf(watched.loadClientPid ? [watched.loadClientPid] : []);
  const redisBefore = ticksOf(watched.redisPid ? [watched.redisPid] : []);
  const apiSyscallsBefore = syscallsOf(watched.apiPids);
  const redisSyscallsBefore = syscallsOf(watched.redisPid ? [watched.redisPid] : []);
  let rssPeak = 0;
  const rssPeakByPid: Record<number, number> = {};
  const sample = () => {
    let total = 0;
    for (const pid of watched.apiPids) {
      const rss = rssMb(pid);
      rssPeakByPid[pid] = Math.max(rssPeakByPid[pid] ?? 0, rss);
      total += rss;
    }
    rssPeak = Math.max(rssPeak, total);
  };
  sample();
  const timer = setInterval(sample, RSS_SAMPLE_MS);
  const cores = Math.max(1, readdirSync("/sys/devices/system/cpu").filter((d) => /^cpu\d+$/.test(d)).length);
  const stealShare = (from: { total: number; steal: number }, to: { total: number; steal: number }) =>
    ((to.steal - from.steal) / Math.max(1, to.total - from.total)) * cores * 100;
  const stealBySecond: Array<[number, number]> = [];
  const cpuBySecond: CpuSecond[] = [];
  let lastSecond = { at: started, ticks: machineBefore, api: apiBefore, postgres: pgBefore };
  const stealTimer = setInterval(() => {
    const now = {
      at: Date.now(),
      ticks: machineTicks(),
      api: ticksOf(watched.apiPids),
      postgres: postgresTicks(),
    };
    const steal = stealShare(lastSecond.ticks, now.ticks);
    const share = (ticks: number) =>
      (ticks / CLOCK_TICKS_PER_SECOND / ((now.at - lastSecond.at) / 1000)) * 100;
    const machineShare =
      ((now.ticks.busy - lastSecond.ticks.busy) / Math.max(1, now.ticks.total - lastSecond.ticks.total)) *
      cores *
      100;
    stealBySecond.push([lastSecond.at, steal]);
    cpuBySecond.push({
      at: lastSecond.at,
      api: share(delta(lastSecond.api, now.api)),
      postgres: share(delta(lastSecond.postgres, now.postgres)),
      machine: Math.max(0, machineShare - steal),
      steal,
    });
    lastSecond = now;
  }, STEAL_SAMPLE_MS);
  return {
    async stop() {
      clearInterval(timer);
      clearInterval(stealTimer);
      sample();
      const elapsedMs = Date.now() - started;
      const apiAfter = ticksOf(watched.apiPids);
      const machineAfter = machineTicks();
      const pgAfter = postgresTicks();
      const clientAfter = ticksOf(watched.loadClientPid ? [watched.loadClientPid] : []);
      const redisAfter = ticksOf(watched.redisPid ? [watched.redisPid] : []);
      const syscalls = {
        api: syscallsOf(watched.apiPids) - apiSyscallsBefore,
        redis: syscallsOf(watched.redisPid ? [watched.redisPid] : []) - redisSyscallsBefore,
      };
      const foreign = new Set([...foreignBefore, ...((await watched.foreignBackends?.()) ?? [])]);
      const seconds = elapsedMs / 1000;
      const percent = (ticks: number) => (ticks / CLOCK_TICKS_PER_SECOND / seconds) * 100;
      const machine =
        ((machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total)) *
        cores *
        100;
      const steal = stealShare(machineBefore, machineAfter);
      const api = percent(delta(apiBefore, apiAfter));
      const postgres = percent(delta(pgBefore, pgAfter, foreign));
      const loadClient = percent(delta(clientBefore, clientAfter));
      const redis = percent(delta(redisBefore, redisAfter));
      return {
        elapsedMs,
        apiRssPeakMb: rssPeak,
        rssPeakByPid,
        stealBySecond,
        cpuBySecond,
        syscalls,
        cpu: {
          api,
          postgres,
          redis,
          loadClient,
          machine,
          other: Math.max(0, machine - steal - api - postgres - redis - loadClient),
          steal,
          apiProcesses: watched.apiPids.map((pid) => ({
            pid,
            cpu: percent((apiAfter.get(pid) ?? 0) - (apiBefore.get(pid) ?? 0)),
          })),
        },
      };
    },
  };
}

export interface EventLoopDelay {
  pid: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** process.memoryUsage() of an API process, in MB. */
export interface MemoryUsage {
  pid: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** Talks to the preload probe (preload-eventloop.mjs) of each API process. */
export class Probes {
  constructor(private readonly dir: string) {}

  private port(pid: number): number | null {
    try {
      return Number(readFileSync(join(this.dir, `${pid}.port`), "utf8"));
    } catch {
      return null;
    }
  }

  async call(pid: number, path: string): Promise<unknown> {
    const port = this.port(pid);
    if (port === null) return null;
    try {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, {
        signal: AbortSignal.timeout(30_000),
      });
      return await response.json();
    } catch {
      return null;
    }
  }

  async resetEventLoop(pids: number[]): Promise<void> {
    await Promise.all(pids.map((pid) => this.call(pid, "/eld/reset")));
  }

  async eventLoop(pids: number[]): Promise<EventLoopDelay[]> {
    const results = await Promise.all(pids.map((pid) => this.call(pid, "/eld")));
    return results.filter((r): r is EventLoopDelay => r !== null && typeof r === "object" && "p99" in r);
  }

  async memory(pids: number[]): Promise<MemoryUsage[]> {
    const results = await Promise.all(pids.map((pid) => this.call(pid, "/memory")));
    return results.filter((r): r is MemoryUsage => r !== null && typeof r === "object" && "rss" in r);
  }

  /** Every pid's major collections so far, as [start (epoch ms), pause ms]. */
  async majorGcs(pids: number[]): Promise<Array<[number, number]>> {
    const results = await Promise.all(pids.map((pid) => this.call(pid, "/gc")));
    return results.flatMap((r) =>
      r !== null && typeof r === "object" && "major" in r ? (r.major as Array<[number, number]>) : [],
    );
  }

  /** Per second of each pid: [start (epoch ms), event-loop lateness max, minor and major collection ms]. */
  async timeline(pids: number[]): Promise<Array<[number, number, number, number]>> {
    const results = await Promise.all(pids.map((pid) => this.call(pid, "/timeline")));
    return results.flatMap((r) =>
      r !== null && typeof r === "object" && "seconds" in r
        ? (r.seconds as Array<[number, number, number, number]>)
        : [],
    );
  }

  /** Waits (bounded) until every pid's probe has written its port. */
  async waitFor(pids: number[], timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (pids.every((pid) => this.port(pid) !== null)) return true;
      await sleep(100);
    }
    return false;
  }
}
