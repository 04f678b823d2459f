// IP geolocation from the GeoLite data that the fast-geoip package ships (no
// download at install or run time). Lookups read small index files lazily.
// IPv4 only: the package's IPv6 answers are not reliable, so IPv6 is "unknown".

import type { GeoLocation, GeoLocator } from "@paycore/core/ports/risk-data";
import geoip from "fast-geoip";
import ipaddr from "ipaddr.js";

export class GeoIpLocator implements GeoLocator {
  async locate(ipAddress: string): Promise<GeoLocation | null> {
    if (!ipaddr.IPv4.isValidFourPartDecimal(ipAddress)) return null;
    if (ipaddr.IPv4.parse(ipAddress).range() !== "unicast") return null;
    try {
      const found = await geoip.lookup(ipAddress);
      if (!found) return null;
      const [latitude, longitude] = found.ll;
      return { latitude, longitude, country: found.country || null };
    } catch {
      return null;
    }
  }
}
