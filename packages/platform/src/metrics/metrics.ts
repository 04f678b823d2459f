// The process's Prometheus metrics (prom-client), one registry per runtime so
// that tests building several apps in one process never collide. Every label
// value is from a fixed set (PSP names, outcomes, states, error codes, a
// bounded set of operation names): never a payment, merchant or key id.
// Counters are observed at the platform and API layers (the PSP router, the
// idempotency service, the GraphQL plugin); the core stays pure. Backlog and
// age gauges are set by the metrics-refresh worker from one periodic query,
// never computed per scrape.
import type { GroupCommitStats } from "@paycore/db/group-commit";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Prometheus' text exposition format. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** PSP call latencies: most answers within a second, timeouts at PSP_TIMEOUT_MS (10 s by default). */
const PSP_BUCKETS_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** GraphQL requests: a payment is ~20 ms of our own work plus its PSP call. */
const REQUEST_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Age buckets of unsettled PSP attempts, as the gauges' `age` label (upper bounds; the last is open). The last
 * starts past the resolver's whole schedule (RESOLVE_SCHEDULE_MS, about 7 h 21 min): an UNKNOWN attempt there
 * has outlived every lookup the resolver makes (the PaycoreUnknownAttemptsPastResolverSchedule alert).
 */
export const ATTEMPT_AGE_BUCKETS = [
  { label: "lt_5m", maxSeconds: 300 },
  { label: "5m_1h", maxSeconds: 3_600 },
  { label: "1h_8h", maxSeconds: 8 * 3_600 },
  { label: "gte_8h", maxSeconds: Number.POSITIVE_INFINITY },
] as const;

export type AttemptAgeLabel = (typeof ATTEMPT_AGE_BUCKETS)[number]["label"];

/** The pool's figures, read at scrape time (free: three properties of node-postgres' Pool). */
export interface PoolFigures {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

export interface PlatformMetrics {
  registry: Registry;
  pspRequests: Counter<"psp" | "operation" | "outcome">;
  pspDuration: Histogram<"psp" | "operation">;
  pspBreakerState: Gauge<"psp" | "state">;
  pspAuthorizations: Counter<"psp" | "result">;
  payments: Counter<"outcome" | "psp" | "mode">;
  idempotencyReplays: Counter<"operation">;
  idempotencyConflicts: Counter<"operation" | "code">;
  redisFallbacks: Counter<"reason">;
  graphqlRequests: Counter<"operation" | "type" | "result">;
  graphqlErrors: Counter<"operation" | "type" | "code">;
  graphqlDuration: Histogram<"operation" | "type">;
  rateLimitRefusals: Counter<"limit">;
  reportRunPollFailures: Counter<"mode">;
  // Set by the metrics-refresh worker from one periodic query.
  attemptsUnsettled: Gauge<"status" | "age">;
  outboxBacklog: Gauge<never>;
  outboxOldestSeconds: Gauge<never>;
  webhookDeliveryBacklog: Gauge<never>;
  deadLettersOpen: Gauge<never>;
  reconciliationOpenItems: Gauge<"category">;
  payouts: Gauge<"status">;
  disputes: Gauge<"status">;
  needsAttention: Gauge<"source">;
  ledgerCheckOk: Gauge<never>;
  ledgerCheckLastRun: Gauge<never>;
  figuresRefreshed: Gauge<never>;
}

export interface MetricsOptions {
  /** Read at scrape time for the pool gauges; absent in processes without a pool. */
  pool?: () => PoolFigures;
  /**
   * The PSPs' breaker states at scrape time (cheap: an in-memory field per PSP), test mode's sandboxes and live
   * mode's PSP accounts alike (`mode`: a test and a live PSP of one name have breakers of their own).
   */
  breakers?: () => Promise<
    ReadonlyArray<{ psp: string; mode: "test" | "live"; state: "closed" | "open" | "half_open" }>
  >;
  /** The process's role as a constant label on every series (`api`, `console`). */
  process: string;
  /** The payment writes' group commit counters (issue 23), read at scrape time; null when it is off. */
  groupCommit?: () => GroupCommitStats | null;
}

const BREAKER_STATES = ["closed", "open", "half_open"] as const;

export function createPlatformMetrics(options: MetricsOptions): PlatformMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ process: options.process });
  // Event-loop delay, heap, GC, CPU, file descriptors: prom-client's defaults, prefixed like ours.
  collectDefaultMetrics({ register: registry, prefix: "paycore_" });
  const registers = [registry];

  if (options.pool) {
    const read = options.pool;
    new Gauge({
      name: "paycore_db_pool_connections",
      help: "Postgres pool connections of this process, by state (idle or in use).",
      labelNames: ["state"],
      registers,
      collect() {
        const figures = read();
        this.set({ state: "idle" }, figures.idleCount);
        this.set({ state: "in_use" }, figures.totalCount - figures.idleCount);
      },
    });
    new Gauge({
      name: "paycore_db_pool_waiting_requests",
      help: "Queries waiting for a free connection of this process's Postgres pool.",
      registers,
      collect() {
        this.set(read().waitingCount);
      },
    });
  }

  const groupCommit = options.groupCommit;
  if (groupCommit) {
    new Gauge({
      name: "paycore_db_group_commit_flushes",
      help: "Payment write flushes since start, by kind: alone (one statement, its own commit), group (one transaction for several), fallback (a group Postgres refused, rerun one by one).",
      labelNames: ["kind"],
      registers,
      collect() {
        const stats = groupCommit();
        if (stats === null) return;
        this.set({ kind: "alone" }, stats.singles);
        this.set({ kind: "group" }, stats.groups);
        this.set({ kind: "fallback" }, stats.fallbacks);
      },
    });
    new Gauge({
      name: "paycore_db_group_commit_grouped_statements",
      help: "Payment write statements since start that went in groups of two or more.",
      registers,
      collect() {
        const stats = groupCommit();
        if (stats !== null) this.set(stats.grouped);
      },
    });
    new Gauge({
      name: "paycore_db_group_commit_windows",
      help: "Payment write groups since start held open by the coalescing window (DATABASE_GROUP_COMMIT_WINDOW_MS).",
      registers,
      collect() {
        const stats = groupCommit();
        if (stats !== null) this.set(stats.windows);
      },
    });
  }

  const breakers = options.breakers;
  const pspBreakerState = new Gauge({
    name: "paycore_psp_circuit_breaker_state",
    aggregator: "max",
    help: "1 for the state each PSP's circuit breaker is in (closed, open, half_open), 0 for the others, per mode.",
    labelNames: ["psp", "mode", "state"],
    registers,
    async collect() {
      if (!breakers) return;
      for (const { psp, mode, state } of await breakers()) {
        for (const candidate of BREAKER_STATES)
          this.set({ psp, mode, state: candidate }, candidate === state ? 1 : 0);
      }
    },
  });

  return {
    registry,
    pspRequests: new Counter({
      name: "paycore_psp_requests_total",
      help: "Calls to PSPs by PSP, operation and outcome (succeeded, declined, failed, unknown, pending, unavailable, error).",
      labelNames: ["psp", "operation", "outcome"],
      registers,
    }),
    pspDuration: new Histogram({
      name: "paycore_psp_request_duration_seconds",
      help: "Duration of PSP calls, retries included, by PSP and operation.",
      labelNames: ["psp", "operation"],
      buckets: PSP_BUCKETS_SECONDS,
      registers,
    }),
    pspBreakerState,
    pspAuthorizations: new Counter({
      name: "paycore_psp_authorizations_total",
      help: "Authorization answers by PSP: approved or refused (the authorization rate's numerator and denominator).",
      labelNames: ["psp", "result"],
      registers,
    }),
    payments: new Counter({
      name: "paycore_payments_total",
      help: "Payments created (not replays), by the status they ended the request in, the PSP (none when no PSP was reached) and mode.",
      labelNames: ["outcome", "psp", "mode"],
      registers,
    }),
    idempotencyReplays: new Counter({
      name: "paycore_idempotency_replays_total",
      help: "Requests answered from a stored idempotent result, by operation.",
      labelNames: ["operation"],
      registers,
    }),
    idempotencyConflicts: new Counter({
      name: "paycore_idempotency_conflicts_total",
      help: "Requests refused over their idempotency key (IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_IN_PROGRESS), by operation.",
      labelNames: ["operation", "code"],
      registers,
    }),
    redisFallbacks: new Counter({
      name: "paycore_redis_fallbacks_total",
      help: "Redis commands given up on (not connected, past the deadline, failed): the work carried on without Redis.",
      labelNames: ["reason"],
      registers,
    }),
    graphqlRequests: new Counter({
      name: "paycore_graphql_requests_total",
      help: "GraphQL requests by operation name (bounded; anonymous and unknown ones bucketed), type and result (ok, client_error, server_error: the availability objective's bad events).",
      labelNames: ["operation", "type", "result"],
      registers,
    }),
    graphqlErrors: new Counter({
      name: "paycore_graphql_errors_total",
      help: "Errors in GraphQL responses by operation and error code (INTERNAL_SERVER_ERROR for masked ones).",
      labelNames: ["operation", "type", "code"],
      registers,
    }),
    graphqlDuration: new Histogram({
      name: "paycore_graphql_request_duration_seconds",
      help: "GraphQL request duration, from the parsed parameters to the response, by operation and type.",
      labelNames: ["operation", "type"],
      buckets: REQUEST_BUCKETS_SECONDS,
      registers,
    }),
    rateLimitRefusals: new Counter({
      name: "paycore_rate_limit_refusals_total",
      help: "Requests refused by a rate or concurrency limit, by limit.",
      labelNames: ["limit"],
      registers,
    }),
    reportRunPollFailures: new Counter({
      name: "paycore_report_run_poll_failures_total",
      help: "PSP accounts whose report runs a report-run-poll pass could not list, by mode (the account is named in the log, its alert and /health/workers).",
      labelNames: ["mode"],
      registers,
    }),
    attemptsUnsettled: new Gauge({
      name: "paycore_psp_attempts_unsettled",
      aggregator: "max",
      help: "PSP attempts with no final answer yet (UNKNOWN or ACKNOWLEDGED), by status and age bucket.",
      labelNames: ["status", "age"],
      registers,
    }),
    outboxBacklog: new Gauge({
      name: "paycore_outbox_backlog_messages",
      aggregator: "max",
      help: "Outbox messages not yet published.",
      registers,
    }),
    outboxOldestSeconds: new Gauge({
      name: "paycore_outbox_oldest_message_age_seconds",
      aggregator: "max",
      help: "Age of the oldest unpublished outbox message (0 when none).",
      registers,
    }),
    webhookDeliveryBacklog: new Gauge({
      name: "paycore_webhook_deliveries_backlog",
      aggregator: "max",
      help: "Merchant webhook deliveries still to be made (PENDING).",
      registers,
    }),
    deadLettersOpen: new Gauge({
      name: "paycore_dead_letters_open",
      aggregator: "max",
      help: "Dead letters neither replayed nor dismissed.",
      registers,
    }),
    reconciliationOpenItems: new Gauge({
      name: "paycore_reconciliation_open_items",
      aggregator: "max",
      help: "Open reconciliation items by category.",
      labelNames: ["category"],
      registers,
    }),
    payouts: new Gauge({
      name: "paycore_payouts",
      aggregator: "max",
      help: "Payouts by status.",
      labelNames: ["status"],
      registers,
    }),
    disputes: new Gauge({
      name: "paycore_disputes",
      aggregator: "max",
      help: "Disputes by status.",
      labelNames: ["status"],
      registers,
    }),
    needsAttention: new Gauge({
      name: "paycore_needs_attention_items",
      aggregator: "max",
      help: "The console overview's needs-attention counts, by source (the same query functions).",
      labelNames: ["source"],
      registers,
    }),
    ledgerCheckOk: new Gauge({
      name: "paycore_ledger_check_ok",
      aggregator: "max",
      help: "1 when the latest ledger consistency check found nothing, 0 when it found disagreements; absent before the first run.",
      registers,
    }),
    ledgerCheckLastRun: new Gauge({
      name: "paycore_ledger_check_last_run_timestamp_seconds",
      aggregator: "max",
      help: "When the latest ledger consistency check finished (Unix time).",
      registers,
    }),
    figuresRefreshed: new Gauge({
      name: "paycore_operational_figures_refreshed_timestamp_seconds",
      aggregator: "max",
      help: "When the metrics-refresh worker last read the backlog and age figures (Unix time).",
      registers,
    }),
  };
}

/** Whether a scrape may read the metrics: the bearer token when one is configured, else loopback only. */
export function metricsAccessAllowed(
  authorization: string | null | undefined,
  token: string | null,
  remoteAddress: string | null | undefined,
): boolean {
  if (token !== null) {
    const expected = `Bearer ${token}`;
    if (typeof authorization !== "string" || authorization.length !== expected.length) return false;
    // Constant-time comparison: the token is a secret.
    let difference = 0;
    for (let i = 0; i < expected.length; i++)
      difference |= authorization.charCodeAt(i) ^ expected.charCodeAt(i);
    return difference === 0;
  }
  return isLoopback(remoteAddress);
}

function isLoopback(address: string | null | undefined): boolean {
  if (!address) return false;
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}
