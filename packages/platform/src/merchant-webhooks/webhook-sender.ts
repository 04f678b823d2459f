// One HTTP POST of a webhook to a merchant's endpoint, made safe for a URL the merchant chose: the host is
// resolved and checked (url-guard.ts) and the connection goes to that checked address (a `lookup` that answers
// it), so DNS cannot change the answer between check and connect. No redirect is followed (a 3xx is a failed
// attempt), the connection and the whole exchange have timeouts, and at most 1 KiB of the answer is read.
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { isDomainError } from "@paycore/core/errors/domain-error";
import type { Mode } from "@paycore/core/payments/payment-record";
import type { AddressPolicy } from "@paycore/core/webhooks/address-policy";
import { type HostResolver, type ResolvedAddress, resolveDeliverable } from "./url-guard";

export const RESPONSE_EXCERPT_BYTES_MAX = 1024;

export interface SendOptions {
  resolve: HostResolver;
  /** Whether test-mode endpoints may be on loopback (never in production). */
  policy: AddressPolicy;
  connectTimeoutMs: number;
  totalTimeoutMs: number;
  /** The request function; tests wrap it to count connections. Defaults to node's http(s).request. */
  request?: typeof http.request;
}

export interface SendResult {
  /** The HTTP status, or null when there was no answer (refused, timed out, forbidden address). */
  statusCode: number | null;
  latencyMs: number;
  /** At most 1 KiB of the answer's body, as text. */
  responseExcerpt: string | null;
  /** Why the attempt failed without an answer, in words safe to show the merchant. */
  error: string | null;
  /** The address connected to, for the logs. */
  address: string | null;
}

export function isSuccess(result: SendResult): boolean {
  return result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
}

export async function sendWebhook(
  target: { url: string; mode: Mode },
  body: string,
  headers: Record<string, string>,
  options: SendOptions,
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = new URL(target.url);
  if (target.mode === "LIVE" && url.protocol !== "https:") {
    return failure(elapsed(), "live-mode endpoints must use https");
  }
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolveDeliverable(url, target.mode, options.resolve, options.policy);
  } catch (error) {
    return failure(elapsed(), isDomainError(error) ? error.message : "the host could not be resolved");
  }
  const [pinned] = addresses as [ResolvedAddress];
  const pinnedLookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: pinned.address, family: pinned.family },
      ]);
    } else callback(null, pinned.address, pinned.family);
  };
  const request = options.request ?? (url.protocol === "https:" ? https.request : http.request);
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(totalTimer);
      resolve(result);
    };
    const req = request(url, {
      method: "POST",
      headers: { ...headers, "content-length": Buffer.byteLength(body).toString() },
      lookup: pinnedLookup,
      agent: false,
      // TLS verifies the certificate against the URL's name, not the pinned address.
      ...(url.protocol === "https:" ? { servername: url.hostname } : {}),
    });
    const totalTimer = setTimeout(() => {
      req.destroy();
      finish(failure(elapsed(), `no complete answer within ${options.totalTimeoutMs} ms`, pinned.address));
    }, options.totalTimeoutMs);
    req.on("socket", (socket) => {
      const connectTimer = setTimeout(() => {
        req.destroy();
        finish(failure(elapsed(), `could not connect within ${options.connectTimeoutMs} ms`, pinned.address));
      }, options.connectTimeoutMs);
      socket.once("connect", () => clearTimeout(connectTimer));
      socket.once("secureConnect", () => clearTimeout(connectTimer));
      socket.once("close", () => clearTimeout(connectTimer));
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      finish(failure(elapsed(), describeNetworkError(error), pinned.address));
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      const done = () => {
        const excerpt = Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES_MAX).toString("utf8");
        finish({
          statusCode: res.statusCode ?? null,
          latencyMs: elapsed(),
          responseExcerpt: excerpt.length > 0 ? excerpt : null,
          error: null,
          address: pinned.address,
        });
      };
      res.on("data", (chunk: Buffer) => {
        if (bytes < RESPONSE_EXCERPT_BYTES_MAX) chunks.push(chunk);
        bytes += chunk.length;
        // Past the cap the rest is not read: the connection is closed.
        if (bytes >= RESPONSE_EXCERPT_BYTES_MAX) {
          done();
          res.destroy();
        }
      });
      res.on("end", done);
      res.on("error", done);
    });
    req.end(body);
  });
}

function failure(latencyMs: number, error: string, address: string | null = null): SendResult {
  return { statusCode: null, latencyMs, responseExcerpt: null, error, address };
}

/** Network errors in a few fixed words: never the raw message (it may hold internal details). */
function describeNetworkError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset";
    case "ETIMEDOUT":
      return "connection timed out";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable";
    default:
      return error.code?.startsWith("ERR_TLS") || error.code?.includes("CERT")
        ? "TLS failure"
        : "network error";
  }
}
