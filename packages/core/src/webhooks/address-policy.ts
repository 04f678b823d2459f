// Which resolved addresses a webhook may be delivered to. A webhook URL is the merchant's, so without this
// check the platform could be made to call its own private network (SSRF). Ranges are classified by
// ipaddr.js (IPv4, IPv6, and IPv4-mapped IPv6 unwrapped); only public unicast addresses are allowed, except
// that test mode may use loopback so merchants can develop against a local receiver, where the platform runs on
// the developer's machine: a deployment turns that off (in production loopback is the platform's own host).
import ipaddr from "ipaddr.js";
import type { Mode } from "../payments/payment-record";

/** ipaddr.js' range names that are public unicast. Every other range (private, loopback, link-local, CGNAT,
 * multicast, unspecified, reserved, unique-local, 6to4/teredo relays, …) is refused. */
const PUBLIC_RANGES: ReadonlySet<string> = new Set(["unicast"]);

/** IPv6 public unicast is 2000::/3; ipaddr.js calls "unicast" whatever it has no name for, such as the
 * deprecated IPv4-compatible ::/96 (`[::127.0.0.1]`), which some stacks still route to the IPv4 address. */
const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR("2000::/3");

export type AddressVerdict = { allowed: true } | { allowed: false; range: string };

export interface AddressPolicy {
  /** Test-mode endpoints may be on loopback: true where the platform runs on the developer's machine only. */
  testModeLoopback: boolean;
}

export function classifyAddress(
  address: string,
  mode: Mode,
  policy: AddressPolicy = { testModeLoopback: true },
): AddressVerdict {
  if (!ipaddr.isValid(address)) return { allowed: false, range: "invalid" };
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv6") {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
  }
  const range = parsed.range();
  if (PUBLIC_RANGES.has(range)) {
    if (parsed.kind() === "ipv6" && !(parsed as ipaddr.IPv6).match(IPV6_GLOBAL_UNICAST))
      return { allowed: false, range: "notGlobalUnicast" };
    return { allowed: true };
  }
  if (mode === "TEST" && range === "loopback" && policy.testModeLoopback) return { allowed: true };
  return { allowed: false, range };
}

/** Hostnames that name this machine; test mode accepts them (they resolve to loopback). */
export function isLocalhostName(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  return host === "localhost" || host.endsWith(".localhost");
}
