// The partition worker (issue 21, point 3): keeps the time-partitioned tables (docs/scaling.md, "Time
// partitions") partitioned ahead and drops whole partitions past their retention instead of deleting rows one by
// one. Without pg_partman (the embedded Postgres behind `npm start` has none): the DDL is the migration's SQL
// functions, called through PartitionRepository. Every API process runs it; creating a partition another process
// just created is a no-op, and a drop that cannot get its lock at once waits for the next pass.
import {
  PARTITIONED_TABLES,
  type PartitionedTable,
  type PartitionRepository,
  partitionWindow,
} from "@paycore/db/repositories/partition.repository";
import type { Logger } from "pino";
import type { PassResult, WorkerJob } from "./worker";

export const PARTITION_INTERVAL_MS = 60 * 60_000;
/** Day partitions created ahead by default (month partitions: this many days' worth, rounded up, plus one). */
export const DEFAULT_PARTITION_DAYS_AHEAD = 14;
/** Partitions one pass drops per table, at most. */
const DROPS_PER_TABLE_MAX = 10;

export interface PartitionMaintenanceOptions {
  partitions: Pick<PartitionRepository, "ensure" | "dropExpired" | "defaultRows">;
  log: Pick<Logger, "info" | "warn">;
  /** Days of partitions kept ready ahead of now (1..366). */
  daysAhead?: number;
  tables?: readonly PartitionedTable[];
  now?: () => Date;
}

export function partitionMaintenanceJob(options: PartitionMaintenanceOptions): WorkerJob {
  const now = options.now ?? (() => new Date());
  const daysAhead = options.daysAhead ?? DEFAULT_PARTITION_DAYS_AHEAD;
  if (!Number.isInteger(daysAhead) || daysAhead < 1 || daysAhead > 366)
    throw new Error(`partition days ahead must be an integer in 1..366, got ${daysAhead}`);
  const tables = options.tables ?? PARTITIONED_TABLES;
  /** Tables whose default partition held rows at the last pass. */
  let inDefault = new Map<string, number>();
  let lastPass: { created: number; dropped: number } | null = null;
  return {
    name: "partition-maintenance",
    // At once when the process starts: a fresh database (or one left alone for weeks) gets its partitions first.
    schedule: {
      intervalMs: PARTITION_INTERVAL_MS,
      backoff: { initialDelayMs: 60_000, maxDelayMs: PARTITION_INTERVAL_MS },
    },
    failureMessage: "partition maintenance failed: rows go to the default partition until a pass succeeds",
    async pass(): Promise<PassResult> {
      const at = now();
      let created = 0;
      let dropped = 0;
      for (const table of tables) {
        const ahead = table.unit === "day" ? daysAhead : Math.ceil(daysAhead / 30) + 1;
        const { from, until } = partitionWindow(table.unit, at, ahead);
        created += await options.partitions.ensure(table, from, until);
        const gone = await options.partitions.dropExpired(table, at, DROPS_PER_TABLE_MAX);
        if (gone.length > 0)
          options.log.info({ table: table.table, dropped: gone }, "expired partitions dropped");
        dropped += gone.length;
      }
      inDefault = new Map([...(await options.partitions.defaultRows())].filter(([, rows]) => rows > 0));
      if (inDefault.size > 0)
        options.log.warn(
          { tables: Object.fromEntries(inDefault) },
          "rows in a default partition: a range was not created ahead (see docs/operations.md, Time partitions)",
        );
      lastPass = { created, dropped };
      return { done: created + dropped, more: false };
    },
    healthDetails: () => ({ lastPass, defaultPartitionRows: Object.fromEntries(inDefault) }),
    healthProblem: () =>
      inDefault.size === 0 ? null : `rows in the default partition of ${[...inDefault.keys()].join(", ")}`,
  };
}
