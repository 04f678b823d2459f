// The Prisma client on the pg driver adapter (Prisma's JS engine: no native
// binary). Apps get a client from here and pass it to the repositories.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";

export type DatabaseClient = InstanceType<typeof PrismaClient>;
export type { Prisma } from "./generated/prisma/client";

export interface DatabaseOptions {
  url: string;
  /** Connections in the pool; Postgres serves a few per core best. */
  poolMax?: number;
}

export function createDatabaseClient(options: DatabaseOptions): DatabaseClient {
  const adapter = new PrismaPg({ connectionString: options.url, max: options.poolMax ?? 10 });
  return new PrismaClient({ adapter });
}
