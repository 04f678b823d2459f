// Goal: sign-in delays grow by doubling past the free failures up to a ceiling, and the client address the
// throttle counts is the one the nearest trusted proxy saw (IPv6 per /64), never a value a client can pick
// when a proxy is trusted.
import { describe, expect, it } from "vitest";
import { clientAddress, delayAfterFailures, secondsUntil, UNKNOWN_CLIENT } from "./sign-in-throttle";

describe("delayAfterFailures", () => {
  const policy = { freeFailures: 5, delayBaseMs: 1_000, delayMaxMs: 15 * 60_000 };
  it.each([
    [1, 0],
    [5, 0],
    [6, 1_000],
    [7, 2_000],
    [8, 4_000],
    [15, 512_000],
    [16, 900_000],
    [1_000_000, 900_000],
  ])("after %i failures: %i ms", (failures, expected) => {
    expect(delayAfterFailures(failures, policy)).toBe(expected);
  });
});

describe("clientAddress", () => {
  it.each([
    ["direct: the address Next set", "198.51.100.4", 0, "198.51.100.4"],
    ["one proxy: the entry it appended, not the client's own", "6.6.6.6, 198.51.100.4", 1, "198.51.100.4"],
    ["two proxies", "6.6.6.6, 198.51.100.4, 10.0.0.2", 2, "198.51.100.4"],
    ["IPv4-mapped IPv6 unwrapped", "::ffff:198.51.100.4", 0, "198.51.100.4"],
    ["IPv6 per /64", "2001:db8:1:2:aaaa:bbbb:cccc:dddd", 0, "2001:db8:1:2::/64"],
    ["garbage", "not-an-ip", 0, UNKNOWN_CLIENT],
    ["missing", null, 0, UNKNOWN_CLIENT],
    ["fewer entries than hops", "198.51.100.4", 3, UNKNOWN_CLIENT],
  ])("%s", (_name, header, hops, expected) => {
    expect(clientAddress(header, hops)).toBe(expected);
  });
});

describe("secondsUntil", () => {
  it("rounds up and is at least 1", () => {
    const now = new Date(0);
    expect(secondsUntil(new Date(1_001), now)).toBe(2);
    expect(secondsUntil(new Date(0), now)).toBe(1);
  });
});
