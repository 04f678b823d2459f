// Loaded into each API process by the bench (`node --import <this file>`), never by the product: it
// measures the process's event-loop delay and can CPU-profile it, and answers on a side port that it
// records in $BENCH_PROBE_DIR/<pid>.port. Endpoints: /eld (delay since the last reset, in ms),
// /eld/reset, /memory (process.memoryUsage in MB), /gc (the major collections so far: start as
// epoch ms, pause in ms), /timeline (per second: the event loop's longest lateness and the time in
// collections), /profile/start, /profile/stop?file=<path> (writes a .cpuprofile); for `npm run bench:heap`:
// /heap (V8's heap and space statistics), /heap/sampling/start?minor=0|1 (allocation sampling that keeps
// objects later freed by major collections, and with minor=1 those freed by scavenges too: every
// allocation; with minor=0 only what survived its scavenges, i.e. was promoted or is still young),
// /heap/sampling/stop?file=<path> (writes a .heapprofile), /heap/snapshot?file=<path>.
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { Session } from "node:inspector";
import { join } from "node:path";
import { constants, monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics, getHeapStatistics, writeHeapSnapshot } from "node:v8";

// biome-ignore lint/suspicious/noUndeclaredEnvVars: set by the bench for the API it starts, never by a turbo task.
const dir = process.env.BENCH_PROBE_DIR;
if (dir) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  // Major (mark-compact) collections, newest last: [start (epoch ms), pause ms].
  const majorGcs = [];
  // Per epoch second: [start (epoch ms), the longest lateness of a LAG_TICK_MS timer (ms), ms in minor
  // collections, ms in major ones], the last TIMELINE_SECONDS kept: what the open loop's timeline prints.
  const LAG_TICK_MS = 10;
  const TIMELINE_SECONDS = 3600;
  const seconds = new Map();
  const secondOf = (epochMs) => {
    const at = Math.floor(epochMs / 1000) * 1000;
    let row = seconds.get(at);
    if (row === undefined) {
      row = [at, 0, 0, 0];
      seconds.set(at, row);
      if (seconds.size > TIMELINE_SECONDS) seconds.delete(seconds.keys().next().value);
    }
    return row;
  };
  let expected = performance.now() + LAG_TICK_MS;
  setInterval(() => {
    const now = performance.now();
    const row = secondOf(performance.timeOrigin + now);
    row[1] = Math.max(row[1], Math.round((now - expected) * 10) / 10);
    expected = now + LAG_TICK_MS;
  }, LAG_TICK_MS).unref();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const major = entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR;
      const row = secondOf(performance.timeOrigin + entry.startTime);
      row[major ? 3 : 2] = Math.round((row[major ? 3 : 2] + entry.duration) * 10) / 10;
      if (!major) continue;
      majorGcs.push([
        Math.round(performance.timeOrigin + entry.startTime),
        Math.round(entry.duration * 10) / 10,
      ]);
      if (majorGcs.length > 10_000) majorGcs.shift();
    }
  }).observe({ entryTypes: ["gc"] });
  let session;
  const post = (method, params) =>
    new Promise((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );
  const ms = (ns) => Math.round((ns / 1e6) * 100) / 100;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://probe");
    const reply = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const fail = (error) => reply(500, { error: String(error) });
    if (url.pathname === "/eld") {
      reply(200, {
        pid: process.pid,
        samples: histogram.count,
        p50: ms(histogram.percentile(50)),
        p99: ms(histogram.percentile(99)),
        max: ms(histogram.max),
        mean: ms(histogram.mean),
      });
    } else if (url.pathname === "/memory") {
      const mb = (bytes) => Math.round(bytes / 2 ** 20);
      const usage = process.memoryUsage();
      reply(200, {
        pid: process.pid,
        rss: mb(usage.rss),
        heapTotal: mb(usage.heapTotal),
        heapUsed: mb(usage.heapUsed),
        external: mb(usage.external),
        arrayBuffers: mb(usage.arrayBuffers),
      });
    } else if (url.pathname === "/timeline") {
      reply(200, { pid: process.pid, seconds: [...seconds.values()] });
    } else if (url.pathname === "/gc") {
      reply(200, { pid: process.pid, major: majorGcs });
    } else if (url.pathname === "/eld/reset") {
      histogram.reset();
      reply(200, { ok: true });
    } else if (url.pathname === "/profile/start") {
      session = new Session();
      session.connect();
      post("Profiler.enable")
        .then(() => post("Profiler.setSamplingInterval", { interval: 500 }))
        .then(() => post("Profiler.start"))
        .then(() => reply(200, { ok: true }), fail);
    } else if (url.pathname === "/profile/stop") {
      const file = url.searchParams.get("file");
      post("Profiler.stop")
        .then(({ profile }) => {
          if (file) writeFileSync(file, JSON.stringify(profile));
          session.disconnect();
          reply(200, { ok: true, file });
        })
        .catch(fail);
    } else if (url.pathname === "/heap") {
      reply(200, {
        pid: process.pid,
        now: performance.now(),
        heap: getHeapStatistics(),
        spaces: getHeapSpaceStatistics(),
      });
    } else if (url.pathname === "/heap/sampling/start") {
      session = new Session();
      session.connect();
      post("HeapProfiler.enable")
        .then(() =>
          post("HeapProfiler.startSampling", {
            samplingInterval: 4096,
            includeObjectsCollectedByMajorGC: true,
            includeObjectsCollectedByMinorGC: url.searchParams.get("minor") === "1",
          }),
        )
        .then(() => reply(200, { ok: true }), fail);
    } else if (url.pathname === "/heap/sampling/stop") {
      const file = url.searchParams.get("file");
      // With --expose-gc: a scavenge first, so that young objects already dead leave the promoted profile.
      globalThis.gc?.({ type: "minor" });
      post("HeapProfiler.stopSampling")
        .then(({ profile }) => {
          if (file) writeFileSync(file, JSON.stringify(profile));
          session.disconnect();
          reply(200, { ok: true, file });
        })
        .catch(fail);
    } else if (url.pathname === "/heap/snapshot") {
      reply(200, { ok: true, file: writeHeapSnapshot(url.searchParams.get("file") ?? undefined) });
    } else {
      reply(404, { error: "not found" });
    }
  });
  // exclusive: in a node:cluster worker, port 0 would otherwise be one port shared by every worker.
  server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
    writeFileSync(join(dir, `${process.pid}.port`), String(server.address().port));
  });
  server.unref();
}
