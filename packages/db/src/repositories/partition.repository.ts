// Time partitions (issue 21, point 3): the tables that grow without end are partitioned by RANGE on their
// creation time (docs/scaling.md, "Time partitions"). The SQL functions of the migration
// 20261209160000_time_partitions_idempotency do the DDL (so every statement here is a fixed text); this
// repository calls them for the partition worker (packages/platform/src/workers/partitions.ts), the CLI's
// `partitions status` and the test databases.
import type { Sql } from "../sql";

export type PartitionUnit = "day" | "month";

export interface PartitionedTable {
  /** The partitioned table. */
  table: string;
  unit: PartitionUnit;
  /**
   * Partitions whose range ended longer ago than this are dropped, when the table's own rule allows (see
   * time_partition_drop_if_expired: idempotency records all expired, outbox messages all published, webhook
   * deliveries none pending); null: kept
   * (audit and evidence).
   */
  retentionDays: number | null;
}

/** Every partitioned table, the one list the worker, the CLI and the test databases read. */
export const PARTITIONED_TABLES: readonly PartitionedTable[] = [
  // A record is kept for its retention (24 h by default) past its creation: a day is dropped once all its records
  // have expired, and not before the day after it ended (the worker keeps yesterday's partition for late clocks).
  { table: "idempotency_records", unit: "day", retentionDays: 1 },
  // Published messages are of no further use to the relay; kept a month for inquiries, then dropped by day.
  { table: "outbox_messages", unit: "day", retentionDays: 30 },
  // Attempts go with their event after 30 days (the cascade); a month ended 31 days ago holds none of use.
  { table: "webhook_delivery_attempts", unit: "month", retentionDays: 31 },
  // Likewise deliveries, once none in the month is still PENDING (a disabled endpoint's wait for it), and then
  // the events (the 30-day purge has deleted most of them by then). Each drop deletes the partition's id claims
  // first, so what referenced a row goes with it (migration 20261210070100_time_partitions_webhooks).
  { table: "webhook_deliveries", unit: "month", retentionDays: 31 },
  { table: "webhook_events", unit: "month", retentionDays: 31 },
  // Evidence and the payments' audit trail: partitioned to keep each partition small, never dropped.
  { table: "psp_webhook_events", unit: "month", retentionDays: null },
  { table: "payment_events", unit: "month", retentionDays: null },
  // The ledger: kept for ever (time_partition_drop_if_expired refuses its partitions). An entry's lines carry its
  // created_at, so both tables need the same months (migration 20261213020100_ledger_month_partitions).
  { table: "journal_entries", unit: "month", retentionDays: null },
  { table: "ledger_lines", unit: "month", retentionDays: null },
  // Reconciliation items: kept (items stay open and are matched for days; nothing archives them yet, and
  // time_partition_drop_if_expired refuses them). Their unique rules live in recon_item_claims (migration
  // 20261214020100_recon_items_month_partitions).
  { table: "recon_items", unit: "month", retentionDays: null },
];

export interface PartitionInfo {
  parent: string;
  partition: string;
  isDefault: boolean;
  /** Null: MINVALUE (an old table attached as the first partition) or the default partition. */
  lowerBound: Date | null;
  upperBound: Date | null;
  /** Table, indexes and TOAST. */
  bytes: bigint;
  /** The planner's estimate (pg_class.reltuples), -1 before the first ANALYZE. */
  rowsEstimate: number;
}

const ENSURE = `SELECT "time_partitions_ensure"($1, $2, $3::timestamptz, $4::timestamptz) AS created`;

const LIST = `
SELECT p."parent", p."partition", p."is_default" AS "isDefault", p."lower_bound" AS "lowerBound",
       p."upper_bound" AS "upperBound", pg_total_relation_size(c.oid) AS bytes, c.reltuples::float8 AS "rowsEstimate"
  FROM "time_partitions" p
  JOIN pg_class c ON c.oid = to_regclass(quote_ident(p."partition"))
 ORDER BY p."parent", p."lower_bound" NULLS FIRST, p."is_default"`;

const DROP_CANDIDATES = `
SELECT "partition" FROM "time_partitions"
 WHERE "parent" = $1 AND NOT "is_default"
   AND "upper_bound" <= $2::timestamptz - make_interval(days => $3)
 ORDER BY "upper_bound" NULLS FIRST
 LIMIT $4`;

/** DROP TABLE waits at most this long for the parent's lock, then gives up until the next pass. */
const DROP_LOCK_TIMEOUT = "2s";
const DROP = `SELECT "time_partition_drop_if_expired"($1, $2::timestamptz, make_interval(days => $3)) AS dropped`;

const DEFAULT_ROWS = `SELECT "parent", "rows" FROM "time_partitions_default_rows"()`;

/** Partitions created or dropped in one call, at most: a bound on one pass's DDL. */
export const PARTITIONS_PER_CALL_MAX = 400;

export class PartitionRepository {
  constructor(private readonly sql: Sql) {}

  /** Creates the missing partitions of `table` covering [from, until); returns how many it created. */
  async ensure(table: PartitionedTable, from: Date, until: Date): Promise<number> {
    const [row] = await this.sql.query<{ created: number }>(ENSURE, [table.table, table.unit, from, until]);
    return row?.created ?? 0;
  }

  /**
   * Drops up to `limit` partitions of `table` past its retention as of `now`; returns the names dropped. A
   * partition whose lock is not granted within a moment (the hot path holds the parent) is left for next time.
   */
  async dropExpired(table: PartitionedTable, now: Date, limit: number): Promise<string[]> {
    if (table.retentionDays === null) return [];
    if (!Number.isInteger(limit) || limit < 1 || limit > PARTITIONS_PER_CALL_MAX)
      throw new Error(`partition drop limit must be an integer in 1..${PARTITIONS_PER_CALL_MAX}`);
    const candidates = await this.sql.query<{ partition: string }>(DROP_CANDIDATES, [
      table.table,
      now,
      table.retentionDays,
      limit,
    ]);
    const dropped: string[] = [];
    for (const { partition } of candidates) {
      const done = await this.sql.transaction(async (tx) => {
        await tx.query("SELECT set_config('lock_timeout', $1, true)", [DROP_LOCK_TIMEOUT]);
        const [row] = await tx.query<{ dropped: boolean }>(DROP, [partition, now, table.retentionDays]);
        return row?.dropped === true;
      });
      if (done) dropped.push(partition);
    }
    return dropped;
  }

  /** Rows found in each default partition (up to 1001 counted), by parent table. */
  async defaultRows(): Promise<Map<string, number>> {
    const rows = await this.sql.query<{ parent: string; rows: bigint }>(DEFAULT_ROWS);
    return new Map(rows.map((row) => [row.parent, Number(row.rows)]));
  }

  async list(): Promise<PartitionInfo[]> {
    return this.sql.query<PartitionInfo>(LIST);
  }
}

/**
 * The creation range the worker keeps partitioned: from the start of the previous unit (rows of a clock a little
 * behind) to the end of the `ahead`-th unit after the current one.
 */
export function partitionWindow(unit: PartitionUnit, now: Date, ahead: number): { from: Date; until: Date } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  if (unit === "month")
    return {
      from: new Date(Date.UTC(year, month - 1, 1)),
      until: new Date(Date.UTC(year, month + ahead + 1, 1)),
    };
  const day = now.getUTCDate();
  return {
    from: new Date(Date.UTC(year, month, day - 1)),
    until: new Date(Date.UTC(year, month, day + ahead + 1)),
  };
}
