// The console counts failed sign-ins per client address, read from X-Forwarded-For (apps/console's
// clientAddress: the entry the nearest trusted proxy appended). Next's server adds the header only when a
// request has none, so with no proxy in front a client could name any address it liked in its own header and
// start every throttle afresh. Here, before Next sees the request, a console without trusted proxies
// (CONSOLE_TRUSTED_PROXY_HOPS=0) replaces the header with the socket's address.

/** Sets `x-forwarded-for` to the socket's address unless trusted proxies are in front (they append theirs). */
export function forwardedForFromSocket(headers, socketAddress, trustedProxyHops) {
  if (trustedProxyHops > 0) return;
  headers["x-forwarded-for"] = socketAddress ?? "";
}

/** CONSOLE_TRUSTED_PROXY_HOPS as the console reads it (a whole number; anything else is 0). */
export function trustedProxyHopsOf(value) {
  const hops = Number(value ?? "0");
  return Number.isInteger(hops) && hops > 0 ? hops : 0;
}
