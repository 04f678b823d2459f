// Counts (and can delay) the SQL statements this process sends to Postgres, for tests that assert how many
// queries a request issues (N+1) or that none are issued after a point. It wraps node-postgres' Client#query,
// which both Prisma's adapter and the payment path's statements go through; the statements still run on the
// real database.
import pg from "pg";

export interface QueryCounter {
  /** The SQL text of every statement since `start()` (or the last `reset()`). */
  readonly statements: string[];
  reset(): void;
  /** Called before each statement; a returned promise holds the statement back until it settles. */
  onStatement: ((sql: string) => Promise<void> | undefined) | null;
  stop(): void;
}

export function startQueryCounter(): QueryCounter {
  const original = pg.Client.prototype.query;
  const counter: QueryCounter = {
    statements: [],
    reset() {
      counter.statements.length = 0;
    },
    onStatement: null,
    stop() {
      pg.Client.prototype.query = original;
    },
  };
  // biome-ignore lint/suspicious/noExplicitAny: node-postgres' query has a dozen overloads; this passes them all on.
  pg.Client.prototype.query = function counted(this: pg.Client, ...args: any[]): any {
    const config = args[0] as string | { text?: string };
    const sql = typeof config === "string" ? config : (config?.text ?? "");
    counter.statements.push(sql);
    const hold = counter.onStatement?.(sql);
    if (hold === undefined) return (original as (...a: unknown[]) => unknown).apply(this, args);
    return hold.then(() => (original as (...a: unknown[]) => unknown).apply(this, args));
  };
  return counter;
}
