// Group commit for the payment hot path (issue 23), after TigerBeetle's batching: the writes of the requests
// waiting at the same moment go to Postgres together, one round trip and ONE commit for the group, instead of
// one round trip and one commit (a WAL flush) each.
//
// A member is one self-contained statement that runs on its own today without BEGIN or COMMIT: it writes all
// of its rows or none (the payment statements of payment-sql.ts check their own effect and raise). A group is
// one simple-query string, `BEGIN; EXECUTE s1(…); EXECUTE s2(…); …; COMMIT`, over statements prepared once per
// connection with SQL PREPARE, so Postgres plans each shape once, as it does for the single statements.
//
// - When to flush: as soon as a connection is free. Requests queue only while every connection is busy, and
//   the first connection freed takes the whole queue (up to GROUP_SIZE_MAX): a lone request waits for nothing,
//   and under load the group grows by itself with the wait.
// - The coalescing window (`windowMs`, off at 0): at moderate load a connection is nearly always free, so the
//   groups above are of one and every write pays its own commit and WAL flush. With a window, a member that
//   finds a free connection but follows another member by less than `windowMs` (a neighbour is writing: more
//   are likely) holds its group open for up to `windowMs`, or until `windowMembersMax` members, then flushes.
//   A member with no neighbour in the last `windowMs` still flushes at once; the wait is bounded by the window.
// - Each member stays atomic and exactly-once on its own: when the group fails with an error Postgres reports
//   (a constraint, a check of one member, a deadlock, the deferred balance check at COMMIT), the whole group
//   was rolled back, so every member runs again alone, in order, and only the one at fault fails. An error
//   without SQLSTATE (the connection lost, the COMMIT's outcome unknown) fails every member with that error, as
//   it would fail the lone statement: nothing is run twice.
// - Each member's result (its rows) goes to its own caller.
import type pg from "pg";
import { sqlState, statement, types } from "./sql";

/** Members in one group at most: a group holds its locks until its COMMIT, so it stays short. */
export const GROUP_SIZE_MAX = 32;

/** The longest coalescing window accepted (ms): the window is added to a write's latency. */
export const GROUP_WINDOW_MS_MAX = 10;

/** A held group flushes as soon as it has this many members (the window's default early close). */
export const GROUP_WINDOW_MEMBERS_MAX = 8;

export interface GroupCommitOptions {
  /** Members in one group at most (default GROUP_SIZE_MAX). */
  groupSizeMax?: number;
  /**
   * The coalescing window (ms, 0 to GROUP_WINDOW_MS_MAX; default 0, off): how long a member that follows another
   * by less than this holds its group open for neighbours when a connection is free.
   */
  windowMs?: number;
  /** A held group flushes once it has this many members (default GROUP_WINDOW_MEMBERS_MAX). */
  windowMembersMax?: number;
  /** The clock that times arrivals, in ms (default performance.now): tests fix it to make neighbours certain. */
  nowMs?: () => number;
}

/** What runs a write statement: the group commit, or `Sql` itself (one statement, one commit). */
export interface StatementRunner {
  query<R>(text: string, values?: readonly unknown[]): Promise<R[]>;
}

interface Member {
  text: string;
  values: readonly unknown[];
  resolve: (rows: unknown[]) => void;
  reject: (error: unknown) => void;
}

/** Counters for tests and the bench: how many groups ran and how big they were. */
export interface GroupCommitStats {
  /** Flushes of one member (a plain single statement). */
  singles: number;
  /** Flushes of two members or more, in one transaction. */
  groups: number;
  /** Members that went in groups of two or more. */
  grouped: number;
  /** Groups that failed and ran again member by member. */
  fallbacks: number;
  /** The largest group so far. */
  largest: number;
  /** Groups held open by the coalescing window (each flushed after at most windowMs). */
  windows: number;
}

/** SQL-level prepared statement names: their own prefix, apart from node-postgres's protocol-level ones. */
const groupStatementNames = new Map<string, string>();

function groupStatementName(text: string): string {
  let name = groupStatementNames.get(text);
  if (name === undefined) {
    name = `paycore_group_${groupStatementNames.size + 1}`;
    groupStatementNames.set(text, name);
  }
  return name;
}

/** The statements prepared (SQL PREPARE) on each connection. */
const preparedOn = new WeakMap<pg.PoolClient, Set<string>>();

export class GroupCommit implements StatementRunner {
  readonly stats: GroupCommitStats = {
    singles: 0,
    groups: 0,
    grouped: 0,
    fallbacks: 0,
    largest: 0,
    windows: 0,
  };
  private queue: Member[] = [];
  /** A flush is waiting for a connection: members that come meanwhile join its group. */
  private waiting = false;
  /** The coalescing window's timer while a group is held open. */
  private held: NodeJS.Timeout | undefined;
  /** When the last member arrived (performance.now(), ms). */
  private lastArrivalMs = Number.NEGATIVE_INFINITY;
  private readonly groupSizeMax: number;
  private readonly windowMs: number;
  private readonly windowMembersMax: number;
  private readonly nowMs: () => number;

  constructor(
    private readonly pool: pg.Pool,
    options: GroupCommitOptions = {},
  ) {
    this.groupSizeMax = options.groupSizeMax ?? GROUP_SIZE_MAX;
    this.windowMs = options.windowMs ?? 0;
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.windowMembersMax = Math.min(options.windowMembersMax ?? GROUP_WINDOW_MEMBERS_MAX, this.groupSizeMax);
    if (!(Number.isInteger(this.groupSizeMax) && this.groupSizeMax >= 1))
      throw new RangeError(`groupSizeMax must be a positive integer, not ${this.groupSizeMax}`);
    if (!(this.windowMs >= 0 && this.windowMs <= GROUP_WINDOW_MS_MAX))
      throw new RangeError(`windowMs must be within 0..${GROUP_WINDOW_MS_MAX}, not ${this.windowMs}`);
    if (!(Number.isInteger(this.windowMembersMax) && this.windowMembersMax >= 1))
      throw new RangeError(`windowMembersMax must be a positive integer, not ${this.windowMembersMax}`);
  }

  /** Runs one self-contained statement, alone or in a group; resolves with its own rows. */
  query<R>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      this.queue.push({ text, values, resolve: resolve as (rows: unknown[]) => void, reject });
      const nowMs = this.nowMs();
      const neighbour = nowMs - this.lastArrivalMs < this.windowMs;
      this.lastArrivalMs = nowMs;
      // A flush waiting for a connection takes this member with it.
      if (this.waiting) return;
      if (this.held !== undefined) {
        if (this.queue.length >= this.windowMembersMax) this.closeWindow();
        return;
      }
      if (neighbour) {
        this.stats.windows++;
        this.held = setTimeout(() => this.closeWindow(), this.windowMs);
        return;
      }
      void this.flush();
    });
  }

  /** Ends the coalescing window: the held group goes to the next free connection. */
  private closeWindow(): void {
    clearTimeout(this.held);
    this.held = undefined;
    if (!this.waiting && this.queue.length > 0) void this.flush();
  }

  private async flush(): Promise<void> {
    this.waiting = true;
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      this.waiting = false;
      for (const member of this.queue.splice(0)) member.reject(error);
      return;
    }
    this.waiting = false;
    const group = this.queue.splice(0, this.groupSizeMax);
    // More than one group's worth waited: the next connection takes the rest.
    if (this.queue.length > 0) void this.flush();
    let broken: Error | undefined;
    try {
      if (group.length === 1) {
        this.stats.singles++;
        await runAlone(client, group[0] as Member);
      } else if (group.length > 1) {
        broken = await this.runGroup(client, group);
      }
    } finally {
      client.release(broken);
    }
  }

  /** The group in one transaction; on an error Postgres reports, member by member. Returns a broken connection. */
  private async runGroup(client: pg.PoolClient, group: Member[]): Promise<Error | undefined> {
    this.stats.groups++;
    this.stats.grouped += group.length;
    this.stats.largest = Math.max(this.stats.largest, group.length);
    try {
      const names = await prepare(client, group);
      const text = [
        "BEGIN",
        ...group.map((member, i) => `EXECUTE ${names[i]}(${member.values.map(literalOf).join(", ")})`),
        "COMMIT",
      ].join(";\n");
      const results = (await client.query({ text, types })) as unknown as pg.QueryResult[];
      group.forEach((member, i) => {
        member.resolve((results[i + 1] as pg.QueryResult).rows);
      });
      return undefined;
    } catch (error) {
      if (sqlState(error) === undefined) {
        // The connection failed: whether the COMMIT happened is unknown, so nothing runs again.
        for (const member of group) member.reject(error);
        return error instanceof Error ? error : new Error(String(error));
      }
      // Postgres refused the group and rolled it back (the string's transaction is left aborted until now).
      this.stats.fallbacks++;
      try {
        await client.query("ROLLBACK");
      } catch (rollbackError) {
        for (const member of group) member.reject(rollbackError);
        return rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      for (const member of group) await runAlone(client, member);
      return undefined;
    }
  }
}

/** One member as a plain statement: its own transaction, its own result or error. */
async function runAlone(client: pg.PoolClient, member: Member): Promise<void> {
  try {
    member.resolve((await client.query(statement(member.text, member.values))).rows);
  } catch (error) {
    member.reject(error);
  }
}

/** Prepares (SQL PREPARE, parameter types inferred as for a protocol-level statement) what the connection lacks. */
async function prepare(client: pg.PoolClient, group: readonly Member[]): Promise<string[]> {
  let prepared = preparedOn.get(client);
  if (prepared === undefined) {
    prepared = new Set();
    preparedOn.set(client, prepared);
  }
  const names: string[] = [];
  for (const member of group) {
    const name = groupStatementName(member.text);
    if (!prepared.has(name)) {
      // Its own round trip, outside any transaction: a prepared statement outlives a rolled-back group.
      await client.query(`PREPARE ${name} AS ${member.text}`);
      prepared.add(name);
    }
    names.push(name);
  }
  return names;
}

/**
 * A parameter written as a literal of the EXECUTE: untyped, so Postgres reads it as the prepared parameter's type,
 * exactly as it reads a bound parameter's text. Dates as ISO 8601 in UTC, buffers as bytea hex.
 */
export function literalOf(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string") return quoteLiteral(value);
  // Digits, a sign, a point, an exponent, true or false: nothing to escape.
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean")
    return `'${value}'`;
  if (value instanceof Date) return `'${value.toISOString()}'`;
  if (Buffer.isBuffer(value)) return quoteLiteral(`\\x${value.toString("hex")}`);
  throw new TypeError(
    `a grouped statement's parameter must be a scalar, a Date or a Buffer, not ${typeof value}`,
  );
}

/**
 * pg.escapeLiteral's result (quotes doubled; with a backslash, backslashes doubled in an E'' string), made with
 * two native scans: pg's builds the literal one character at a time, and a payment's JSON parameters are long
 * (issue 23: it was 1.6 % of the API's busy time under load).
 */
export function quoteLiteral(text: string): string {
  const quoted = `'${text.includes("'") ? text.replaceAll("'", "''") : text}'`;
  return text.includes("\\") ? ` E${quoted.replaceAll("\\", "\\\\")}` : quoted;
}
