import { createHash } from "node:crypto";
import type { PspName } from "./charge-ledger";

/** A response as it went on the wire, so a replay is byte-for-byte the same. */
export interface StoredResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type IdempotencyBegin =
  | { kind: "new" }
  | { kind: "replay"; response: StoredResponse }
  /** The key was used with other parameters or on another endpoint. */
  | { kind: "mismatch" }
  /** The first request with this key is still running. */
  | { kind: "in_progress" };

type Entry =
  | { state: "in_progress"; fingerprint: string }
  | { state: "done"; fingerprint: string; response: StoredResponse };

/** Bounds memory; the oldest keys are forgotten first (a real PSP keeps them 24 h to 31 days). */
const KEYS_MAX = 100_000;

/**
 * Stripe's semantics, shared by both emulated PSPs: a key is bound to the first request's
 * method, path and parameters. Keys are scoped per PSP.
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  begin(psp: PspName, key: string, fingerprint: string): IdempotencyBegin {
    const scopedKey = `${psp}:${key}`;
    const entry = this.entries.get(scopedKey);
    if (entry === undefined) {
      if (this.entries.size >= KEYS_MAX) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
      this.entries.set(scopedKey, { state: "in_progress", fingerprint });
      return { kind: "new" };
    }
    if (entry.fingerprint !== fingerprint) return { kind: "mismatch" };
    if (entry.state === "in_progress") return { kind: "in_progress" };
    return { kind: "replay", response: entry.response };
  }

  complete(psp: PspName, key: string, response: StoredResponse): void {
    const scopedKey = `${psp}:${key}`;
    const entry = this.entries.get(scopedKey);
    if (entry === undefined) return;
    this.entries.set(scopedKey, { state: "done", fingerprint: entry.fingerprint, response });
  }

  /** Forget a key whose request did nothing (validation error, 5xx before processing), so a retry runs. */
  release(psp: PspName, key: string): void {
    this.entries.delete(`${psp}:${key}`);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** A stable hash of a request: method, path and parameters with object keys sorted. */
export function requestFingerprint(method: string, path: string, params: unknown): string {
  return createHash("sha256")
    .update(`${method} ${path}\n${canonicalJson(params)}`)
    .digest("hex");
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
}
