// Goal: admins create merchants, change their settings and manage their API keys (create, roll, revoke): a new
// key authenticates, a revoked one does not, the key is shown once and stored only hashed, and every change is
// an audit row with before and after that never holds the key. Viewers and operators read but cannot change.
import { hashApiKey } from "@paycore/core/merchants/api-keys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedMerchant, seedPayment } from "../../../testing/seed";
import { type Browser, createTestConsole, type TestConsole } from "../../../testing/test-console";

let c: TestConsole;
let admin: Browser;
let viewer: Browser;
let operator: Browser;

beforeAll(async () => {
  c = await createTestConsole();
  admin = await c.signedIn("ADMIN");
  viewer = await c.signedIn("VIEWER");
  operator = await c.signedIn("OPERATOR");
});
afterAll(async () => {
  await c?.close();
});

async function auditOf(targetId: string) {
  const { entries } = await c.services.operators.listAudit({
    search: targetId,
    operatorId: null,
    beforeId: null,
    first: 100,
  });
  return entries;
}

const SETTINGS = { feeRateBps: 250, feeFixedMinor: "25", riskReviewThreshold: 50, riskDeclineThreshold: 80 };

describe("merchants", () => {
  it("an admin creates a merchant and edits its settings, both audited with before and after", async () => {
    const api = await admin.api();
    const created = await api.merchants.create({ name: "  Initech  ", ...SETTINGS });
    expect(created).toMatchObject({ name: "Initech", ...SETTINGS });
    expect((await api.merchants.list()).map((m) => m.id)).toContain(created.id);

    const updated = await api.merchants.updateSettings({
      merchantId: created.id,
      feeRateBps: 10_000,
      feeFixedMinor: "0",
      riskReviewThreshold: 0,
      riskDeclineThreshold: 1,
    });
    expect(updated).toMatchObject({ feeRateBps: 10_000, feeFixedMinor: "0", riskDeclineThreshold: 1 });

    const audit = await auditOf(created.id);
    expect(audit.map((entry) => entry.action)).toEqual(["merchant.update_settings", "merchant.create"]);
    expect(audit[1]).toMatchObject({ before: null, after: { name: "Initech", feeFixedMinor: "25" } });
    expect(audit[0]).toMatchObject({
      before: { feeRateBps: 250, riskReviewThreshold: 50 },
      after: { feeRateBps: 10_000, riskReviewThreshold: 0 },
    });
  });

  it("refuses settings out of range and thresholds in the wrong order, writing nothing", async () => {
    const api = await admin.api();
    for (const bad of [
      { feeRateBps: 10_001 },
      { feeRateBps: -1 },
      { feeFixedMinor: "-1" },
      { feeFixedMinor: "025" },
      { riskReviewThreshold: 100, riskDeclineThreshold: 100 },
      { riskReviewThreshold: 60, riskDeclineThreshold: 60 },
      { riskDeclineThreshold: 0, riskReviewThreshold: 0 },
    ]) {
      await expect(api.merchants.create({ name: "Bad", ...SETTINGS, ...bad })).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
    }
    expect((await api.merchants.list()).filter((m) => m.name === "Bad")).toEqual([]);
  });

  it("viewers and operators read merchants but cannot change them", async () => {
    const merchant = await seedMerchant(c.t.app, "Read Only Co");
    for (const browser of [viewer, operator]) {
      const api = await browser.api();
      expect((await api.merchants.list()).map((m) => m.name)).toContain("Read Only Co");
      expect((await api.merchants.detail({ merchantId: merchant.id })).merchant.name).toBe("Read Only Co");
      await expect(api.merchants.create({ name: "Nope", ...SETTINGS })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
      await expect(
        api.merchants.createKey({ merchantId: merchant.id, kind: "SECRET", mode: "TEST" }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(
        api.merchants.updateSettings({ merchantId: merchant.id, ...SETTINGS }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    expect((await (await admin.api()).merchants.list()).map((m) => m.name)).not.toContain("Nope");
    // A mutation without the CSRF header is refused even for an admin.
    await expect(
      (await admin.api({ csrf: false })).merchants.create({ name: "No CSRF", ...SETTINGS }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("an admin sets the allowed origins (canonicalised, validated, audited); a viewer may not", async () => {
    const merchant = await seedMerchant(c.t.app, "Origins");
    const api = await admin.api();
    await expect(
      api.merchants.updateAllowedOrigins({ merchantId: merchant.id, origins: ["https://Shop.example:443"] }),
    ).resolves.toEqual({ allowedOrigins: ["https://shop.example"] });
    expect((await api.merchants.detail({ merchantId: merchant.id })).allowedOrigins).toEqual([
      "https://shop.example",
    ]);
    await expect(
      api.merchants.updateAllowedOrigins({ merchantId: merchant.id, origins: ["*"] }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      (await viewer.api()).merchants.updateAllowedOrigins({ merchantId: merchant.id, origins: [] }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    const audit = await auditOf(merchant.id);
    expect(audit.map((entry) => entry.action)).toContain("merchant.update_settings");
  });

  it("an admin sets a publishable key's card-field origins (validated, audited); a viewer may not", async () => {
    const merchant = await seedMerchant(c.t.app, "Key origins");
    const api = await admin.api();
    const detail = await api.merchants.detail({ merchantId: merchant.id });
    const publishable = detail.keys.find((key) => key.kind === "PUBLISHABLE" && key.mode === "TEST");
    const secret = detail.keys.find((key) => key.kind === "SECRET");
    if (!publishable || !secret) throw new Error("the seeded merchant has no test keys");
    await expect(
      api.merchants.updateKeyOrigins({
        merchantId: merchant.id,
        keyId: publishable.id,
        origins: ["https://Shop.example:443", "http://127.0.0.1:5173"],
      }),
    ).resolves.toMatchObject({
      id: publishable.id,
      allowedOrigins: ["https://shop.example", "http://127.0.0.1:5173"],
    });
    const reread = (await api.merchants.detail({ merchantId: merchant.id })).keys.find(
      (k) => k.id === publishable.id,
    );
    expect(reread?.allowedOrigins).toEqual(["https://shop.example", "http://127.0.0.1:5173"]);
    // Refused, nothing written: plain http elsewhere than localhost, a secret key, an unknown key, a viewer.
    await expect(
      api.merchants.updateKeyOrigins({
        merchantId: merchant.id,
        keyId: publishable.id,
        origins: ["http://shop.example"],
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      api.merchants.updateKeyOrigins({ merchantId: merchant.id, keyId: secret.id, origins: [] }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      api.merchants.updateKeyOrigins({
        merchantId: merchant.id,
        keyId: "key_00000000000000000000000000",
        origins: [],
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      (await viewer.api()).merchants.updateKeyOrigins({
        merchantId: merchant.id,
        keyId: publishable.id,
        origins: [],
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    const audit = (await auditOf(merchant.id)).filter(
      (entry) => entry.action === "api_key.update_allowed_origins",
    );
    expect(audit).toHaveLength(1);
    expect(
      (await api.merchants.detail({ merchantId: merchant.id })).keys.find((k) => k.id === publishable.id)
        ?.allowedOrigins,
    ).toEqual(["https://shop.example", "http://127.0.0.1:5173"]);
  });

  it("shows balances per currency in both modes", async () => {
    const merchant = await seedMerchant(c.t.app, "Balanced");
    await seedPayment(c.t.app, merchant, { amountMinor: 10_000n, currency: "EUR" });
    const detail = await (await viewer.api()).merchants.detail({ merchantId: merchant.id });
    const eur = detail.balances.find((balance) => balance.mode === "TEST" && balance.currency === "EUR");
    expect(eur).toBeDefined();
    // The capture's share is pending until the PSP's settlement delay passes (then released to available).
    expect(BigInt(eur?.pendingMinor ?? "0")).toBeGreaterThan(0n);
    expect(
      BigInt(eur?.availableMinor ?? "0") + BigInt(eur?.pendingMinor ?? "0") + BigInt(eur?.feesMinor ?? "0"),
    ).toBe(10_000n);
    expect(detail.balances.filter((balance) => balance.mode === "LIVE")).toEqual([]);
    await expect((await viewer.api()).merchants.detail({ merchantId: "mer_nothere" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});

describe("API keys", () => {
  it("creates, rolls and revokes keys: the new key authenticates, revoked ones do not, no secret in the audit", async () => {
    const api = await admin.api();
    const merchant = await api.merchants.create({ name: "Keyholder", ...SETTINGS });
    const keys = c.t.app.services.apiKeys;

    const created = await api.merchants.createKey({ merchantId: merchant.id, kind: "SECRET", mode: "LIVE" });
    expect(created.key).toMatch(/^sk_live_[0-9A-Za-z]{32}$/);
    expect(created.displayHint).toBe(`${created.key.slice(0, 8)}…${created.key.slice(-4)}`);
    expect(await keys.findActiveKeyByHash(hashApiKey(created.key))).toEqual({
      apiKeyId: created.id,
      merchantId: merchant.id,
      kind: "SECRET",
      mode: "LIVE",
      allowedOrigins: [],
    });

    // Read back: the hint, never the key.
    const listed = (await api.merchants.detail({ merchantId: merchant.id })).keys;
    expect(listed).toEqual([
      {
        id: created.id,
        kind: "SECRET",
        mode: "LIVE",
        displayHint: created.displayHint,
        createdAt: created.createdAt,
        revokedAt: null,
        allowedOrigins: [],
      },
    ]);
    expect(JSON.stringify(listed)).not.toContain(created.key);

    const rolled = await api.merchants.rollKey({ merchantId: merchant.id, keyId: created.id });
    expect(rolled.created).toMatchObject({ kind: "SECRET", mode: "LIVE", revokedAt: null });
    expect(rolled.created.key).toMatch(/^sk_live_/);
    expect(rolled.created.key).not.toBe(created.key);
    expect(rolled.revoked).toMatchObject({ id: created.id });
    expect(rolled.revoked.revokedAt).not.toBeNull();
    expect(await keys.findActiveKeyByHash(hashApiKey(created.key))).toBeNull();
    expect(await keys.findActiveKeyByHash(hashApiKey(rolled.created.key))).toMatchObject({
      apiKeyId: rolled.created.id,
      merchantId: merchant.id,
    });
    // A revoked key can be neither rolled nor revoked again, and nothing is written.
    await expect(api.merchants.rollKey({ merchantId: merchant.id, keyId: created.id })).rejects.toMatchObject(
      {
        code: "NOT_FOUND",
      },
    );
    await expect(
      api.merchants.revokeKey({ merchantId: merchant.id, keyId: created.id }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
    });

    const publishable = await api.merchants.createKey({
      merchantId: merchant.id,
      kind: "PUBLISHABLE",
      mode: "TEST",
    });
    expect(publishable.key).toMatch(/^pk_test_/);
    const revoked = await api.merchants.revokeKey({ merchantId: merchant.id, keyId: publishable.id });
    expect(revoked.revokedAt).not.toBeNull();
    expect(await keys.findActiveKeyByHash(hashApiKey(publishable.key))).toBeNull();
    // Another merchant's id does not reach this merchant's keys.
    const other = await api.merchants.create({ name: "Other", ...SETTINGS });
    await expect(
      api.merchants.revokeKey({ merchantId: other.id, keyId: rolled.created.id }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await keys.findActiveKeyByHash(hashApiKey(rolled.created.key))).not.toBeNull();

    const detail = await api.merchants.detail({ merchantId: merchant.id });
    expect(detail.keys.map((key) => [key.id, key.revokedAt === null])).toEqual(
      expect.arrayContaining([
        [created.id, false],
        [rolled.created.id, true],
        [publishable.id, false],
      ]),
    );

    const audit = await auditOf(merchant.id);
    expect(audit.map((entry) => entry.action)).toEqual([
      "api_key.revoke",
      "api_key.create",
      "api_key.roll",
      "api_key.create",
      "merchant.create",
    ]);
    expect(audit[0]).toMatchObject({
      before: { keyId: publishable.id, revokedAt: null },
      after: { keyId: publishable.id },
    });
    expect(audit[2]).toMatchObject({
      before: { keyId: created.id, revokedAt: null },
      after: { keyId: rolled.created.id, revokedKeyId: created.id },
    });
    const written = JSON.stringify(audit.map((entry) => ({ before: entry.before, after: entry.after })));
    for (const secret of [created.key, rolled.created.key, publishable.key]) {
      expect(written).not.toContain(secret);
      expect(written).not.toContain(secret.slice(8));
      expect(written).not.toContain(hashApiKey(secret));
    }
  });
});
