// Goal: OperatorCommands validates input once (email, role, password length), hashes passwords through the port
// and never stores or audits a password, refuses self-disable, self-demotion and losing the last enabled admin
// with typed errors (writing nothing), and audits every change it makes. The store is an in-memory fake; that the
// change and its audit row commit together is shown against Postgres in packages/db.
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import type { Actor } from "../ports/audit";
import { InMemoryOperatorStore } from "../testing/in-memory-operator-store";
import { GENERATED_PASSWORD_LENGTH, generateOperatorPassword, PASSWORD_LENGTH_MAX } from "./operator";
import { OperatorCommands } from "./operator-commands";

const CLI: Actor = { operatorId: null, name: "cli:tester" };
const NOW = new Date("2026-12-07T10:00:00Z");

function setUp() {
  const store = new InMemoryOperatorStore(() => NOW);
  const commands = new OperatorCommands({
    store,
    hasher: { hash: async (password) => `hashed(${password})` },
    now: () => NOW,
    generatePassword: () => "generated-password-0001",
  });
  return { store, commands };
}

async function withAdmins(count: number) {
  const kit = setUp();
  const admins = [];
  for (let index = 0; index < count; index++) {
    const { operator } = await kit.commands.create(CLI, {
      email: `admin${index}@example.com`,
      role: "ADMIN",
    });
    admins.push({ operator, actor: { operatorId: operator.id, name: operator.email } satisfies Actor });
  }
  kit.store.audit.length = 0;
  return { ...kit, admins };
}

function nth<T>(list: T[], index: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return error.code;
}

describe("create", () => {
  it("normalises the email, generates a password when none is given, stores only its hash and audits", async () => {
    const { store, commands } = setUp();
    const created = await commands.create(CLI, { email: "  Alice@Example.COM ", role: "operator" });
    expect(created).toMatchObject({
      operator: { email: "alice@example.com", role: "OPERATOR", disabledAt: null },
      password: "generated-password-0001",
      generated: true,
    });
    expect(store.secretsOf(created.operator.id)?.passwordHash).toBe("hashed(generated-password-0001)");
    expect(store.audit).toEqual([
      {
        actor: CLI,
        action: "operator.create",
        targetId: created.operator.id,
        before: null,
        after: { email: "alice@example.com", role: "OPERATOR", passwordGenerated: true },
      },
    ]);
    expect(JSON.stringify(store.audit)).not.toContain("generated-password-0001");
  });

  it("takes an admin-set password within the policy", async () => {
    const { commands } = setUp();
    const created = await commands.create(CLI, {
      email: "b@example.com",
      role: "VIEWER",
      password: "a long enough pass",
    });
    expect(created).toMatchObject({ password: "a long enough pass", generated: false });
  });

  it.each([
    ["an email without @", { email: "not-an-email", role: "VIEWER" }, "INVALID_INPUT"],
    ["an email without a domain dot", { email: "a@localhost", role: "VIEWER" }, "INVALID_INPUT"],
    ["an over-long email", { email: `${"a".repeat(250)}@example.com`, role: "VIEWER" }, "INVALID_INPUT"],
    ["an email with a control character", { email: "a\u0000b@example.com", role: "VIEWER" }, "INVALID_INPUT"],
    ["an unknown role", { email: "c@example.com", role: "ROOT" }, "INVALID_INPUT"],
    ["a short password", { email: "c@example.com", role: "VIEWER", password: "short" }, "INVALID_INPUT"],
    [
      "an over-long password",
      { email: "c@example.com", role: "VIEWER", password: "p".repeat(PASSWORD_LENGTH_MAX + 1) },
      "INVALID_INPUT",
    ],
  ])("refuses %s, writing nothing", async (_name, input, code) => {
    const { store, commands } = setUp();
    expect(await codeOf(commands.create(CLI, input))).toBe(code);
    expect(store.operators.size).toBe(0);
    expect(store.audit).toEqual([]);
  });

  it("refuses a second account for the same email, whatever its case", async () => {
    const { store, commands } = setUp();
    await commands.create(CLI, { email: "dup@example.com", role: "VIEWER" });
    expect(await codeOf(commands.create(CLI, { email: "DUP@example.com", role: "ADMIN" }))).toBe(
      "OPERATOR_EXISTS",
    );
    expect(store.audit).toHaveLength(1);
  });

  it("creates the first admin only on an empty store", async () => {
    const { commands } = setUp();
    expect(await commands.createFirstAdminIfNone(CLI)).toEqual({
      email: "admin@paycore.local",
      password: "generated-password-0001",
    });
    expect(await commands.createFirstAdminIfNone(CLI)).toBeNull();
  });
});

describe("disable, enable and change role", () => {
  it("an admin disables another operator and enables them again, each change audited with before and after", async () => {
    const { store, commands, admins } = await withAdmins(1);
    const { operator } = await commands.create(CLI, { email: "op@example.com", role: "OPERATOR" });
    store.audit.length = 0;
    const actor = admins[0]?.actor as Actor;
    const disabled = await commands.setDisabled(actor, operator.id, true);
    expect(disabled.disabledAt).toEqual(NOW);
    expect(store.secretsOf(operator.id)?.sessionsRevokedAt).toEqual(NOW);
    expect((await commands.setDisabled(actor, operator.id, false)).disabledAt).toBeNull();
    expect(
      store.audit.map((entry) => [entry.action, entry.before?.disabledAt, entry.after?.disabledAt]),
    ).toEqual([
      ["operator.disable", null, NOW.toISOString()],
      ["operator.enable", NOW.toISOString(), null],
    ]);
  });

  it("writes nothing when the operator already has the asked status or role", async () => {
    const { store, commands, admins } = await withAdmins(2);
    const target = admins[1]?.operator.id as string;
    await commands.setDisabled(CLI, target, false);
    await commands.changeRole(CLI, target, "ADMIN");
    expect(store.audit).toEqual([]);
  });

  it.each([
    ["disable themselves", (c: OperatorCommands, actor: Actor, id: string) => c.setDisabled(actor, id, true)],
    [
      "demote themselves",
      (c: OperatorCommands, actor: Actor, id: string) => c.changeRole(actor, id, "OPERATOR"),
    ],
  ])("an admin cannot %s, even with other admins around", async (_name, act) => {
    const { store, commands, admins } = await withAdmins(2);
    const self = admins[0] as { operator: { id: string }; actor: Actor };
    expect(await codeOf(act(commands, self.actor, self.operator.id))).toBe("OPERATOR_SELF_CHANGE");
    expect(store.audit).toEqual([]);
  });

  it.each([
    ["disabled", (c: OperatorCommands, id: string) => c.setDisabled(CLI, id, true)],
    ["demoted", (c: OperatorCommands, id: string) => c.changeRole(CLI, id, "VIEWER")],
  ])("the last enabled admin cannot be %s (the CLI included)", async (_name, act) => {
    const { store, commands, admins } = await withAdmins(1);
    const last = admins[0]?.operator.id as string;
    await commands
      .create(CLI, { email: "disabled-admin@example.com", role: "ADMIN" })
      .then(({ operator }) => commands.setDisabled(CLI, operator.id, true));
    store.audit.length = 0;
    expect(await codeOf(act(commands, last))).toBe("LAST_ACTIVE_ADMIN");
    expect(store.audit).toEqual([]);
    expect((await commands.list()).find((o) => o.id === last)).toMatchObject({
      role: "ADMIN",
      disabledAt: null,
    });
  });

  it("with two admins, one may disable the other, and then cannot be disabled", async () => {
    const { commands, admins } = await withAdmins(2);
    const [first, second] = [nth(admins, 0), nth(admins, 1)];
    await commands.setDisabled(first.actor, second.operator.id, true);
    expect(await codeOf(commands.setDisabled(CLI, first.operator.id, true))).toBe("LAST_ACTIVE_ADMIN");
  });

  it("promotes and demotes non-admins freely and audits the role", async () => {
    const { store, commands, admins } = await withAdmins(1);
    const { operator } = await commands.create(CLI, { email: "v@example.com", role: "VIEWER" });
    store.audit.length = 0;
    expect((await commands.changeRole(admins[0]?.actor as Actor, operator.id, "admin")).role).toBe("ADMIN");
    expect(store.audit[0]).toMatchObject({
      action: "operator.change_role",
      before: { role: "VIEWER" },
      after: { role: "ADMIN" },
    });
  });

  it("answers OPERATOR_NOT_FOUND for an unknown id and OPERATOR_CHANGED when the row moved underneath", async () => {
    const { store, commands, admins } = await withAdmins(2);
    expect(await codeOf(commands.setDisabled(CLI, "opr_unknown", true))).toBe("OPERATOR_NOT_FOUND");
    const target = admins[1]?.operator.id as string;
    const originalFind = store.findById.bind(store);
    // Another admin demotes the target between this command's read and its write.
    store.findById = async (id) => {
      const found = await originalFind(id);
      const stored = store.operators.get(id);
      if (stored) stored.role = "VIEWER";
      return found;
    };
    expect(await codeOf(commands.setDisabled(CLI, target, true))).toBe("OPERATOR_CHANGED");
    expect(store.audit).toEqual([]);
  });
});

describe("reset password and unlock", () => {
  it("sets a new hash, ends the operator's sessions and never audits the password", async () => {
    const { store, commands, admins } = await withAdmins(2);
    const target = admins[1]?.operator.id as string;
    const issued = await commands.resetPassword(admins[0]?.actor as Actor, target, "new password 123");
    expect(issued).toEqual({ password: "new password 123", generated: false });
    expect(store.secretsOf(target)).toEqual({
      passwordHash: "hashed(new password 123)",
      sessionsRevokedAt: NOW,
    });
    expect(store.audit[0]).toMatchObject({
      action: "operator.reset_password",
      after: { passwordGenerated: false },
    });
    expect(JSON.stringify(store.audit)).not.toContain("new password 123");
    expect(await codeOf(commands.resetPassword(CLI, target, "short"))).toBe("INVALID_INPUT");
  });

  it("unlock clears the email's sign-in blocks and the list stops showing it locked", async () => {
    const { store, commands, admins } = await withAdmins(1);
    const { operator } = await commands.create(CLI, { email: "locked@example.com", role: "OPERATOR" });
    store.blockedUntil.set("locked@example.com", new Date(NOW.getTime() + 60_000));
    expect((await commands.list()).find((o) => o.id === operator.id)?.lockedUntil).toEqual(
      new Date(NOW.getTime() + 60_000),
    );
    expect(await commands.unlock(admins[0]?.actor as Actor, operator.id)).toEqual({ cleared: 1 });
    expect((await commands.list()).find((o) => o.id === operator.id)?.lockedUntil).toBeNull();
    expect(store.audit.at(-1)).toMatchObject({ action: "operator.unlock", targetId: operator.id });
  });
});

describe("generated passwords", () => {
  it("are 20 letters and digits, and differ", () => {
    const passwords = new Set(Array.from({ length: 50 }, () => generateOperatorPassword()));
    expect(passwords.size).toBe(50);
    for (const password of passwords)
      expect(password).toMatch(new RegExp(`^[A-Za-z0-9]{${GENERATED_PASSWORD_LENGTH}}$`));
  });
});
