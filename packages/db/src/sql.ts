// node-postgres for the payment hot path. Prisma stays the client for the
// console, the queries and everything else; the few statements a payment runs
// on every request go through here instead, because Prisma's query compiler and
// interpreter cost the API about 70% of its CPU per payment (docs/benchmarks.md).
// Every statement is a named prepared statement (parsed and planned once per
// connection) and bigint columns arrive as bigint, never as a JavaScript number.

import { invariant } from "@paycore/core/errors/domain-error";
import pg from "pg";

export interface PoolOptions {
  url: string;
  /** Connections in the pool; Postgres serves a few per core best. */
  max?: number;
  /** An idle connection failed (the server restarted, say); the pool has already dropped it. */
  onIdleError?: (error: Error) => void;
}

export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({ connectionString: options.url, max: options.max ?? 10 });
  // Without a listener, an idle connection's error would end the process.
  const onError = options.onIdleError ?? (() => {});
  pool.on("error", onError);
  // The pool listens on idle clients only: a checked-out client whose server goes away between two statements
  // (a Postgres failover mid-transaction) emits 'error' with no listener, an uncaught exception that ends the
  // process. Each client gets its own listener; its next statement then fails and the request is answered
  // SERVICE_UNAVAILABLE, and the pool discards the broken client when it is released.
  pool.on("connect", (client) => client.on("error", onError));
  return pool;
}

const INT8_OID = 20;
const parseInt8 = (value: string) => BigInt(value);

/** Type parsers for our statements only: the pool's other user (Prisma's adapter) brings its own. */
export const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID) return parseInt8;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** One connection or the pool: statements run on whichever is given. */
interface Queryable {
  query(config: pg.QueryConfig): Promise<pg.QueryResult>;
}

/** Statement texts to prepared-statement names; the texts are a fixed set written in this package. */
const statementNames = new Map<string, string>();

export function statement(text: string, values: readonly unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `paycore_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return { name, text, values: values as unknown[], types };
}

export class Sql {
  constructor(private readonly pool: pg.Pool) {}

  /** One statement, in its own transaction. */
  async query<R>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    return (await runOn<R>(this.pool, text, values)).rows;
  }

  /**
   * One statement planned for its values on every call (unnamed, never prepared): for the few reads whose best
   * plan depends on the values, where a generic plan would pick one index for all of them.
   */
  async queryPlannedPerCall<R>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    return (await this.pool.query({ text, values: values as unknown[], types })).rows as R[];
  }

  /** Rows changed (or returned) by one statement. */
  async execute(text: string, values: readonly unknown[] = []): Promise<number> {
    return (await runOn(this.pool, text, values)).rowCount ?? 0;
  }

  /**
   * Runs `work` in one transaction on one connection: committed when it returns, rolled back when it throws.
   * A connection whose rollback fails is destroyed, never returned to the pool mid-transaction.
   */
  async transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const tx = new SqlTransaction(client);
      const result = await work(tx);
      if (!tx.committed) await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

export class SqlTransaction {
  committed = false;

  constructor(private readonly client: pg.PoolClient) {}

  /**
   * The transaction's last statement and its COMMIT in one round trip: a simple query, so no parameters (values
   * go into `text` through `literal`). The statement must raise when its effect is wrong (see the migration's
   * expect_rows): an error skips the COMMIT and the transaction rolls back.
   */
  async executeAndCommit(text: string): Promise<void> {
    await this.client.query(`${text};\nCOMMIT`);
    this.committed = true;
  }

  async query<R>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    return (await runOn<R>(this.client, text, values)).rows;
  }

  async execute(text: string, values: readonly unknown[] = []): Promise<number> {
    return (await runOn(this.client, text, values)).rowCount ?? 0;
  }

  /**
   * `COPY <table> (<columns>) FROM STDIN` of rows already written in COPY's text format (see `copyText`), one
   * "\n"-ended row each: the cheapest way to load many rows, for Postgres (no statement to parse per batch, no
   * JSON to read) and for Node (no object per row). Returns the rows copied. `copyStatement` is a fixed text of
   * this package: never built from input.
   */
  async copyIn(copyStatement: string, rows: string): Promise<number> {
    invariant(COPY_FROM_STDIN.test(copyStatement), "copyIn takes COPY … FROM STDIN");
    const [copied] = await this.script([{ text: copyStatement, copyRows: rows }]);
    return copied ?? 0;
  }

  /**
   * Several statements in one round trip: one simple query, with the rows of each `COPY … FROM STDIN` among them
   * sent right behind its text, so Postgres runs them one after the other without waiting for this process in
   * between. No parameters: values go into the texts through `literal`. Resolves with each statement's row count,
   * in order; the first error rejects it, and Postgres skips the statements after it (and ignores the COPY rows
   * left, as the protocol has it do after a failed COPY). The texts are statements of this package.
   */
  script(statements: readonly ScriptStatement[]): Promise<number[]> {
    for (const statement of statements)
      invariant(
        (statement.copyRows !== undefined) === COPY_FROM_STDIN.test(statement.text),
        "a script's COPY … FROM STDIN statements, and only they, carry rows",
      );
    return new Promise((resolve, reject) => {
      this.client.query(new Script(statements, resolve, reject) as unknown as pg.QueryConfig);
    });
  }
}

/** One statement of `SqlTransaction.script`; a `COPY … FROM STDIN` carries its rows in COPY's text format. */
export interface ScriptStatement {
  text: string;
  copyRows?: string;
}

const COPY_FROM_STDIN = /^COPY [a-z_]+ \([a-z_, ]+\) FROM STDIN$/;

/**
 * A script through node-postgres's submittable interface (what pg-copy-streams and pg-cursor use): the client
 * calls `submit` when the connection is free and hands it the protocol messages until ReadyForQuery. The query
 * and every COPY's rows (one CopyData message and CopyDone each) are written at once: Postgres reads a COPY's
 * data from the connection when it reaches that statement, and nothing waits for its CopyInResponse.
 */
class Script {
  private finished = false;
  private readonly rowCounts: number[] = [];

  constructor(
    private readonly statements: readonly ScriptStatement[],
    private readonly resolve: (rowCounts: number[]) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  submit(connection: CopyConnection): void {
    connection.query(this.statements.map((statement) => statement.text).join(";\n"));
    for (const statement of this.statements) {
      if (statement.copyRows === undefined) continue;
      if (statement.copyRows.length > 0)
        connection.sendCopyFromChunk(Buffer.from(statement.copyRows, "utf8"));
      connection.endCopyFrom();
    }
  }

  handleCommandComplete(message: { text?: string }): void {
    // "COPY 2000", "INSERT 0 5", "UPDATE 12": the count is the last word.
    this.rowCounts.push(Number(message.text?.split(" ").at(-1) ?? 0));
  }

  handleError(error: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.reject(error);
  }

  handleReadyForQuery(): void {
    if (this.finished) return;
    this.finished = true;
    this.resolve(this.rowCounts);
  }

  // The rows were sent with the query.
  handleCopyInResponse(): void {}
  // A script's statements answer no rows; node-postgres may still look these up.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handleCopyData(): void {}
}

interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** One value in COPY's text format: \N for null, backslash, tab, newline and carriage return escaped. */
export function copyText(value: string | null): string {
  if (value === null) return "\\N";
  return COPY_SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c] as string) : value;
}

async function runOn<R>(
  on: Queryable,
  text: string,
  values: readonly unknown[],
): Promise<{ rows: R[]; rowCount: number | null }> {
  const result = await on.query(statement(text, values));
  return { rows: result.rows as R[], rowCount: result.rowCount };
}

/**
 * A value written into a statement's text, for `executeAndCommit` and `script`: null, or a string quoted by
 * libpq's rules, as node-postgres's escapeLiteral quotes it (an E'' literal with doubled backslashes when there
 * are any, so the result is the same whatever standard_conforming_strings says), but with two `replaceAll`s
 * rather than a string built one character at a time: a chunk's JSON of 150 kB took escapeLiteral 16 ms.
 */
export function literal(value: string | null): string {
  if (value === null) return "NULL";
  const quoted = `'${value.replaceAll("'", "''")}'`;
  return value.includes("\\") ? ` E${quoted.replaceAll("\\", "\\\\")}` : quoted;
}

/** Postgres's SQLSTATE of a failed statement, if it is one. */
export function sqlState(error: unknown): string | undefined {
  return error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : undefined;
}
