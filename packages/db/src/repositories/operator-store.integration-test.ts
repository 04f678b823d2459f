// Goal: the operator commands over the Postgres store commit each account change with its operator_audit_log row
// (one transaction, the actor named, no password), a refused or failing change writes neither, and the "last
// enabled admin" rule holds when two admins disable each other at the same moment.
import type { OperatorId } from "@paycore/core/ids/ids";
import { OperatorCommands } from "@paycore/core/operators/operator-commands";
import type { Actor } from "@paycore/core/ports/audit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabaseClient, type DatabaseClient } from "../client";
import { createTestDatabase, prepareTemplateDatabase } from "../testing/test-database";
import { OperatorStoreRepository } from "./operator-store.repository";

const CLI: Actor = { operatorId: null, name: "cli:tester" };

let prepared: Awaited<ReturnType<typeof prepareTemplateDatabase>> | undefined;
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let db: DatabaseClient;
let store: OperatorStoreRepository;
let commands: OperatorCommands;
let emailCount = 0;

beforeAll(async () => {
  prepared = await prepareTemplateDatabase();
  database = await createTestDatabase(prepared.adminUrl, prepared.templateName);
  db = createDatabaseClient({ url: database.url, poolMax: 4 });
  store = new OperatorStoreRepository(db);
  // A cheap stand-in hash keeps the suite fast; argon2id itself is tested where it lives (apps/api).
  commands = new OperatorCommands({
    store,
    hasher: { hash: async (p) => `test-hash:${p.length}` },
    now: () => new Date(),
  });
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
  await prepared?.stop();
});

function uniqueEmail(prefix: string): string {
  emailCount++;
  return `${prefix}-${emailCount.toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

async function auditOf(targetId: string) {
  return db.operatorAuditLog.findMany({
    where: { targetId },
    orderBy: { id: "asc" },
    select: { operatorId: true, action: true, targetType: true, before: true, after: true },
  });
}

async function admin(): Promise<{ id: OperatorId; actor: Actor }> {
  const email = uniqueEmail("admin");
  const { operator } = await commands.create(CLI, { email, role: "ADMIN" });
  return { id: operator.id, actor: { operatorId: operator.id, name: email } };
}

describe("operator store", () => {
  it("creates an account and its audit row together, naming the CLI actor and never the password", async () => {
    const email = uniqueEmail("new");
    const created = await commands.create(CLI, {
      email,
      role: "VIEWER",
      password: "a password of 25 chars..",
    });
    const row = await db.operator.findUnique({
      where: { id: created.operator.id },
      select: { passwordHash: true },
    });
    expect(row?.passwordHash).toBe("test-hash:24");
    const audit = await auditOf(created.operator.id);
    expect(audit).toEqual([
      {
        operatorId: null,
        action: "operator.create",
        targetType: "operator",
        before: null,
        after: { email, role: "VIEWER", passwordGenerated: false, actor: "cli:tester" },
      },
    ]);
    expect(JSON.stringify(audit)).not.toContain("a password of 25");
  });

  it("a taken email writes no second account and no audit row", async () => {
    const email = uniqueEmail("taken");
    await commands.create(CLI, { email, role: "VIEWER" });
    const before = await db.operatorAuditLog.count();
    await expect(commands.create(CLI, { email: email.toUpperCase(), role: "ADMIN" })).rejects.toMatchObject({
      code: "OPERATOR_EXISTS",
    });
    expect(await db.operatorAuditLog.count()).toBe(before);
    expect(await db.operator.count({ where: { email } })).toBe(1);
  });

  it("disabling revokes the sessions and audits, in one transaction; an audit insert that fails undoes the change", async () => {
    const boss = await admin();
    const { operator } = await commands.create(CLI, { email: uniqueEmail("op"), role: "OPERATOR" });
    await db.operatorSession.create({
      data: {
        id: `ses_test${emailCount.toString(36)}`,
        operatorId: operator.id,
        tokenHash: "a".repeat(63) + emailCount.toString(16).slice(-1),
        csrfTokenHash: "b".repeat(64),
        expiresAt: new Date(Date.now() + 60_000),
      },
    });
    await commands.setDisabled(boss.actor, operator.id, true);
    const disabled = await db.operator.findUnique({
      where: { id: operator.id },
      select: { disabledAt: true },
    });
    expect(disabled?.disabledAt).not.toBeNull();
    expect(await db.operatorSession.count({ where: { operatorId: operator.id, revokedAt: null } })).toBe(0);
    expect((await auditOf(operator.id)).map((entry) => [entry.action, entry.operatorId])).toEqual([
      ["operator.create", null],
      ["operator.disable", boss.id],
    ]);

    // An audit row the database refuses (an action over the column's limit is not it; a NUL byte in JSON is):
    // the role change must roll back with it.
    const failing = new OperatorCommands({
      store: Object.assign(Object.create(store) as OperatorStoreRepository, {
        update: ((id, expected, change, options, audit) =>
          store.update(id, expected, change, options, {
            ...audit,
            after: { ...audit.after, broken: "\u0000" },
          })) satisfies OperatorStoreRepository["update"],
      }),
      hasher: { hash: async () => "unused" },
      now: () => new Date(),
    });
    await expect(failing.changeRole(boss.actor, operator.id, "VIEWER")).rejects.toThrow();
    const after = await db.operator.findUnique({ where: { id: operator.id }, select: { role: true } });
    expect(after?.role).toBe("OPERATOR");
    expect((await auditOf(operator.id)).map((entry) => entry.action)).toEqual([
      "operator.create",
      "operator.disable",
    ]);
  });

  it("refuses self-disable and the last enabled admin with typed errors, writing nothing", async () => {
    // Every admin the earlier tests made is disabled first, so exactly one stays enabled.
    await db.operator.updateMany({ where: { role: "ADMIN" }, data: { disabledAt: new Date() } });
    const only = await admin();
    await expect(commands.setDisabled(only.actor, only.id, true)).rejects.toMatchObject({
      code: "OPERATOR_SELF_CHANGE",
    });
    await expect(commands.changeRole(CLI, only.id, "OPERATOR")).rejects.toMatchObject({
      code: "LAST_ACTIVE_ADMIN",
    });
    await expect(commands.setDisabled(CLI, only.id, true)).rejects.toMatchObject({
      code: "LAST_ACTIVE_ADMIN",
    });
    expect((await auditOf(only.id)).map((entry) => entry.action)).toEqual(["operator.create"]);
  });

  it("two admins disabling each other at once: one wins, the other is refused, one admin stays enabled", async () => {
    await db.operator.updateMany({ where: { role: "ADMIN" }, data: { disabledAt: new Date() } });
    const [a, b] = [await admin(), await admin()];
    const results = await Promise.allSettled([
      commands.setDisabled(a.actor, b.id, true),
      commands.setDisabled(b.actor, a.id, true),
    ]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((result) => result.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: "LAST_ACTIVE_ADMIN" });
    expect(await db.operator.count({ where: { role: "ADMIN", disabledAt: null } })).toBe(1);
  });

  it("reset password replaces the hash and ends sessions; unlock clears the email's blocks, both audited", async () => {
    const boss = await admin();
    const email = uniqueEmail("locked");
    const { operator } = await commands.create(CLI, { email, role: "OPERATOR" });
    const until = new Date(Date.now() + 600_000);
    await db.consoleSignInThrottle.createMany({
      data: [
        {
          key: `account_ip:${email}|10.0.0.1`,
          kind: "account_ip",
          email,
          ip: "10.0.0.1",
          failures: 9,
          lastFailureAt: new Date(),
          blockedUntil: until,
        },
        {
          key: `second_factor:${email}|10.0.0.2`,
          kind: "account_ip",
          email,
          ip: "10.0.0.2",
          failures: 9,
          lastFailureAt: new Date(),
          blockedUntil: until,
        },
        {
          key: "ip:10.0.0.1",
          kind: "ip",
          email: null,
          ip: "10.0.0.1",
          failures: 9,
          lastFailureAt: new Date(),
          blockedUntil: until,
        },
      ],
    });
    const listed = (await commands.list()).find((entry) => entry.id === operator.id);
    expect(listed?.lockedUntil?.getTime()).toBe(until.getTime());
    expect(await commands.unlock(boss.actor, operator.id)).toEqual({ cleared: 2 });
    expect((await commands.list()).find((entry) => entry.id === operator.id)?.lockedUntil).toBeNull();
    expect(await db.consoleSignInThrottle.count({ where: { key: "ip:10.0.0.1" } })).toBe(1);

    const issued = await commands.resetPassword(boss.actor, operator.id);
    expect(issued.generated).toBe(true);
    const row = await db.operator.findUnique({ where: { id: operator.id }, select: { passwordHash: true } });
    expect(row?.passwordHash).toBe(`test-hash:${issued.password.length}`);
    const audit = await auditOf(operator.id);
    expect(audit.map((entry) => entry.action)).toEqual([
      "operator.create",
      "operator.unlock",
      "operator.reset_password",
    ]);
    expect(audit[1]?.after).toMatchObject({ email, cleared: 2, actor: boss.actor.name });
    expect(JSON.stringify(audit)).not.toContain(issued.password);
  });
});
