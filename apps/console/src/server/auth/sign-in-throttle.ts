// Sign-in throttling: failures are counted per client IP and per (email as
// typed, IP), and past a few free failures each key is blocked for a delay that
// doubles with every further failure, up to a ceiling. Nothing locks an account:
// someone failing with Alice's email from their own address slows only
// themselves, never Alice at her desk. The email is the one typed, known or not,
// so the throttle's answers say nothing about which accounts exist.
import ipaddr from "ipaddr.js";

export interface ThrottlePolicy {
  /** Failures answered without delay. */
  freeFailures: number;
  /** The first delay; each further failure doubles it. */
  delayBaseMs: number;
  delayMaxMs: number;
}

export interface SignInThrottleSettings {
  accountIp: ThrottlePolicy;
  ip: ThrottlePolicy;
  /** A key's count starts again after this long without a failure. */
  windowMs: number;
  /** Reverse proxies in front of the console that append to X-Forwarded-For (0: none). */
  trustedProxyHops: number;
}

export const DEFAULT_SIGN_IN_THROTTLE: SignInThrottleSettings = {
  accountIp: { freeFailures: 5, delayBaseMs: 1_000, delayMaxMs: 15 * 60_000 },
  ip: { freeFailures: 50, delayBaseMs: 1_000, delayMaxMs: 15 * 60_000 },
  windowMs: 60 * 60_000,
  trustedProxyHops: 0,
};

// 2^40 ms is already 35 years: past it the ceiling always wins, and Math.pow stays exact.
const DOUBLINGS_MAX = 40;

/** How long to block after the `failures`-th failure in a row: 0 while free, then base, 2·base, 4·base… ≤ max. */
export function delayAfterFailures(failures: number, policy: ThrottlePolicy): number {
  const over = failures - policy.freeFailures;
  if (over <= 0) return 0;
  return Math.min(policy.delayBaseMs * 2 ** Math.min(over - 1, DOUBLINGS_MAX), policy.delayMaxMs);
}

export interface ThrottleKey {
  key: string;
  kind: "ip" | "account_ip";
  email: string | null;
  ip: string;
}

export function throttleKeys(email: string, ip: string): { ip: ThrottleKey; accountIp: ThrottleKey } {
  return {
    ip: { key: `ip:${ip}`, kind: "ip", email: null, ip },
    accountIp: { key: `account_ip:${email}|${ip}`, kind: "account_ip", email, ip },
  };
}

/** Password or code checks one address may have in flight at once (its key's count may overshoot by this). */
export const IP_CHECKS_IN_FLIGHT_MAX = 4;

/**
 * Checks in flight in this process, per throttle key. A key's block is read before its check and its failure
 * counted after, so parallel attempts (a batch, many connections) all passed the block check before the first
 * failure was counted: 20 wrong passwords in one request were all checked where 5 are free (campaign
 * 2026-12-07). With one check at a time per account key, each failure is counted, and blocks, before the next
 * check of that key starts. Per process: the console runs as one.
 */
export class ChecksInFlight {
  private readonly counts = new Map<string, number>();

  /** Enters when every key is under its limit; returns the exit to call when the check is over, or null. */
  enter(limits: ReadonlyArray<readonly [key: string, max: number]>): (() => void) | null {
    if (limits.some(([key, max]) => (this.counts.get(key) ?? 0) >= max)) return null;
    for (const [key] of limits) this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    return () => {
      for (const [key] of limits) {
        const left = (this.counts.get(key) ?? 1) - 1;
        if (left === 0) this.counts.delete(key);
        else this.counts.set(key, left);
      }
    };
  }
}

export const checksInFlight = new ChecksInFlight();

/** An unparseable or missing address: all such requests share one bucket rather than escaping the throttle. */
export const UNKNOWN_CLIENT = "unknown";

/**
 * The client's address for throttling. Next's server sets X-Forwarded-For to the socket's address only when the
 * request has none, and each trusted proxy appends the address it saw, so the entry `hops` from the right is the
 * one no client can forge (with no proxy, a client can send its own header: put the console behind one). IPv6
 * addresses count per /64, the block one customer line usually gets.
 */
export function clientAddress(forwardedFor: string | null, trustedProxyHops: number): string {
  const entries = (forwardedFor ?? "")
    .split(",")
    .slice(-32)
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  const candidate = entries[entries.length - Math.max(trustedProxyHops, 1)];
  if (!candidate || !ipaddr.isValid(candidate)) return UNKNOWN_CLIENT;
  const parsed = ipaddr.process(candidate);
  if (parsed.kind() === "ipv4") return parsed.toString();
  const bytes = (parsed as ipaddr.IPv6).toByteArray().slice(0, 8);
  return `${ipaddr.fromByteArray([...bytes, 0, 0, 0, 0, 0, 0, 0, 0]).toString()}/64`;
}

/** Whole seconds left, at least 1: the user is told when to try again. */
export function secondsUntil(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
}

export function signInThrottleFromEnv(env: {
  CONSOLE_SIGN_IN_FREE_FAILURES: number;
  CONSOLE_SIGN_IN_IP_FREE_FAILURES: number;
  CONSOLE_SIGN_IN_DELAY_MAX_MINUTES: number;
  CONSOLE_TRUSTED_PROXY_HOPS: number;
}): SignInThrottleSettings {
  const delayMaxMs = env.CONSOLE_SIGN_IN_DELAY_MAX_MINUTES * 60_000;
  return {
    accountIp: { freeFailures: env.CONSOLE_SIGN_IN_FREE_FAILURES, delayBaseMs: 1_000, delayMaxMs },
    ip: { freeFailures: env.CONSOLE_SIGN_IN_IP_FREE_FAILURES, delayBaseMs: 1_000, delayMaxMs },
    windowMs: Math.max(DEFAULT_SIGN_IN_THROTTLE.windowMs, 4 * delayMaxMs),
    trustedProxyHops: env.CONSOLE_TRUSTED_PROXY_HOPS,
  };
}
