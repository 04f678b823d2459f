import type { IncomingHttpHeaders } from "node:http";

export function forwardedForFromSocket(
  headers: IncomingHttpHeaders,
  socketAddress: string | undefined,
  trustedProxyHops: number,
): void;
export function trustedProxyHopsOf(value: string | undefined): number;
