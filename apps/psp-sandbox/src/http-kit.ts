import type { IncomingMessage, ServerResponse } from "node:http";
import type { StoredResponse } from "./idempotency-store";

export const REQUEST_BODY_BYTES_MAX = 1_048_576;

export class BodyTooLargeError extends Error {}

/** Reads the whole request body as UTF-8, refusing more than REQUEST_BODY_BYTES_MAX. */
export async function readBody(request: IncomingMessage): Promise<string> {
  return (await readBodyBytes(request)).toString("utf8");
}

/** Reads the whole request body as bytes (a multipart upload's files are binary), refusing more than the bound. */
export async function readBodyBytes(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > REQUEST_BODY_BYTES_MAX)
      throw new BodyTooLargeError(`body over ${REQUEST_BODY_BYTES_MAX} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** JSON with bigint written as a digit string (the sandbox's own endpoints only). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item) => (typeof item === "bigint" ? item.toString() : item), 2);
}

export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): StoredResponse {
  return { status, headers: { "Content-Type": "application/json", ...headers }, body: toJson(body) };
}

export function send(
  response: ServerResponse,
  stored: StoredResponse,
  extraHeaders: Record<string, string> = {},
) {
  if (response.writableEnded || response.destroyed) return;
  response.writeHead(stored.status, { ...stored.headers, ...extraHeaders });
  response.end(stored.body);
}

/**
 * Waits up to delayMs, returning early when the client goes away or the server stops.
 * Returns "elapsed" or "closed".
 */
export function holdResponse(
  response: ServerResponse,
  delayMs: number,
  stopSignal: AbortSignal,
): Promise<"elapsed" | "closed"> {
  return new Promise((resolve) => {
    if (response.destroyed || stopSignal.aborted) {
      resolve("closed");
      return;
    }
    const finish = (outcome: "elapsed" | "closed") => {
      clearTimeout(timer);
      response.off("close", onClose);
      stopSignal.removeEventListener("abort", onClose);
      resolve(outcome);
    };
    const onClose = () => finish("closed");
    const timer = setTimeout(() => finish("elapsed"), delayMs);
    response.once("close", onClose);
    stopSignal.addEventListener("abort", onClose, { once: true });
  });
}

/** A plain sleep that the server's stop cuts short. */
export function sleep(delayMs: number, stopSignal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (stopSignal.aborted || delayMs <= 0) {
      resolve();
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      stopSignal.removeEventListener("abort", onAbort);
      resolve();
    }, delayMs);
    stopSignal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Header value as one string (the first when repeated), or null. */
export function headerValue(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name.toLowerCase()];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}
