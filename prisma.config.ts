// Prisma CLI configuration: the JS engine through the pg driver adapter, so no
// native engine is ever downloaded (see ../shared/notes/offline-stack.md).
import "./scripts/pg-name-type-patch.cjs";
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL }),
});
