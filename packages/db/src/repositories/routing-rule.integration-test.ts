// Goal: the PSP router's one-statement read of a merchant's routing (MerchantRoutingReader, issue 23) answers
// exactly what the Prisma reads it replaced answer: the merchant's rules and the global ones in priority order
// (another merchant's left out), their matches with amounts as bigints, and the authorization-rate preference.
import { newId } from "@paycore/core/ids/ids";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDatabaseClient, type DatabaseClient } from "../client";
import { createPool, Sql } from "../sql";
import { createTestDatabase, prepareTemplateDatabase } from "../testing/test-database";
import { MerchantRoutingReader, RoutingRuleRepository } from "./routing-rule.repository";

let prepared: Awaited<ReturnType<typeof prepareTemplateDatabase>> | undefined;
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let pool: ReturnType<typeof createPool> | undefined;
let sql: Sql;
let prisma: DatabaseClient;

beforeAll(async () => {
  prepared = await prepareTemplateDatabase();
  database = await createTestDatabase(prepared.adminUrl, prepared.templateName);
  pool = createPool({ url: database.url, max: 2 });
  sql = new Sql(pool);
  prisma = createDatabaseClient({ pool });
});

afterAll(async () => {
  await prisma?.$disconnect();
  await pool?.end();
  await database?.drop();
  await prepared?.stop();
});

async function merchant(routeByAuthorizationRate: boolean): Promise<string> {
  const id = newId("merchant");
  await sql.query(
    "INSERT INTO merchants (id, name, route_by_authorization_rate) VALUES ($1, 'Routing reads', $2)",
    [id, routeByAuthorizationRate],
  );
  return id;
}

async function rule(merchantId: string | null, priority: number, match: object, pspNames: string[]) {
  await sql.query(
    "INSERT INTO routing_rules (id, merchant_id, priority, match, psp_names) VALUES ($1, $2, $3, $4::jsonb, $5::text[])",
    [`rr_${newId("merchant").slice(4)}`, merchantId, priority, JSON.stringify(match), pspNames],
  );
}

it("reads a merchant's rules, the global ones and its preference as the Prisma reads do", async () => {
  const own = await merchant(true);
  const plain = await merchant(false);
  const other = await merchant(false);
  await rule(own, 20, { currencies: ["EUR"], amountMinMinor: "100", amountMaxMinor: "9223372036854775807" }, [
    "adyen",
  ]);
  await rule(own, 10, { brands: ["visa"], fundingTypes: ["debit"], countries: ["FR"] }, ["stripe", "adyen"]);
  await rule(null, 5, {}, ["sandbox"]);
  await rule(null, 30, { currencies: ["USD"] }, ["stripe"]);
  await rule(other, 1, { currencies: ["GBP"] }, ["adyen"]);

  const reader = new MerchantRoutingReader(sql);
  const repository = new RoutingRuleRepository(prisma);
  for (const merchantId of [own, plain]) {
    const read = await reader.routingFor(merchantId);
    expect(read).toEqual({
      rules: await repository.rulesFor(merchantId),
      preferRate: await repository.routeByAuthorizationRate(merchantId),
    });
  }
  const ownRouting = await reader.routingFor(own);
  expect(ownRouting.preferRate).toBe(true);
  expect(ownRouting.rules.map((r) => r.priority)).toEqual([5, 10, 20, 30]);
  expect(ownRouting.rules[2]?.match.amountMaxMinor).toBe(9_223_372_036_854_775_807n);
  expect((await reader.routingFor(plain)).rules.map((r) => r.priority)).toEqual([5, 30]);
  // A merchant that does not exist: the global rules, no preference.
  expect(await reader.routingFor(newId("merchant"))).toMatchObject({ preferRate: false });
});
