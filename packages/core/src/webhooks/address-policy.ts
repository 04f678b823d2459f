// Which resolved addresses a webhook may be delivered to. A webhook URL is the merchant's, so without this
// check the platform could be made to call its own private network (SSRF). Ranges are classified by
// ipaddr.js (IPv4, IPv6, and IPv4-mapped IPv6 unwrapped); only public unicast addresses are allowed, except
// that test mode may use loopback so merchants can develop against a local receiver.
import ipaddr from "ipaddr.js";
import type { Mode } from "../payments/payment-record";

/** ipaddr.js' range names that are public unicast. Every other range (private, loopback, link-local, CGNAT,
 * multicast, unspecified, reserved, unique-local, 6to4/teredo relays, …) is refused. */
const PUBLIC_RANGES: ReadonlySet<string> = new Set(["unicast"]);

export type AddressVerdict = { allowed: true } | { allowed: false; range: string };

export function classifyAddress(address: string, mode: Mode): AddressVerdict {
  if (!ipaddr.isValid(address)) return { allowed: false, range: "invalid" };
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv6") {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
  }
  const range = parsed.range();
  if (PUBLIC_RANGES.has(range)) return { allowed: true };
  if (mode === "TEST" && range === "loopback") return { allowed: true };
  return { allowed: false, range };
}

/** Hostnames that name this machine; test mode accepts them (they resolve to loopback). */
export function isLocalhostName(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  return host === "localhost" || host.endsWith(".localhost");
}
