// Goal: the client a request is counted as is the socket's address unless a trusted proxy vouches for another,
// IPv6 clients count by their /64, and the built-in defaults are the documented environment defaults.
import type { IncomingMessage } from "node:http";
import { readEnv } from "@paycore/platform/env";
import proxyaddr from "proxy-addr";
import { describe, expect, it } from "vitest";
import { clientBucket, DEFAULT_RATE_LIMITS } from "./use-rate-limit";

function request(remoteAddress: string | undefined, forwardedFor?: string): { req?: IncomingMessage } {
  const headers = forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor };
  const socket = { remoteAddress };
  return { req: { socket, connection: socket, headers } as unknown as IncomingMessage };
}

describe("clientBucket", () => {
  it.each([
    [
      "no proxy trusted: X-Forwarded-For is ignored",
      [],
      request("198.51.100.4", "203.0.113.9"),
      "198.51.100.4",
    ],
    ["a trusted proxy names the client", ["loopback"], request("127.0.0.1", "203.0.113.9"), "203.0.113.9"],
    [
      "a client cannot forge entries before the trusted proxy's",
      ["loopback"],
      request("127.0.0.1", "1.2.3.4, 203.0.113.9"),
      "203.0.113.9",
    ],
    [
      "an untrusted hop in the chain is the client",
      ["10.0.0.0/8"],
      request("10.0.0.2", "203.0.113.9, 198.51.100.7"),
      "198.51.100.7",
    ],
    ["an IPv4-mapped IPv6 socket counts as IPv4", [], request("::ffff:198.51.100.4"), "198.51.100.4"],
    ["IPv6 counts by its /64", [], request("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64"],
    ["no socket (in-process yoga.fetch) is one shared bucket", [], {}, "unknown"],
  ])("%s", (_case, trusted, serverContext, bucket) => {
    expect(clientBucket(serverContext, proxyaddr.compile(trusted))).toBe(bucket);
  });
});

describe("DEFAULT_RATE_LIMITS", () => {
  it("equals the environment's defaults", () => {
    const env = readEnv({});
    expect(DEFAULT_RATE_LIMITS).toEqual({
      ipPerSecond: env.RATE_LIMIT_IP_PER_SECOND,
      keyPerSecond: env.RATE_LIMIT_KEY_PER_SECOND,
      tokenizePerMinute: env.RATE_LIMIT_TOKENIZE_PER_MINUTE,
      tokenizePerIpPerMinute: env.RATE_LIMIT_TOKENIZE_PER_IP_PER_MINUTE,
      concurrentQueries: env.RATE_LIMIT_CONCURRENT_QUERIES,
      trustedProxies: [],
    });
  });
});
