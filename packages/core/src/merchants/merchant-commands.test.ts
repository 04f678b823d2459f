// Goal: MerchantCommands checks a partial settings change as the merchant will be after it, hands the store one
// audit draft per change (never a key), and answers null for a merchant or key that is not there. The store is an
// in-memory fake; that the change and its audit row commit together is shown against Postgres in packages/db.
import { describe, expect, it } from "vitest";
import type { MerchantId } from "../ids/ids";
import type { AuditDraft } from "../ports/audit";
import type { MerchantStore } from "../ports/merchant-store";
import type { ApiKeyRecord, MerchantAccessPolicy, MerchantRecord } from "./merchant";
import { MerchantCommands } from "./merchant-commands";

function fakeStore() {
  const merchants = new Map<string, MerchantRecord & MerchantAccessPolicy>();
  const keys = new Map<string, ApiKeyRecord>();
  const audits: AuditDraft[] = [];
  const store: MerchantStore = {
    async findById(id) {
      const found = merchants.get(id);
      if (!found) return null;
      const {
        id: merchantId,
        name,
        feeRateBps,
        feeFixedMinor,
        riskReviewThreshold,
        riskDeclineThreshold,
        createdAt,
      } = found;
      return {
        id: merchantId,
        name,
        feeRateBps,
        feeFixedMinor,
        riskReviewThreshold,
        riskDeclineThreshold,
        createdAt,
      };
    },
    async findAccessPolicy(id) {
      const found = merchants.get(id);
      return found ? { ...found } : null;
    },
    async findKey(merchantId, keyId) {
      const key = keys.get(keyId);
      return key?.merchantId === merchantId ? key : null;
    },
    async create(merchant, newKeys, audit) {
      merchants.set(merchant.id, { ...merchant, createdAt: new Date(0) });
      for (const key of newKeys) keys.set(key.id, { ...key, revokedAt: null });
      audits.push(audit);
      return (await store.findById(merchant.id)) as MerchantRecord;
    },
    async update(id, changes, audit) {
      const found = merchants.get(id);
      if (!found) return false;
      merchants.set(id, { ...found, ...changes });
      audits.push(audit);
      return true;
    },
    async addKey(key, audit) {
      keys.set(key.id, { ...key, revokedAt: null });
      audits.push(audit);
      return keys.get(key.id) ?? null;
    },
    async revokeKey(_merchantId, keyId, at, audit) {
      const key = keys.get(keyId);
      if (!key || key.revokedAt) return null;
      keys.set(keyId, { ...key, revokedAt: at });
      audits.push(audit);
      return keys.get(keyId) ?? null;
    },
    async rollKey(keyId, next, audit) {
      const old = keys.get(keyId);
      if (!old || old.revokedAt) return null;
      keys.set(keyId, { ...old, revokedAt: next.createdAt });
      keys.set(next.id, { ...next, revokedAt: null });
      audits.push(audit);
      return { revoked: keys.get(keyId) as ApiKeyRecord, created: keys.get(next.id) as ApiKeyRecord };
    },
    async updateKeyOrigins(merchantId, keyId, origins, audit) {
      const key = keys.get(keyId);
      if (!key || key.merchantId !== merchantId || key.kind !== "PUBLISHABLE" || key.revokedAt) return null;
      keys.set(keyId, { ...key, allowedOrigins: origins });
      audits.push(audit);
      return keys.get(keyId) ?? null;
    },
  };
  return { store, audits };
}

const ACTOR = { operatorId: "op_1", name: "admin@example.com" };

async function setUp() {
  const { store, audits } = fakeStore();
  const commands = new MerchantCommands({ store, now: () => new Date("2026-12-06T12:00:00Z") });
  const { merchant, keys } = await commands.create(ACTOR, { name: "Acme", modes: ["TEST"] });
  return { commands, audits, merchant, keys };
}

describe("MerchantCommands", () => {
  it.each([
    ["a decline threshold below the current review threshold", { riskDeclineThreshold: 30 }, false],
    ["a review threshold at the current decline threshold", { riskReviewThreshold: 75 }, false],
    ["a review threshold below the current decline threshold", { riskReviewThreshold: 74 }, true],
    ["a rate limit alone", { rateLimitKeyPerSecond: 10 }, true],
    ["nothing", {}, false],
  ])("checks %s against the merchant as it will be", async (_label, changes, accepted) => {
    const { commands, audits, merchant } = await setUp();
    const run = commands.updateSettings(ACTOR, merchant.id, changes);
    if (accepted) await expect(run).resolves.not.toBeNull();
    else await expect(run).rejects.toMatchObject({ code: "INVALID_INPUT" });
    expect(audits).toHaveLength(accepted ? 2 : 1);
  });

  it("creates a secret and a publishable key per mode, audited without the keys", async () => {
    const { audits, keys } = await setUp();
    expect(keys.map((key) => [key.kind, key.mode])).toEqual([
      ["SECRET", "TEST"],
      ["PUBLISHABLE", "TEST"],
    ]);
    expect(audits[0]).toMatchObject({ actor: ACTOR, action: "merchant.create", before: null });
    for (const key of keys) expect(JSON.stringify(audits)).not.toContain(key.key);
  });

  it("answers null, and audits nothing, for a merchant or key that is not there", async () => {
    const { commands, audits, merchant, keys } = await setUp();
    const missing = "mer_missing" as MerchantId;
    expect(await commands.updateSettings(ACTOR, missing, { feeRateBps: 1 })).toBeNull();
    expect(await commands.createKey(ACTOR, missing, "SECRET", "TEST")).toBeNull();
    expect(await commands.revokeKey(ACTOR, missing, keys[0]?.id as string)).toBeNull();
    expect(await commands.rollKey(ACTOR, merchant.id, "key_missing")).toBeNull();
    expect(audits).toHaveLength(1);
  });

  it("rolls an active key once: the revoked one cannot be rolled or revoked again", async () => {
    const { commands, audits, merchant, keys } = await setUp();
    const keyId = keys[0]?.id as string;
    const rolled = await commands.rollKey(ACTOR, merchant.id, keyId);
    expect(rolled?.created).toMatchObject({ kind: "SECRET", mode: "TEST", revokedAt: null });
    expect(rolled?.revoked.revokedAt).not.toBeNull();
    expect(audits.at(-1)).toMatchObject({ action: "api_key.roll", after: { revokedKeyId: keyId } });
    expect(await commands.rollKey(ACTOR, merchant.id, keyId)).toBeNull();
    expect(await commands.revokeKey(ACTOR, merchant.id, keyId)).toBeNull();
  });

  it.each([
    ["a wildcard", ["https://*.shop.example"]],
    ["plain http off localhost", ["http://shop.example"]],
    ["a path", ["https://shop.example/pay"]],
    ["21 origins", Array.from({ length: 21 }, (_, index) => `https://s${index}.example`)],
  ])("refuses a publishable key's card-field origins with %s, auditing nothing", async (_label, origins) => {
    const { commands, audits, merchant, keys } = await setUp();
    const publishable = keys.find((key) => key.kind === "PUBLISHABLE") as ApiKeyRecord;
    await expect(
      commands.updateKeyOrigins(ACTOR, merchant.id, publishable.id, origins),
    ).rejects.toMatchObject({
      code: "INVALID_INPUT",
      field: ["origins"],
    });
    expect(audits).toHaveLength(1);
  });

  it("sets a publishable key's card-field origins (canonical, localhost over http in test mode), audited; a rolled key keeps them", async () => {
    const { commands, audits, merchant, keys } = await setUp();
    const publishable = keys.find((key) => key.kind === "PUBLISHABLE") as ApiKeyRecord;
    const secret = keys.find((key) => key.kind === "SECRET") as ApiKeyRecord;
    const updated = await commands.updateKeyOrigins(ACTOR, merchant.id, publishable.id, [
      "https://Shop.example:443/",
      "http://localhost:3000",
      "https://shop.example",
    ]);
    expect(updated?.allowedOrigins).toEqual(["https://shop.example", "http://localhost:3000"]);
    expect(audits.at(-1)).toMatchObject({
      action: "api_key.update_allowed_origins",
      before: { keyId: publishable.id, allowedOrigins: "" },
      after: { keyId: publishable.id, allowedOrigins: "https://shop.example http://localhost:3000" },
    });
    // A secret key has none; another mode's key is not found from this mode.
    await expect(commands.updateKeyOrigins(ACTOR, merchant.id, secret.id, [])).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
    expect(await commands.updateKeyOrigins(ACTOR, merchant.id, publishable.id, [], "LIVE")).toBeNull();
    const rolled = await commands.rollKey(ACTOR, merchant.id, publishable.id);
    expect(rolled?.created.allowedOrigins).toEqual(["https://shop.example", "http://localhost:3000"]);
  });

  it("gives a new merchant's publishable keys its allowed origins that suit a key of their mode", async () => {
    const { store } = fakeStore();
    const commands = new MerchantCommands({ store, now: () => new Date("2026-12-06T12:00:00Z") });
    const { keys } = await commands.create(ACTOR, {
      name: "Shop",
      modes: ["TEST", "LIVE"],
      accessPolicy: {
        allowedOrigins: ["https://shop.example", "http://localhost:3000", "http://shop.example"],
      },
    });
    const originsOf = (kind: string, mode: string) =>
      keys.find((key) => key.kind === kind && key.mode === mode)?.allowedOrigins;
    expect(originsOf("PUBLISHABLE", "TEST")).toEqual(["https://shop.example", "http://localhost:3000"]);
    expect(originsOf("PUBLISHABLE", "LIVE")).toEqual(["https://shop.example"]);
    expect(originsOf("SECRET", "TEST")).toEqual([]);
  });
});
