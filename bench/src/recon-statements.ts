// Preload for `bench:recon --profile`: times every statement node-postgres sends (by its text's first words),
// so the import's time can be split into Postgres round trips and the rest (Node).
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { performance } from "node:perf_hooks";
import pg from "pg";

export const statementTimes = new Map<string, { calls: number; ms: number }>();
let enabled = false;

export function profileStatements(on: boolean): void {
  enabled = on;
  if (on) statementTimes.clear();
}

const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (
  this: pg.Client,
  ...args: unknown[]
) {
  const result = original.apply(this, args);
  if (!enabled || !(result instanceof Promise)) return result;
  const first = args[0] as string | { text: string };
  const text = (typeof first === "string" ? first : first.text).replace(/\s+/g, " ").trim().slice(0, 70);
  const started = performance.now();
  return result.finally(() => {
    const entry = statementTimes.get(text) ?? { calls: 0, ms: 0 };
    entry.calls++;
    entry.ms += performance.now() - started;
    statementTimes.set(text, entry);
  });
};

/** V8's sampling profile of the import alone (the fixtures and start-up left out), written to `path`. */
export async function profileCpu<T>(path: string, work: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  try {
    return await work();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    await writeFile(path, JSON.stringify(profile));
    session.disconnect();
  }
}
