// Goal: who may read /metrics, and that every series a runtime registers is named by Prometheus' conventions
// (the paycore_ prefix, counters ending in _total, durations in _seconds) with a help text.
import { describe, expect, it } from "vitest";
import { createPlatformMetrics, metricsAccessAllowed } from "./metrics";
import { metricsAnswer } from "./metrics-route";

describe("metricsAccessAllowed", () => {
  it.each([
    // [authorization header, configured token, client address, allowed]
    ["Bearer 0123456789abcdef", "0123456789abcdef", "203.0.113.9", true],
    ["Bearer 0123456789abcdeX", "0123456789abcdef", "127.0.0.1", false],
    ["Bearer 0123456789abcdef0", "0123456789abcdef", "127.0.0.1", false],
    [undefined, "0123456789abcdef", "127.0.0.1", false],
    [undefined, null, "127.0.0.1", true],
    [undefined, null, "::1", true],
    [undefined, null, "::ffff:127.0.0.1", true],
    [undefined, null, "203.0.113.9", false],
    [undefined, null, "::ffff:10.0.0.1", false],
    [undefined, null, null, false],
  ] as const)("%s with token %s from %s: %s", (authorization, token, address, allowed) => {
    expect(metricsAccessAllowed(authorization, token, address)).toBe(allowed);
  });

  it("answers 401 with a challenge for a bad token, 403 off loopback without one, 405 for POST", async () => {
    const registry = { metrics: async () => "paycore_x 1\n" };
    const bad = await metricsAnswer(
      registry,
      { method: "GET", authorization: null, remoteAddress: "127.0.0.1" },
      "t0123456789abcdef",
    );
    expect([bad.status, bad.headers["www-authenticate"]]).toEqual([401, 'Bearer realm="metrics"']);
    const remote = await metricsAnswer(
      registry,
      { method: "GET", authorization: null, remoteAddress: "192.0.2.1" },
      null,
    );
    expect(remote.status).toBe(403);
    const post = await metricsAnswer(
      registry,
      { method: "POST", authorization: null, remoteAddress: "127.0.0.1" },
      null,
    );
    expect(post.status).toBe(405);
    const ok = await metricsAnswer(
      registry,
      { method: "GET", authorization: null, remoteAddress: "127.0.0.1" },
      null,
    );
    expect([ok.status, ok.body]).toEqual([200, "paycore_x 1\n"]);
  });
});

describe("the platform's series", () => {
  it("follow Prometheus' naming conventions", async () => {
    const metrics = createPlatformMetrics({
      process: "api",
      pool: () => ({ totalCount: 2, idleCount: 1, waitingCount: 0 }),
    });
    const series = await metrics.registry.getMetricsAsJSON();
    expect(series.length).toBeGreaterThan(30);
    for (const { name, type, help } of series) {
      expect(name).toMatch(/^paycore_[a-z0-9_]+$/);
      expect(help.length, name).toBeGreaterThan(10);
      if (String(type) === "counter") expect(name).toMatch(/_total$/);
      if (name.includes("duration")) expect(name).toMatch(/_seconds$/);
    }
  });
});
