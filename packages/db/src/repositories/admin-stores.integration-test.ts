// Goal: every operator command over merchants, API keys, risk lists, routing rules and operator keys commits its
// change and its operator_audit_log row together (one transaction, the actor named), and a change that fails in
// the database (here a unique violation) leaves no audit row and nothing half-written.
import { RiskListCommands } from "@paycore/core/fraud/risk-list-commands";
import { newId } from "@paycore/core/ids/ids";
import { MerchantCommands } from "@paycore/core/merchants/merchant-commands";
import { OperatorKeyCommands } from "@paycore/core/operator-keys/operator-key-commands";
import type { Actor, AuditDraft } from "@paycore/core/ports/audit";
import { RoutingRuleCommands } from "@paycore/core/psp/routing-rule-commands";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabaseClient, type DatabaseClient } from "../client";
import { createTestDatabase, prepareTemplateDatabase } from "../testing/test-database";
import { MerchantStoreRepository } from "./merchant-store.repository";
import { OperatorKeyStoreRepository } from "./operator-key-store.repository";
import { RiskListStoreRepository } from "./risk-list-store.repository";
import { RoutingRuleStoreRepository } from "./routing-rule-store.repository";

const ACTOR: Actor = { operatorId: null, name: "cli:tester" };
const AUDIT: AuditDraft = { actor: ACTOR, action: "test.failing", targetId: "x", before: null, after: null };

let prepared: Awaited<ReturnType<typeof prepareTemplateDatabase>> | undefined;
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let db: DatabaseClient;
let stores: {
  merchants: MerchantStoreRepository;
  riskLists: RiskListStoreRepository;
  routing: RoutingRuleStoreRepository;
  operatorKeys: OperatorKeyStoreRepository;
};
let commands: {
  merchants: MerchantCommands;
  riskLists: RiskListCommands;
  routing: RoutingRuleCommands;
  operatorKeys: OperatorKeyCommands;
};

beforeAll(async () => {
  prepared = await prepareTemplateDatabase();
  database = await createTestDatabase(prepared.adminUrl, prepared.templateName);
  db = createDatabaseClient({ url: database.url, poolMax: 2 });
  const now = () => new Date();
  stores = {
    merchants: new MerchantStoreRepository(db),
    riskLists: new RiskListStoreRepository(db),
    routing: new RoutingRuleStoreRepository(db),
    operatorKeys: new OperatorKeyStoreRepository(db),
  };
  commands = {
    merchants: new MerchantCommands({ store: stores.merchants, now }),
    riskLists: new RiskListCommands({ store: stores.riskLists, now }),
    routing: new RoutingRuleCommands({ store: stores.routing }),
    operatorKeys: new OperatorKeyCommands({ store: stores.operatorKeys, now }),
  };
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
  await prepared?.stop();
});

async function auditRows(action: string) {
  return db.operatorAuditLog.findMany({
    where: { action },
    orderBy: { id: "asc" },
    select: { targetType: true, targetId: true, operatorId: true, before: true, after: true },
  });
}

async function newMerchant(name = "Audited Co") {
  return commands.merchants.create(ACTOR, { name, modes: ["TEST"] });
}

describe("a command's change and its audit row commit together", () => {
  it.each([
    ["merchant.create", "merchant", async () => (await newMerchant()).merchant.id],
    [
      "merchant.update_settings",
      "merchant",
      async () => {
        const { merchant } = await newMerchant();
        const updated = await commands.merchants.updateSettings(ACTOR, merchant.id, {
          feeRateBps: 100,
          allowedOrigins: ["https://Shop.example:443"],
        });
        expect(updated?.merchant.feeRateBps).toBe(100);
        expect(updated?.accessPolicy.allowedOrigins).toEqual(["https://shop.example"]);
        return merchant.id;
      },
    ],
    [
      "api_key.create",
      "merchant",
      async () => {
        const { merchant } = await newMerchant();
        expect(await commands.merchants.createKey(ACTOR, merchant.id, "SECRET", "LIVE")).not.toBeNull();
        return merchant.id;
      },
    ],
    [
      "api_key.roll",
      "merchant",
      async () => {
        const { merchant, keys } = await newMerchant();
        expect(await commands.merchants.rollKey(ACTOR, merchant.id, keys[0]?.id as string)).not.toBeNull();
        return merchant.id;
      },
    ],
    [
      "api_key.revoke",
      "merchant",
      async () => {
        const { merchant, keys } = await newMerchant();
        expect(await commands.merchants.revokeKey(ACTOR, merchant.id, keys[0]?.id as string)).not.toBeNull();
        return merchant.id;
      },
    ],
    [
      "risk_list.add",
      "risk_list_entry",
      async () =>
        (
          await commands.riskLists.add(ACTOR, {
            list: "DENY",
            kind: "EMAIL",
            value: " Fraud@Example.COM ",
            merchantId: null,
            note: null,
          })
        ).id,
    ],
    [
      "risk_list.remove",
      "risk_list_entry",
      async () => {
        const entry = await commands.riskLists.add(ACTOR, {
          list: "ALLOW",
          kind: "BIN",
          value: "424242",
          merchantId: null,
          note: "test",
        });
        expect(await commands.riskLists.remove(ACTOR, entry.id)).toBe(true);
        expect(await stores.riskLists.findEntry(entry.id)).toBeNull();
        return entry.id;
      },
    ],
    [
      "routing_rule.add",
      "routing_rule",
      async () =>
        (
          await commands.routing.add(ACTOR, {
            merchantId: null,
            priority: 5,
            pspNames: ["Stripe", "adyen"],
            match: { currencies: ["usd"], amountMaxMinor: 10_000n },
          })
        ).id,
    ],
    [
      "routing_rule.remove",
      "routing_rule",
      async () => {
        const rule = await commands.routing.add(ACTOR, {
          merchantId: null,
          priority: 6,
          pspNames: ["stripe"],
          match: {},
        });
        expect(await commands.routing.remove(ACTOR, rule.id)).toBe(true);
        expect(await stores.routing.findRule(rule.id)).toBeNull();
        return rule.id;
      },
    ],
    [
      "routing.set_preference",
      "merchant",
      async () => {
        const { merchant } = await newMerchant();
        expect(await commands.routing.setPreference(ACTOR, merchant.id, true)).toBe(true);
        expect(await stores.routing.routeByAuthorizationRate(merchant.id)).toBe(true);
        return merchant.id;
      },
    ],
    [
      "operator_key.create",
      "operator_key",
      async () => (await commands.operatorKeys.create(ACTOR, "alice")).id,
    ],
    [
      "operator_key.revoke",
      "operator_key",
      async () => {
        const key = await commands.operatorKeys.create(ACTOR, "bob");
        expect(await commands.operatorKeys.revoke(ACTOR, key.id)).toBe(true);
        expect(await stores.operatorKeys.findActiveName(key.id)).toBeNull();
        return key.id;
      },
    ],
  ])("%s writes one audit row naming the actor", async (action, targetType, run) => {
    const before = (await auditRows(action)).length;
    const targetId = await run();
    const rows = await auditRows(action);
    expect(rows).toHaveLength(before + 1);
    expect(rows.at(-1)).toMatchObject({
      targetType,
      targetId,
      operatorId: null,
      after: expect.objectContaining({ actor: "cli:tester" }),
    });
  });

  it("keeps keys out of the audit row: only their hints", async () => {
    const { merchant, keys } = await newMerchant("Secretive Co");
    const rolled = await commands.merchants.rollKey(ACTOR, merchant.id, keys[0]?.id as string);
    const written = JSON.stringify(
      await db.operatorAuditLog.findMany({
        where: { targetId: merchant.id },
        select: { before: true, after: true },
      }),
    );
    for (const key of [...keys, rolled?.created].map((k) => k?.key as string)) {
      expect(written).not.toContain(key);
      expect(written).not.toContain(key.slice(8));
    }
  });
});

describe("a change that fails in the database writes no audit row", () => {
  async function expectNothingWritten(run: () => Promise<unknown>, table: () => Promise<number>) {
    const [auditBefore, rowsBefore] = [await db.operatorAuditLog.count(), await table()];
    await expect(run()).rejects.toMatchObject({ code: "P2002" });
    expect(await db.operatorAuditLog.count()).toBe(auditBefore);
    expect(await table()).toBe(rowsBefore);
  }

  it("a merchant under an id that exists", async () => {
    const { merchant } = await newMerchant();
    await expectNothingWritten(
      () =>
        stores.merchants.create(
          {
            id: merchant.id,
            name: "Twin",
            feeRateBps: 0,
            feeFixedMinor: 0n,
            riskReviewThreshold: 1,
            riskDeclineThreshold: 2,
            rateLimitKeyPerSecond: null,
            rateLimitTokenizePerMinute: null,
            concurrentQueriesMax: null,
            allowedOrigins: [],
          },
          [],
          AUDIT,
        ),
      () => db.merchant.count(),
    );
  });

  it("a key under an id that exists, and a roll whose new key collides (the old key stays active)", async () => {
    const { merchant, keys } = await newMerchant();
    const old = keys[0];
    if (!old) throw new Error("no key");
    const collision = {
      id: old.id,
      merchantId: merchant.id,
      kind: old.kind,
      mode: old.mode,
      secretHash: "f".repeat(64),
      displayHint: "sk_test_…ffff",
      createdAt: new Date(),
      allowedOrigins: [],
    };
    await expectNothingWritten(
      () => stores.merchants.addKey(collision, AUDIT),
      () => db.apiKey.count(),
    );
    await expectNothingWritten(
      () => stores.merchants.rollKey(old.id, collision, AUDIT),
      () => db.apiKey.count({ where: { revokedAt: null } }),
    );
    expect((await stores.merchants.findKey(merchant.id, old.id))?.revokedAt).toBeNull();
  });

  it("a risk-list entry, a routing rule and an operator key under ids that exist", async () => {
    const entry = await commands.riskLists.add(ACTOR, {
      list: "DENY",
      kind: "IP",
      value: "203.0.113.9",
      merchantId: null,
      note: null,
    });
    await expectNothingWritten(
      () => stores.riskLists.add({ ...entry, value: "203.0.113.10" }, AUDIT),
      () => db.riskListEntry.count(),
    );
    const rule = await commands.routing.add(ACTOR, {
      merchantId: null,
      priority: 1,
      pspNames: ["adyen"],
      match: {},
    });
    await expectNothingWritten(
      () => stores.routing.add(rule, AUDIT),
      () => db.routingRule.count(),
    );
    const key = await commands.operatorKeys.create(ACTOR, "carol");
    await expectNothingWritten(
      () =>
        stores.operatorKeys.create(
          { id: key.id, name: "twin", secretHash: "e".repeat(64), displayHint: "op_…eeee" },
          AUDIT,
        ),
      () => db.operatorApiKey.count(),
    );
  });

  it("a settings update the database's CHECK refuses (as a concurrent update could make it)", async () => {
    const { merchant } = await newMerchant();
    const audit = await db.operatorAuditLog.count();
    await expect(stores.merchants.update(merchant.id, { riskReviewThreshold: 90 }, AUDIT)).rejects.toThrow();
    expect(await db.operatorAuditLog.count()).toBe(audit);
    expect((await stores.merchants.findById(merchant.id))?.riskReviewThreshold).toBe(40);
  });

  it("refused input reaches no store: nothing is written", async () => {
    const audit = await db.operatorAuditLog.count();
    await expect(
      commands.merchants.create(ACTOR, {
        name: "Backwards",
        modes: [],
        settings: { riskReviewThreshold: 80, riskDeclineThreshold: 80 },
      }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT", field: ["riskReviewThreshold"] });
    await expect(
      commands.routing.add(ACTOR, { merchantId: null, priority: 1, pspNames: [], match: {} }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT" });
    expect(await commands.riskLists.remove(ACTOR, newId("riskListEntry"))).toBe(false);
    expect(await db.operatorAuditLog.count()).toBe(audit);
  });
});
