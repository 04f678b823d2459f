// The Prisma client on the pg driver adapter (Prisma's JS engine: no native
// binary). Apps get a client from here and pass it to the repositories.
import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { PrismaClient } from "./generated/prisma/client";

export type DatabaseClient = InstanceType<typeof PrismaClient>;
export type { Prisma } from "./generated/prisma/client";

export type DatabaseOptions =
  | {
      url: string;
      /** Connections in the pool; Postgres serves a few per core best. */
      poolMax?: number;
    }
  | {
      /** A pool shared with the hot path's node-postgres statements (`Sql`); its owner ends it. */
      pool: pg.Pool;
    };

export function createDatabaseClient(options: DatabaseOptions): DatabaseClient {
  const adapter =
    "pool" in options
      ? new PrismaPg(options.pool)
      : new PrismaPg({ connectionString: options.url, max: options.poolMax ?? 10 });
  return new PrismaClient({ adapter });
}
