// Goal: a webhook never reaches an internal address. The SSRF matrix runs through an injected resolver that maps
// test hostnames to private, loopback, link-local, CGNAT, multicast, unspecified and IPv6 addresses, and asserts
// that the refusal happens at resolution: the request function is never called, so no socket is opened. The
// only real connections go to a loopback receiver in test mode (redirects not followed, answers capped).
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { isDomainError } from "@paycore/core/errors/domain-error";
import type { AddressPolicy } from "@paycore/core/webhooks/address-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DnsUrlGuard, type HostResolver, type ResolvedAddress } from "./url-guard";
import { RESPONSE_EXCERPT_BYTES_MAX, sendWebhook } from "./webhook-sender";

const MAP: Record<string, ResolvedAddress[]> = {
  "private10.test": [{ address: "10.0.0.7", family: 4 }],
  "private172.test": [{ address: "172.20.1.1", family: 4 }],
  "private192.test": [{ address: "192.168.0.10", family: 4 }],
  "loopback.test": [{ address: "127.0.0.1", family: 4 }],
  "metadata.test": [{ address: "169.254.169.254", family: 4 }],
  "cgnat.test": [{ address: "100.64.1.1", family: 4 }],
  "multicast.test": [{ address: "239.1.1.1", family: 4 }],
  "unspecified.test": [{ address: "0.0.0.0", family: 4 }],
  "v6loopback.test": [{ address: "::1", family: 6 }],
  "v6linklocal.test": [{ address: "fe80::1", family: 6 }],
  "v6ula.test": [{ address: "fd12:3456::1", family: 6 }],
  "v6mapped.test": [{ address: "::ffff:10.0.0.1", family: 6 }],
  // IPv4-compatible (deprecated ::/96): ipaddr.js calls it "unicast", yet it names 127.0.0.1 (campaign 2026-12-07).
  "v4compat.test": [{ address: "::7f00:1", family: 6 }],
  // One bad address among good ones refuses the name: a resolver could hand out either.
  "mixed.test": [
    { address: "93.184.216.34", family: 4 },
    { address: "10.0.0.1", family: 4 },
  ],
  "public.test": [{ address: "93.184.216.34", family: 4 }],
};
const resolve: HostResolver = async (hostname) => {
  const found = MAP[hostname];
  if (!found) throw new Error(`not a test name: ${hostname}`);
  return found;
};

/** `npm start` and tests: test-mode endpoints may be on loopback. Production (NODE_ENV=production) may not. */
const DEVELOPMENT: AddressPolicy = { testModeLoopback: true };
const PRODUCTION: AddressPolicy = { testModeLoopback: false };

/** Counts every request the sender tries to make; refuses to make any (no socket is ever opened through it). */
function countingRequest() {
  const calls: string[] = [];
  const request = ((url: URL) => {
    calls.push(String(url));
    throw new Error("this test must not open a connection");
  }) as unknown as typeof http.request;
  return { calls, request };
}

async function forbiddenCode(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    return isDomainError(error) ? error.code : "not a DomainError";
  }
}

describe("SSRF matrix", () => {
  const refusedEverywhere = Object.keys(MAP).filter(
    (host) => host !== "public.test" && host !== "loopback.test",
  );
  const refusedLive = [...refusedEverywhere, "loopback.test", "v6loopback.test"].filter(
    (host, index, all) => all.indexOf(host) === index,
  );

  it.each(refusedLive)("live mode: https://%s is refused at resolution, no connection", async (host) => {
    const { calls, request } = countingRequest();
    const result = await sendWebhook(
      { url: `https://${host}/hook`, mode: "LIVE" },
      "{}",
      {},
      {
        resolve,
        policy: DEVELOPMENT,
        connectTimeoutMs: 1_000,
        totalTimeoutMs: 1_000,
        request,
      },
    );
    expect(result.statusCode).toBeNull();
    expect(result.error).toMatch(/internal address/);
    expect(calls).toEqual([]);
    expect(
      await forbiddenCode(new DnsUrlGuard(resolve).assertDeliverable(new URL(`https://${host}/`), "LIVE")),
    ).toBe("WEBHOOK_URL_FORBIDDEN");
  });

  it.each(refusedEverywhere.filter((host) => host !== "v6loopback.test"))(
    "test mode: http://%s is refused too (only loopback is allowed), no connection",
    async (host) => {
      const { calls, request } = countingRequest();
      const result = await sendWebhook(
        { url: `http://${host}/hook`, mode: "TEST" },
        "{}",
        {},
        {
          resolve,
          policy: DEVELOPMENT,
          connectTimeoutMs: 1_000,
          totalTimeoutMs: 1_000,
          request,
        },
      );
      expect(result.error).toMatch(/internal address/);
      expect(calls).toEqual([]);
    },
  );

  it.each([
    "https://10.0.0.1/hook",
    "https://[::1]/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://[::ffff:192.168.1.1]/",
    "https://[::127.0.0.1]/",
  ])("address literals are checked without a resolver: %s", async (url) => {
    const { calls, request } = countingRequest();
    const failingResolver: HostResolver = async () => {
      throw new Error("literals need no resolution");
    };
    const result = await sendWebhook(
      { url, mode: "LIVE" },
      "{}",
      {},
      {
        resolve: failingResolver,
        policy: DEVELOPMENT,
        connectTimeoutMs: 1_000,
        totalTimeoutMs: 1_000,
        request,
      },
    );
    expect(result.error).toMatch(/internal address/);
    expect(calls).toEqual([]);
  });

  // Campaign 2026-12-07: on a production instance a test key's endpoint at http://127.0.0.1:<console port>/ was
  // accepted, delivered to, and the console's answer shown back as the attempt's response excerpt.
  it.each([
    "http://loopback.test/hook",
    "http://v6loopback.test/hook",
    "http://127.0.0.1:1/",
    "http://[::1]:1/",
  ])("in production, test mode refuses loopback too: %s", async (url) => {
    const { calls, request } = countingRequest();
    const result = await sendWebhook(
      { url, mode: "TEST" },
      "{}",
      {},
      { resolve, policy: PRODUCTION, connectTimeoutMs: 1_000, totalTimeoutMs: 1_000, request },
    );
    expect(result.error).toBe("The URL's host resolves to an internal address (loopback).");
    expect(calls).toEqual([]);
    expect(
      await forbiddenCode(new DnsUrlGuard(resolve, PRODUCTION).assertDeliverable(new URL(url), "TEST")),
    ).toBe("WEBHOOK_URL_FORBIDDEN");
  });

  it("live mode refuses http before resolving; a public name passes the guard (without connecting)", async () => {
    const { calls, request } = countingRequest();
    const result = await sendWebhook(
      { url: "http://public.test/hook", mode: "LIVE" },
      "{}",
      {},
      {
        resolve,
        policy: DEVELOPMENT,
        connectTimeoutMs: 1_000,
        totalTimeoutMs: 1_000,
        request,
      },
    );
    expect(result.error).toBe("live-mode endpoints must use https");
    expect(calls).toEqual([]);
    await expect(
      new DnsUrlGuard(resolve).assertDeliverable(new URL("https://public.test/"), "LIVE"),
    ).resolves.toBe(undefined);
    expect(
      await forbiddenCode(
        new DnsUrlGuard(resolve).assertDeliverable(new URL("https://nowhere.test/"), "LIVE"),
      ),
    ).toBe("WEBHOOK_URL_FORBIDDEN");
  });
});

describe("delivery to a loopback receiver (test mode)", () => {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? "");
    if (req.url === "/redirect") {
      res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data" });
      res.end();
    } else if (req.url === "/big") {
      res.writeHead(200);
      res.end("y".repeat(1_000_000));
    } else {
      res.writeHead(204);
      res.end();
    }
  });
  let base = "";
  const loopbackResolver: HostResolver = async () => [{ address: "127.0.0.1", family: 4 }];
  const options = {
    resolve: loopbackResolver,
    policy: DEVELOPMENT,
    connectTimeoutMs: 2_000,
    totalTimeoutMs: 5_000,
  };

  beforeAll(async () => {
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it("does not follow a redirect: the 3xx is the answer, and the target is never asked", async () => {
    const result = await sendWebhook({ url: `${base}/redirect`, mode: "TEST" }, "{}", {}, options);
    expect(result.statusCode).toBe(302);
    expect(hits.filter((hit) => hit.includes("meta-data"))).toEqual([]);
  });

  it("reads at most 1 KiB of the answer", async () => {
    const result = await sendWebhook({ url: `${base}/big`, mode: "TEST" }, "{}", {}, options);
    expect(result.statusCode).toBe(200);
    expect(Buffer.byteLength(result.responseExcerpt ?? "")).toBeLessThanOrEqual(RESPONSE_EXCERPT_BYTES_MAX);
  });

  it("connects to the checked address, whatever the name", async () => {
    // localhost.test is no real name: the pinned lookup answers the address the resolver gave and the guard checked.
    const port = new URL(base).port;
    const result = await sendWebhook(
      { url: `http://localhost.test:${port}/ok`, mode: "TEST" },
      "{}",
      {},
      options,
    );
    expect(result).toMatchObject({ statusCode: 204, address: "127.0.0.1" });
  });
});
