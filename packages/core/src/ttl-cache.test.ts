// Goal: the cache never serves an entry past its time to live and never grows past its bound; an entry in use is
// refreshed ahead of expiry in the background, once per key, so readers do not wait; one load per key at a time.
import { describe, expect, it } from "vitest";
import { TtlCache } from "./ttl-cache";

/** A load whose result the test releases by hand, counting the calls. */
function manualLoads<V>() {
  const pending: { resolve: (value: V) => void; reject: (error: Error) => void }[] = [];
  return {
    calls: () => pending.length,
    load: () =>
      new Promise<V>((resolve, reject) => {
        pending.push({ resolve, reject });
      }),
    resolve: (index: number, value: V) => pending[index]?.resolve(value),
    reject: (index: number, error: Error) => pending[index]?.reject(error),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A cache of ten entries living 1 s on the test's clock, refreshed at the point `draw` picks (0: at 50 %). */
function cacheOnClock<V>(clock: () => number, draw: () => number = () => 0) {
  return new TtlCache<string, V>(1_000, 10, clock, draw);
}

describe("TtlCache", () => {
  it("expires entries and evicts the oldest when full", async () => {
    let now = 0;
    const cache = new TtlCache<string, number>(100, 2, () => now);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("c", 3);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("b")).toBe(2);
    now = 150;
    expect(cache.get("b")).toBeUndefined();
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.getOrLoad("x", load)).toBe(1);
    expect(await cache.getOrLoad("x", load)).toBe(1);
    expect(loads).toBe(1);
  });

  it("shares one load among concurrent readers of a missing key", async () => {
    const cache = new TtlCache<string, string>(1_000, 10, () => 0);
    const loads = manualLoads<string>();
    const readers = [cache.getOrLoad("k", loads.load), cache.getOrLoad("k", loads.load)];
    expect(loads.calls()).toBe(1);
    loads.resolve(0, "v1");
    expect(await Promise.all(readers)).toEqual(["v1", "v1"]);
  });

  it("refreshes an entry in use once, in the background, between half and nine tenths of its life", async () => {
    let now = 0;
    const cache = cacheOnClock<string>(
      () => now,
      () => 0.5,
    );
    const loads = manualLoads<string>();
    const first = cache.getOrLoad("k", loads.load);
    loads.resolve(0, "v1");
    await first;
    // The refresh point is 0.5 + 0.4 × 0.5 = 0.7 of the time to live.
    now = 699;
    expect(await cache.getOrLoad("k", loads.load)).toBe("v1");
    expect(loads.calls()).toBe(1);
    now = 700;
    expect(await cache.getOrLoad("k", loads.load)).toBe("v1");
    expect(await cache.getOrLoad("k", loads.load)).toBe("v1");
    expect(loads.calls()).toBe(2);
    loads.resolve(1, "v2");
    await settle();
    expect(await cache.getOrLoad("k", loads.load)).toBe("v2");
    expect(loads.calls()).toBe(2);
  });

  it("spreads the refresh points of entries loaded together", () => {
    let now = 0;
    let draw = 0;
    const draws = [0, 1];
    const cache = cacheOnClock<number>(
      () => now,
      () => draws[draw++] ?? 0,
    );
    cache.set("early", 1);
    cache.set("late", 2);
    const loaded: string[] = [];
    const load = (key: string) => async () => {
      loaded.push(key);
      return 0;
    };
    now = 500;
    cache.getOrLoad("early", load("early"));
    cache.getOrLoad("late", load("late"));
    expect(loaded).toEqual(["early"]);
    now = 900;
    cache.getOrLoad("late", load("late"));
    expect(loaded).toEqual(["early", "late"]);
  });

  it("never serves an entry past its time to live: a reader then waits for the load", async () => {
    let now = 0;
    const cache = cacheOnClock<string>(() => now);
    cache.set("k", "old");
    now = 1_000;
    const loads = manualLoads<string>();
    let answered: string | undefined;
    const reader = cache.getOrLoad("k", loads.load).then((value) => {
      answered = value;
    });
    await settle();
    expect(answered).toBeUndefined();
    loads.resolve(0, "new");
    await reader;
    expect(answered).toBe("new");
  });

  it("keeps serving the entry when a background refresh fails, until it expires; then the error reaches the reader", async () => {
    let now = 0;
    const cache = cacheOnClock<string>(() => now);
    cache.set("k", "v1");
    now = 600;
    const loads = manualLoads<string>();
    expect(await cache.getOrLoad("k", loads.load)).toBe("v1");
    loads.reject(0, new Error("database down"));
    await settle();
    // The next read past the refresh point tries again.
    expect(await cache.getOrLoad("k", loads.load)).toBe("v1");
    expect(loads.calls()).toBe(2);
    loads.reject(1, new Error("database down"));
    await settle();
    now = 1_000;
    const failing = cache.getOrLoad("k", loads.load);
    loads.reject(2, new Error("database down"));
    await expect(failing).rejects.toThrow("database down");
  });

  it("does not store a load that was in flight when the key was deleted", async () => {
    const cache = new TtlCache<string, string>(1_000, 10, () => 0);
    const loads = manualLoads<string>();
    const before = cache.getOrLoad("k", loads.load);
    cache.delete("k");
    const after = cache.getOrLoad("k", loads.load);
    expect(loads.calls()).toBe(2);
    loads.resolve(1, "after");
    loads.resolve(0, "before");
    expect(await before).toBe("before");
    expect(await after).toBe("after");
    expect(cache.get("k")).toBe("after");
  });
});
