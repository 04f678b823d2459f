// Goal: the cache forgets entries after their time to live and never grows past its bound.
import { describe, expect, it } from "vitest";
import { TtlCache } from "./ttl-cache";

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
});
