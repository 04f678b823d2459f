// Prisma CLI configuration: the JS engine through the pg driver adapter, so no
// native engine is ever downloaded (see ../shared/notes/offline-stack.md).
import "./scripts/pg-name-type-patch.cjs";
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";

type ScriptRunner = { client: { query(sql: string): Promise<unknown> }; onError(error: unknown): never };

/**
 * @prisma/adapter-pg 6.19 runs a migration by splitting it on every ";", which
 * cuts PL/pgSQL bodies (and comments) apart. Postgres runs a multi-statement
 * string sent over the simple query protocol as one implicit transaction, so the
 * whole script is sent at once: all of a migration applies, or none of it.
 */
function sendScriptsWhole(factory: PrismaPg): PrismaPg {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    const runner = adapter as unknown as ScriptRunner;
    adapter.executeScript = async (script: string) => {
      try {
        await runner.client.query(script);
      } catch (error) {
        runner.onError(error);
      }
    };
    return adapter;
  };
  return factory;
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  adapter: async () => sendScriptsWhole(new PrismaPg({ connectionString: process.env.DATABASE_URL })),
});
