// The node-postgres layer of the hot path: bigints stay exact, literals written into a statement's text read
// back byte for byte, and a transaction whose last statement (sent with COMMIT) fails keeps nothing; COPY's rows
// read back byte for byte, and a COPY that fails fails its transaction; a script's statements and COPYs run in
// order in one round trip, and one that fails stops the rest.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ChangeShape,
  PATCH_FIELDS,
  paymentChangeStatement,
  SHAPE_PARTS,
} from "./repositories/payment-sql";
import { copyText, createPool, literal, Sql } from "./sql";
import { createTestDatabase, prepareTemplateDatabase } from "./testing/test-database";

let prepared: Awaited<ReturnType<typeof prepareTemplateDatabase>> | undefined;
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let pool: pg.Pool;
let sql: Sql;

beforeAll(async () => {
  prepared = await prepareTemplateDatabase();
  database = await createTestDatabase(prepared.adminUrl, prepared.templateName);
  pool = createPool({ url: database.url, max: 3 });
  sql = new Sql(pool);
  await sql.execute("CREATE TABLE scratch (id text PRIMARY KEY, amount bigint NOT NULL, note text)");
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
  await prepared?.stop();
});

async function ids(): Promise<string[]> {
  return (await sql.query<{ id: string }>("SELECT id FROM scratch ORDER BY id")).map((row) => row.id);
}

describe("Sql", () => {
  it("passes and returns bigints exactly, beyond 2^53", async () => {
    const huge = 9_223_372_036_854_775_807n;
    await sql.execute("INSERT INTO scratch (id, amount) VALUES ($1, $2::bigint)", ["big", huge]);
    const [row] = await sql.query<{ amount: bigint }>("SELECT amount FROM scratch WHERE id = $1", ["big"]);
    expect(row?.amount).toBe(huge);
  });

  it("writes literals that read back exactly, quotes and backslashes included", async () => {
    const tricky = `it's a \\ "test" '); DROP TABLE scratch; -- é ✓ \\'`;
    const [row] = await sql.query<{ value: string }>(`SELECT ${literal(tricky)}::text AS value`);
    expect(row?.value).toBe(tricky);
    const [nullRow] = await sql.query<{ value: string | null }>(`SELECT ${literal(null)}::text AS value`);
    expect(nullRow?.value).toBeNull();
  });

  it("commits with the last statement in one round trip", async () => {
    await sql.transaction(async (tx) => {
      await tx.execute("INSERT INTO scratch (id, amount) VALUES ($1, 1)", ["a1"]);
      await tx.executeAndCommit(
        `WITH changed AS (UPDATE scratch SET note = ${literal("done")} WHERE id = 'a1' RETURNING 1)
         SELECT expect_rows((SELECT count(*) FROM changed), 1, 'note')`,
      );
    });
    const [row] = await sql.query<{ note: string }>("SELECT note FROM scratch WHERE id = 'a1'");
    expect(row?.note).toBe("done");
  });

  it("keeps nothing when the last statement's check fails: the COMMIT after it never runs", async () => {
    const attempt = sql.transaction(async (tx) => {
      await tx.execute("INSERT INTO scratch (id, amount) VALUES ($1, 1)", ["b1"]);
      await tx.executeAndCommit(
        `WITH changed AS (UPDATE scratch SET note = 'x' WHERE id = 'missing' RETURNING 1)
         SELECT expect_rows((SELECT count(*) FROM changed), 1, 'note of missing')`,
      );
    });
    await expect(attempt).rejects.toMatchObject({ code: "P0002" });
    expect(await ids()).not.toContain("b1");
    // The connection went back to the pool clean: the next transaction works.
    await sql.transaction((tx) => tx.execute("INSERT INTO scratch (id, amount) VALUES ('b2', 2)"));
    expect(await ids()).toContain("b2");
  });

  it("rolls back when the work throws", async () => {
    await expect(
      sql.transaction(async (tx) => {
        await tx.execute("INSERT INTO scratch (id, amount) VALUES ('c1', 1)");
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await ids()).not.toContain("c1");
  });
});

describe("script", () => {
  it("runs its statements and COPYs in order and answers each one's row count", async () => {
    const counts = await sql.transaction((tx) =>
      tx.script([
        { text: `INSERT INTO scratch (id, amount) VALUES (${literal("script_a")}, 1)` },
        {
          text: "COPY scratch (id, amount, note) FROM STDIN",
          copyRows: "script_b\t2\t\\N\nscript_c\t3\ttab\\there\n",
        },
        { text: "UPDATE scratch SET amount = amount * 10 WHERE id LIKE 'script_%'" },
        { text: "COPY scratch (id, amount, note) FROM STDIN", copyRows: "script_d\t4\t\\N\n" },
      ]),
    );
    expect(counts).toEqual([1, 2, 3, 1]);
    const rows = await sql.query<{ id: string; amount: bigint; note: string | null }>(
      "SELECT id, amount, note FROM scratch WHERE id LIKE 'script_%' ORDER BY id",
    );
    expect(rows).toEqual([
      { id: "script_a", amount: 10n, note: null },
      { id: "script_b", amount: 20n, note: null },
      { id: "script_c", amount: 30n, note: "tab\there" },
      { id: "script_d", amount: 4n, note: null },
    ]);
  });

  it("stops at a failed statement, the COPY rows behind it ignored, and the connection serves the next one", async () => {
    await expect(
      sql.transaction((tx) =>
        tx.script([
          { text: "COPY scratch (id, amount, note) FROM STDIN", copyRows: "script_kept_not\t1\t\\N\n" },
          { text: "INSERT INTO scratch (id, amount) VALUES ('script_bad', 'not a number')" },
          { text: "COPY scratch (id, amount, note) FROM STDIN", copyRows: "script_after\t1\t\\N\n" },
        ]),
      ),
    ).rejects.toThrow(/bigint/);
    expect(await ids()).not.toContain("script_kept_not");
    expect(await ids()).not.toContain("script_after");
    const [row] = await sql.query<{ one: number }>("SELECT 1 AS one");
    expect(row?.one).toBe(1);
  });

  it("gives rows to COPY … FROM STDIN statements and to no others", async () => {
    await expect(
      sql.transaction((tx) => tx.script([{ text: "DELETE FROM scratch", copyRows: "" }])),
    ).rejects.toThrow(/COPY/);
    await expect(
      sql.transaction((tx) => tx.script([{ text: "COPY scratch (id, amount, note) FROM STDIN" }])),
    ).rejects.toThrow(/COPY/);
  });
});

/** Shapes prepared per round trip: one simple query per batch (round trips, not parsing, were most of the time). */
const SHAPES_PER_BATCH = 128;

describe("copyIn", () => {
  it("copies rows whose values read back exactly: nulls, tabs, line ends and backslashes included", async () => {
    const notes = ["plain", "tab\there", "line\nend\r\n", "back\\slash \\N", "é ✓", "", null];
    const copied = await sql.transaction((tx) =>
      tx.copyIn(
        "COPY scratch (id, amount, note) FROM STDIN",
        notes.map((note, index) => `copy${index}\t${index}\t${copyText(note)}\n`).join(""),
      ),
    );
    expect(copied).toBe(notes.length);
    const rows = await sql.query<{ id: string; note: string | null }>(
      "SELECT id, note FROM scratch WHERE id LIKE 'copy%' ORDER BY id",
    );
    expect(rows.map((row) => row.note)).toEqual(notes);
  });

  it("fails its transaction when a row is refused, and the connection serves the next statement", async () => {
    await expect(
      sql.transaction(async (tx) => {
        await tx.execute("INSERT INTO scratch (id, amount) VALUES ('copy_kept_not', 1)");
        await tx.copyIn("COPY scratch (id, amount, note) FROM STDIN", "copy_bad\tnot a number\t\\N\n");
      }),
    ).rejects.toThrow(/bigint/);
    expect(await ids()).not.toContain("copy_kept_not");
    expect(await ids()).not.toContain("copy_bad");
  });

  it("takes only a COPY … FROM STDIN statement", async () => {
    await expect(sql.transaction((tx) => tx.copyIn("DELETE FROM scratch", ""))).rejects.toThrow(/COPY/);
  });
});

describe("payment change statements", () => {
  it("every shape of change is a statement Postgres prepares, with a type for each parameter it takes", async () => {
    const parts = SHAPE_PARTS;
    const statementOf = (bits: number) => {
      const shape = Object.fromEntries(parts.map((part, i) => [part, (bits & (1 << i)) !== 0])) as Omit<
        ChangeShape,
        "patch"
      >;
      // The patch's fields vary with the bits too: none, all, and subsets in between.
      const patch = PATCH_FIELDS.filter(
        (_, i) => ((bits >> (i % parts.length)) & 1) === 1 || bits === (1 << parts.length) - 1,
      );
      return paymentChangeStatement({ ...shape, patch });
    };
    const shapesTotal = 1 << parts.length;
    const client = await pool.connect();
    try {
      for (let first = 0; first < shapesTotal; first += SHAPES_PER_BATCH) {
        const batch = Array.from({ length: Math.min(SHAPES_PER_BATCH, shapesTotal - first) }, (_, i) => ({
          bits: first + i,
          statement: statementOf(first + i),
        }));
        for (const { bits, statement } of batch)
          expect(new Set(statement.parameters).size, `shape ${bits}`).toBe(statement.parameters.length);
        const prepares = batch.map(({ bits, statement }) => `PREPARE shape_${bits} AS ${statement.text};`);
        let results: pg.QueryResult<{ name: string; n: number }>[];
        try {
          // One simple query: prepare the batch, read each statement's parameter types, deallocate them all.
          results = (await client.query(
            [
              ...prepares,
              "SELECT name, cardinality(parameter_types) AS n FROM pg_prepared_statements;",
              "DEALLOCATE ALL;",
            ].join("\n"),
          )) as unknown as pg.QueryResult<{ name: string; n: number }>[];
        } catch (error) {
          // Name the shape Postgres refused: prepare the batch's statements one at a time (those the batch did
          // prepare stay prepared: prepared statements outlive the aborted transaction).
          await client.query("DEALLOCATE ALL");
          for (const [index, { bits }] of batch.entries())
            await client.query(prepares[index] as string).catch((cause: Error) => {
              throw new Error(`shape ${bits} does not prepare: ${cause.message}`);
            });
          throw error;
        }
        const parameterCounts = new Map(results.at(-2)?.rows.map((row) => [row.name, row.n]));
        for (const { bits, statement } of batch)
          expect(parameterCounts.get(`shape_${bits}`), `shape ${bits}`).toBe(statement.parameters.length);
      }
    } finally {
      client.release();
    }
  });
});
