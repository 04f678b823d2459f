// Goal: with no trusted proxy in front of the console, a client cannot choose the address its failed sign-ins
// are counted under. Campaign 2026-12-07 on a production instance: each new `X-Forwarded-For: 203.0.113.<n>`
// got 5 fresh password guesses for the same account. The console's server now replaces the header with the
// socket's address unless CONSOLE_TRUSTED_PROXY_HOPS names proxies that append to it.
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { forwardedForFromSocket, trustedProxyHopsOf } from "./forwarded-for.mjs";

/** What a handler behind forwardedForFromSocket sees of X-Forwarded-For when the client sent `sent`. */
async function seenBehind(hops: number, sent: string | null): Promise<string | undefined> {
  let seen: IncomingHttpHeaders = {};
  const server = createServer((request, response) => {
    forwardedForFromSocket(request.headers, request.socket.remoteAddress, hops);
    seen = request.headers;
    response.end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  try {
    const { port } = server.address() as AddressInfo;
    await fetch(`http://127.0.0.1:${port}/`, { headers: sent === null ? {} : { "x-forwarded-for": sent } });
  } finally {
    server.close();
  }
  return seen["x-forwarded-for"] as string | undefined;
}

describe("forwardedForFromSocket", () => {
  it.each(["203.0.113.9", "203.0.113.10, 198.51.100.1", ""])(
    "without trusted proxies, a client's X-Forwarded-For %j is replaced by its socket's address",
    async (sent) => {
      expect(await seenBehind(0, sent)).toBe("127.0.0.1");
    },
  );

  it("without trusted proxies and no header, the socket's address is set", async () => {
    expect(await seenBehind(0, null)).toBe("127.0.0.1");
  });

  it("behind trusted proxies the header is left for the console to read (the proxy appended the client)", async () => {
    expect(await seenBehind(1, "203.0.113.9")).toBe("203.0.113.9");
  });

  it.each([
    [undefined, 0],
    ["0", 0],
    ["2", 2],
    ["-1", 0],
    ["1.5", 0],
    ["x", 0],
  ])("CONSOLE_TRUSTED_PROXY_HOPS=%j reads as %i", (value, hops) => {
    expect(trustedProxyHopsOf(value)).toBe(hops);
  });
});
