import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedWebhook {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body, exactly as sent: signatures are computed over it. */
  readonly body: string;
  readonly receivedAtMs: number;
}

export interface WebhookReceiver {
  /** e.g. "http://127.0.0.1:34567". */
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** Decides each answer; the default answers 200 "[accepted]" (what Adyen expects; fine for Stripe). */
  respondWith(responder: (webhook: ReceivedWebhook, index: number) => { status: number; body: string }): void;
  /** Resolves with the webhooks once `predicate` holds, polling every 20 ms up to timeoutMs. */
  waitFor(
    predicate: (received: ReceivedWebhook[]) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

const ACCEPTED = { status: 200, body: "[accepted]" };

/** A small HTTP server that records every webhook it receives, for tests. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let responder: (webhook: ReceivedWebhook, index: number) => { status: number; body: string } = () =>
    ACCEPTED;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const webhook: ReceivedWebhook = {
        path: request.url ?? "/",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        receivedAtMs: Date.now(),
      };
      received.push(webhook);
      const answer = responder(webhook, received.length - 1);
      response.writeHead(answer.status, { "Content-Type": "text/plain" });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    respondWith(next) {
      responder = next;
    },
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) {
          throw new Error(`webhooks not as expected after ${timeoutMs} ms; got ${received.length}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return received;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
