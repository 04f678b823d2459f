// Writes the printed GraphQL schema to apps/api/schema.graphql, the committed snapshot that
// src/schema/schema.test.ts compares against: `npm run schema:print -w @paycore/api`.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { lexicographicSortSchema, printSchema } from "graphql";
import { schema } from "../src/schema/index";

const target = fileURLToPath(new URL("../schema.graphql", import.meta.url));
writeFileSync(target, `${printSchema(lexicographicSortSchema(schema))}\n`);
console.log(`wrote ${target}`);
