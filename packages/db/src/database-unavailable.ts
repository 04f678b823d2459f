// Whether an error means "the database could not be reached or stopped serving writes" rather than "this
// statement was wrong": a failover (the leader killed, HAProxy rerouting), a restart, a full pool. Such a
// request changed nothing it did not report, so its client may send it again with the same idempotency key;
// the API answers SERVICE_UNAVAILABLE (503, retryable) instead of a masked "Unexpected error.".

/** SQLSTATE classes and codes that say the server, not the statement, failed. */
const UNAVAILABLE_SQLSTATE_CLASSES = ["08"]; // connection exception
const UNAVAILABLE_SQLSTATES = new Set([
  "57P01", // admin_shutdown: the server is stopping (Patroni demoting it, a fast shutdown)
  "57P02", // crash_shutdown: another backend crashed, this one was told to quit
  "57P03", // cannot_connect_now: starting up or in recovery
  "25006", // read_only_sql_transaction: a write reached a node that is (now) a standby
  "53300", // too_many_connections
]);

/** Node's socket errors: the server refused, reset or timed out the connection. */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTCONN",
]);

/** Prisma's codes for an unreachable or vanished server (P1001 can't reach, P1002 timed out, P1017 closed). */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017"]);

/** The driver adapter's kinds for the same (Prisma's DriverAdapterError `cause.kind`). */
const ADAPTER_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
  "TlsConnectionError",
]);

/**
 * node-postgres reports a lost connection with messages only (no code): these are its texts, from
 * pg/lib/client.js and pg-pool (checked against pg 8.x).
 */
const PG_CONNECTION_MESSAGES = [
  "Connection terminated",
  "Client has encountered a connection error and is not queryable",
  "timeout exceeded when trying to connect",
  "Client was closed and is not queryable",
];

const ERRORS_VISITED_MAX = 8;

/** Looks at the error, its `cause` chain and a Prisma error's driver adapter error (bounded). */
export function isDatabaseUnavailable(error: unknown): boolean {
  const queue: unknown[] = [error];
  for (let visited = 0; visited < ERRORS_VISITED_MAX && queue.length > 0; visited++) {
    const current = queue.shift();
    if (!(current instanceof Object)) continue;
    const candidate = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      kind?: unknown;
      meta?: { driverAdapterError?: unknown };
    };
    const code = typeof candidate.code === "string" ? candidate.code : undefined;
    if (code !== undefined && isUnavailableCode(code)) return true;
    if (typeof candidate.kind === "string" && ADAPTER_KINDS.has(candidate.kind)) return true;
    const message = typeof candidate.message === "string" ? candidate.message : "";
    if (PG_CONNECTION_MESSAGES.some((m) => message.startsWith(m))) return true;
    queue.push(candidate.cause, candidate.meta?.driverAdapterError);
  }
  return false;
}

function isUnavailableCode(code: string): boolean {
  if (SOCKET_CODES.has(code) || PRISMA_CODES.has(code)) return true;
  if (!/^[0-9A-Z]{5}$/.test(code)) return false;
  return UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_SQLSTATE_CLASSES.some((c) => code.startsWith(c));
}
