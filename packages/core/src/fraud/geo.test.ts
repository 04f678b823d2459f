// Checks great-circle distances against known city pairs and the degenerate cases.
import { describe, expect, it } from "vitest";
import { haversineKm } from "./geo";

describe("haversineKm", () => {
  it.each([
    [
      "Paris → New York",
      { latitude: 48.8566, longitude: 2.3522 },
      { latitude: 40.7128, longitude: -74.006 },
      5837,
    ],
    [
      "London → Tokyo",
      { latitude: 51.5074, longitude: -0.1278 },
      { latitude: 35.6762, longitude: 139.6503 },
      9559,
    ],
    ["same point", { latitude: 10, longitude: 20 }, { latitude: 10, longitude: 20 }, 0],
    ["one degree of latitude", { latitude: 0, longitude: 0 }, { latitude: 1, longitude: 0 }, 111],
    ["across the antimeridian", { latitude: 0, longitude: 179.5 }, { latitude: 0, longitude: -179.5 }, 111],
    ["antipodes", { latitude: 0, longitude: 0 }, { latitude: 0, longitude: 180 }, 20015],
    ["pole to pole", { latitude: 90, longitude: 0 }, { latitude: -90, longitude: 0 }, 20015],
  ])("%s ≈ %i km", (_label, a, b, expectedKm) => {
    expect(Math.round(haversineKm(a, b))).toBe(expectedKm);
  });

  it("is symmetric", () => {
    const a = { latitude: -33.8688, longitude: 151.2093 };
    const b = { latitude: 19.4326, longitude: -99.1332 };
    expect(haversineKm(a, b)).toBe(haversineKm(b, a));
  });
});
