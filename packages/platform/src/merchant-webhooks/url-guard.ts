// Where a merchant's webhook URL may lead: resolve its host, and refuse it unless every address is public
// (test mode also allows loopback, for a receiver on the developer's machine). Checked when an endpoint is
// created or changed, and again before every delivery, whose connection then goes to the very address checked
// here (see webhook-sender.ts): a name that resolves to a public address once and a private one later (DNS
// rebinding) cannot slip through.
import { lookup } from "node:dns/promises";
import { DomainError } from "@paycore/core/errors/domain-error";
import type { Mode } from "@paycore/core/payments/payment-record";
import { type AddressPolicy, classifyAddress } from "@paycore/core/webhooks/address-policy";
import type { UrlGuard } from "@paycore/core/webhooks/webhook-endpoint-commands";
import ipaddr from "ipaddr.js";

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a hostname to its addresses. Tests inject one that maps test names to chosen addresses. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** Addresses a name may resolve to, at most: more are ignored (and were never all connected to anyway). */
const ADDRESSES_MAX = 16;

export const systemResolver: HostResolver = async (hostname) => {
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found
    .slice(0, ADDRESSES_MAX)
    .map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
};

function forbidden(message: string): DomainError {
  return new DomainError("WEBHOOK_URL_FORBIDDEN", message, { field: ["url"] });
}

/** The URL's host as an address or a name (IPv6 literals lose their brackets). */
function hostOf(url: URL): string {
  const host = url.hostname;
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/**
 * The addresses a delivery to `url` may connect to, every one of them checked; throws WEBHOOK_URL_FORBIDDEN when
 * the host does not resolve or any address is internal (one bad address refuses the name: a resolver could rotate).
 */
export async function resolveDeliverable(
  url: URL,
  mode: Mode,
  resolve: HostResolver,
  policy: AddressPolicy,
): Promise<ResolvedAddress[]> {
  const host = hostOf(url);
  let addresses: ResolvedAddress[];
  if (ipaddr.isValid(host)) {
    addresses = [{ address: host, family: ipaddr.parse(host).kind() === "ipv6" ? 6 : 4 }];
  } else {
    try {
      addresses = (await resolve(host)).slice(0, ADDRESSES_MAX);
    } catch {
      throw forbidden("The URL's host does not resolve.");
    }
    if (addresses.length === 0) throw forbidden("The URL's host does not resolve.");
  }
  for (const { address } of addresses) {
    const verdict = classifyAddress(address, mode, policy);
    if (!verdict.allowed) {
      throw forbidden(
        mode === "TEST" && policy.testModeLoopback && verdict.range !== "loopback"
          ? `The URL's host resolves to an internal address (${verdict.range}); test mode allows public addresses and loopback only.`
          : `The URL's host resolves to an internal address (${verdict.range}).`,
      );
    }
  }
  return addresses;
}

export class DnsUrlGuard implements UrlGuard {
  constructor(
    private readonly resolve: HostResolver = systemResolver,
    private readonly policy: AddressPolicy = { testModeLoopback: true },
  ) {}

  async assertDeliverable(url: URL, mode: Mode): Promise<void> {
    await resolveDeliverable(url, mode, this.resolve, this.policy);
  }
}
