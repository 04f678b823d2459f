// Goal: nobody can exhaust the API through its HTTP edge. Over real HTTP on
// loopback: a webhook body is refused once it passes the webhook limit, chunked
// or declared, without the server reading (or keeping) the rest; an unknown
// PSP is refused before its body is read; every route, not only GraphQL, is
// held to the API's body limit; a slow body is cut off at the request timeout,
// and connections past the limit are closed.
import { once } from "node:events";
import type { Server } from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REQUEST_BODY_MAX_BYTES } from "../src/plugins/use-request-body-limit";
import { closeServer, listen } from "../src/server";
import { createTestApp, type TestApp } from "../src/testing/test-app";
import { WEBHOOK_BODY_MAX_BYTES } from "../src/webhooks/webhook-routes";

const MIB = 1024 * 1024;
/** What the server may read past a limit before it stops: socket and stream buffers, not the body. */
const READ_SLACK_BYTES = 256 * 1024;

let t: TestApp;
let server: Server;
let port: number;
/** Sockets the server accepted, to read how many bytes it took from each. */
const accepted: Socket[] = [];

beforeAll(async () => {
  // The sandbox URL is never called: nothing here gets past a signature check.
  t = await createTestApp({ pspSandboxUrl: "http://127.0.0.1:9" });
  server = await listen(t.app, 0, "127.0.0.1");
  server.on("connection", (socket: Socket) => accepted.push(socket));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  if (server) await closeServer(server);
  await t?.close();
});

interface RawExchange {
  /** The status of the answer, or null when the server closed without one. */
  status: number | null;
  answer: string;
  /** Body bytes the client managed to write before the server answered or closed. */
  bodyBytesSent: number;
  /** Bytes the server read from this connection. */
  serverBytesRead: number;
}

/**
 * Sends `head` then up to `bodyBytes` of body in 64 KiB pieces (chunk-framed when `chunked`), waiting for the
 * socket to drain between pieces, and stops as soon as the server answers or closes.
 */
async function exchange(
  head: string,
  options: { bodyBytes: number; chunked: boolean; pieceBytes?: number; pauseMs?: number },
): Promise<RawExchange> {
  const acceptedBefore = accepted.length;
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  let answer = "";
  let closed = false;
  socket.on("data", (data: Buffer) => {
    answer += data.toString("latin1");
  });
  socket.on("error", () => undefined); // EPIPE or ECONNRESET once the server closes: the answer is what counts
  const done = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  void done.then(() => {
    closed = true;
  });
  socket.write(head);
  const pieceBytes = options.pieceBytes ?? 64 * 1024;
  const piece = Buffer.alloc(pieceBytes, 0x20);
  let sent = 0;
  // Bounded by bodyBytes / pieceBytes pieces.
  while (sent < options.bodyBytes && answer === "" && !closed) {
    const size = Math.min(pieceBytes, options.bodyBytes - sent);
    const data = size === pieceBytes ? piece : piece.subarray(0, size);
    const framed = options.chunked ? [`${size.toString(16)}\r\n`, data, "\r\n"] : [data];
    let drained = true;
    for (const part of framed) drained = socket.write(part) && drained;
    sent += size;
    if (!drained) await Promise.race([new Promise((resolve) => socket.once("drain", resolve)), done]);
    if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
  }
  if (!closed && sent >= options.bodyBytes && options.chunked && answer === "") socket.write("0\r\n\r\n");
  // Every exchange here ends with the server closing the connection.
  await done;
  const serverSocket = accepted[acceptedBefore];
  return {
    status: /^HTTP\/1\.1 (\d{3})/.test(answer) ? Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]) : null,
    answer,
    bodyBytesSent: sent,
    serverBytesRead: serverSocket?.bytesRead ?? Number.NaN,
  };
}

function postHead(path: string, headers: Record<string, string>): string {
  const lines = Object.entries({ host: "127.0.0.1", "content-type": "application/json", ...headers }).map(
    ([name, value]) => `${name}: ${value}`,
  );
  return `POST ${path} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`;
}

/** Live heap plus buffers: where a body read whole would sit. */
function memoryBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

describe("webhook routes", () => {
  it("refuses a 50 MB chunked unsigned upload to /webhooks/stripe once it passes the webhook limit", async () => {
    const uploadBytes = 50 * MIB;
    const before = memoryBytes();
    const result = await exchange(postHead("/webhooks/stripe", { "transfer-encoding": "chunked" }), {
      bodyBytes: uploadBytes,
      chunked: true,
    });
    expect(result.status).toBe(413);
    expect(result.serverBytesRead).toBeLessThanOrEqual(WEBHOOK_BODY_MAX_BYTES + READ_SLACK_BYTES);
    expect(result.bodyBytesSent).toBeLessThan(uploadBytes);
    // Nothing near the upload's size was kept (the old route read it whole into a string).
    expect(memoryBytes() - before).toBeLessThan(uploadBytes / 4);
    expect(await t.countRows("psp_webhook_events")).toBe(0);
  });

  it("refuses a declared length above the webhook limit without reading the body", async () => {
    const result = await exchange(
      postHead("/webhooks/adyen", { "content-length": String(WEBHOOK_BODY_MAX_BYTES + 1) }),
      { bodyBytes: WEBHOOK_BODY_MAX_BYTES + 1, chunked: false },
    );
    expect(result.status).toBe(413);
    expect(result.serverBytesRead).toBeLessThanOrEqual(WEBHOOK_BODY_MAX_BYTES + READ_SLACK_BYTES);
  });

  it("answers an unknown PSP 404 without reading its body", async () => {
    const uploadBytes = 8 * MIB;
    const result = await exchange(postHead("/webhooks/paypal", { "transfer-encoding": "chunked" }), {
      bodyBytes: uploadBytes,
      chunked: true,
    });
    expect(result.status).toBe(404);
    expect(result.serverBytesRead).toBeLessThanOrEqual(READ_SLACK_BYTES);
  });

  it("still accepts a body of exactly the webhook limit (refused for its signature, not its size)", async () => {
    const result = await exchange(
      postHead("/webhooks/stripe", { "transfer-encoding": "chunked", connection: "close" }),
      { bodyBytes: WEBHOOK_BODY_MAX_BYTES, chunked: true },
    );
    expect(result.status).toBe(400);
    expect(result.answer).toMatch(/invalid signature/);
  });
});

describe("every route", () => {
  it.each(["/health", "/graphiql", "/no-such-route"])(
    "refuses a declared length above the API's limit on %s with 413, unread",
    async (path) => {
      const result = await exchange(
        postHead(path, { "content-length": String(REQUEST_BODY_MAX_BYTES + 1) }),
        {
          bodyBytes: 8 * MIB,
          chunked: false,
        },
      );
      expect(result.status).toBe(413);
      expect(result.answer).toContain("REQUEST_ENTITY_TOO_LARGE");
      expect(result.serverBytesRead).toBeLessThanOrEqual(READ_SLACK_BYTES);
    },
  );
});

describe("GraphQL", () => {
  // Held by useRequestBodyLimit, which errors the body stream: kept here so the edge never loses it.
  it("refuses a 50 MB chunked upload to /graphql once it passes the API's limit, and reads no further", async () => {
    const uploadBytes = 50 * MIB;
    const result = await exchange(postHead("/graphql", { "transfer-encoding": "chunked" }), {
      bodyBytes: uploadBytes,
      chunked: true,
    });
    expect(result.status).toBe(413);
    expect(result.answer).toContain("REQUEST_ENTITY_TOO_LARGE");
    expect(result.serverBytesRead).toBeLessThanOrEqual(REQUEST_BODY_MAX_BYTES + READ_SLACK_BYTES);
  });
});

describe("routes that read no body", () => {
  it.each(["/health", "/no-such-route"])(
    "answer a chunked 8 MB upload to %s without reading it",
    async (path) => {
      const uploadBytes = 8 * MIB;
      const result = await exchange(postHead(path, { "transfer-encoding": "chunked" }), {
        bodyBytes: uploadBytes,
        chunked: true,
      });
      expect(result.status).not.toBeNull();
      expect(result.serverBytesRead).toBeLessThanOrEqual(READ_SLACK_BYTES);
    },
  );
});

describe("HTTP server limits", () => {
  let limited: Server;
  let limitedPort: number;
  const limitedSockets: Socket[] = [];
  const MAX_CONNECTIONS = 4;

  beforeAll(async () => {
    limited = await listen(t.app, 0, "127.0.0.1", {
      requestTimeoutMs: 600,
      headersTimeoutMs: 400,
      keepAliveTimeoutMs: 1_000,
      maxConnections: MAX_CONNECTIONS,
    });
    limited.on("connection", (socket: Socket) => limitedSockets.push(socket));
    limitedPort = (limited.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of limitedSockets) socket.destroy();
    if (limited) await closeServer(limited);
  });

  it("closes a connection whose body trickles in past the request timeout, with 408", async () => {
    const socket = connect(limitedPort, "127.0.0.1");
    await once(socket, "connect");
    let answer = "";
    socket.on("data", (data: Buffer) => {
      answer += data.toString("latin1");
    });
    socket.on("error", () => undefined);
    let closed = false;
    socket.once("close", () => {
      closed = true;
    });
    const declared = 10_000;
    socket.write(postHead("/graphql", { "content-length": String(declared) }));
    let sent = 0;
    // A byte every 50 ms would take 500 s; the server must end it long before (bounded by `declared`).
    while (!closed && sent < declared) {
      socket.write(" ");
      sent += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(closed).toBe(true);
    expect(sent).toBeLessThan(declared);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it("closes connections beyond maxConnections as they arrive", async () => {
    const open: Socket[] = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) {
      const socket = connect(limitedPort, "127.0.0.1");
      await once(socket, "connect");
      open.push(socket);
    }
    // Wait until the server holds all of them, so the next one is the extra one.
    for (let tries = 0; tries < 100 && limited.listenerCount("connection") > 0; tries++) {
      const count = await new Promise<number>((resolve, reject) =>
        limited.getConnections((error, n) => (error ? reject(error) : resolve(n))),
      );
      if (count >= MAX_CONNECTIONS) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const extra = connect(limitedPort, "127.0.0.1");
    extra.on("error", () => undefined);
    let received = "";
    extra.on("data", (data: Buffer) => {
      received += data.toString("latin1");
    });
    extra.write("GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
    await once(extra, "close");
    expect(received).toBe("");
    for (const socket of open) socket.destroy();
  });
});
