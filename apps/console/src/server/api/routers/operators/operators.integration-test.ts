// Goal: admins manage console operators from the console (list, create, disable/enable, change role, reset
// password, unlock) through the core's operator commands: each change is an audit row naming the admin, a
// generated password is answered once and works, a disabled operator or a reset password ends the sessions at
// once, self-disable and self-demotion are refused with typed codes, and viewers, operators and requests without
// the CSRF header are refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, createTestConsole, type TestConsole } from "../../../testing/test-console";

let c: TestConsole;
let admin: Browser;

beforeAll(async () => {
  c = await createTestConsole();
  admin = await c.signedIn("ADMIN");
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
  // Without the row ids (bigints): what was recorded, oldest first.
  return entries
    .reverse()
    .map(({ action, operatorId, before, after }) => ({ action, operatorId, before, after }));
}

async function adminId(): Promise<string> {
  return (await (await admin.api()).auth.me())?.id as string;
}

async function signIn(email: string, password: string) {
  const browser = c.browser();
  await (await browser.api()).auth.signIn({ email, password });
  return browser;
}

describe("operators", () => {
  it("an admin creates an operator with a generated password shown once, which signs in; audited", async () => {
    const api = await admin.api();
    const created = await api.operators.create({ email: "  New.Person@Example.com ", role: "OPERATOR" });
    expect(created.operator).toMatchObject({
      email: "new.person@example.com",
      role: "OPERATOR",
      status: "active",
    });
    expect(created.password).toMatch(/^[A-Za-z0-9]{20}$/);
    const browser = await signIn("new.person@example.com", created.password as string);
    expect(await (await browser.api()).auth.me()).toMatchObject({ email: "new.person@example.com" });

    const listed = (await api.operators.list()).find((o) => o.id === created.operator.id);
    expect(listed).toMatchObject({ role: "OPERATOR", status: "active", lockedUntil: null });
    expect(listed?.lastSignInAt).not.toBeNull();
    const audit = await auditOf(created.operator.id);
    expect(audit[0]).toMatchObject({
      action: "operator.create",
      operatorId: await adminId(),
      after: { email: "new.person@example.com", role: "OPERATOR", passwordGenerated: true },
    });
    expect(JSON.stringify(audit)).not.toContain(created.password as string);
  });

  it("takes an admin-set password, and refuses bad input with typed codes, writing nothing", async () => {
    const api = await admin.api();
    const set = await api.operators.create({
      email: "set@example.com",
      role: "VIEWER",
      password: "chosen by the admin",
    });
    expect(set.password).toBeNull();
    await signIn("set@example.com", "chosen by the admin");
    const before = (await api.operators.list()).length;
    for (const [input, domainCode] of [
      [{ email: "not an email", role: "VIEWER" }, "INVALID_INPUT"],
      [{ email: "short@example.com", role: "VIEWER", password: "short" }, "INVALID_INPUT"],
      [{ email: "SET@example.com", role: "ADMIN" }, "OPERATOR_EXISTS"],
    ] as const) {
      await expect(api.operators.create(input)).rejects.toMatchObject({ cause: { code: domainCode } });
    }
    await expect(
      api.operators.create({ email: "x@example.com", role: "ROOT" as "ADMIN" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    expect((await api.operators.list()).length).toBe(before);
  });

  it("disabling ends the operator's session and sign-in at once; enabling lets them back", async () => {
    const api = await admin.api();
    const { email, password } = await c.createOperator("OPERATOR");
    const theirs = await signIn(email, password);
    const id = (await (await theirs.api()).auth.me())?.id as string;
    expect((await api.operators.setDisabled({ operatorId: id, disabled: true })).status).toBe("disabled");
    await expect((await theirs.api()).payments.list({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(signIn(email, password)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect((await api.operators.setDisabled({ operatorId: id, disabled: false })).status).toBe("active");
    await signIn(email, password);
    expect((await auditOf(id)).map((entry) => entry.action)).toEqual(
      expect.arrayContaining(["operator.disable", "operator.enable"]),
    );
  });

  it("changes roles; an admin cannot disable or demote themselves", async () => {
    const api = await admin.api();
    const { email, password } = await c.createOperator("VIEWER");
    const theirs = await signIn(email, password);
    const id = (await (await theirs.api()).auth.me())?.id as string;
    expect((await api.operators.changeRole({ operatorId: id, role: "OPERATOR" })).role).toBe("OPERATOR");
    // The session reads the role live: the promotion holds on the next request.
    expect(await (await theirs.api()).auth.me()).toMatchObject({ role: "OPERATOR" });

    const self = await adminId();
    await expect(api.operators.setDisabled({ operatorId: self, disabled: true })).rejects.toMatchObject({
      cause: { code: "OPERATOR_SELF_CHANGE" },
    });
    await expect(api.operators.changeRole({ operatorId: self, role: "VIEWER" })).rejects.toMatchObject({
      cause: { code: "OPERATOR_SELF_CHANGE" },
    });
    await expect(
      api.operators.changeRole({ operatorId: "opr_nobody", role: "VIEWER" }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await auditOf(self)).map((entry) => entry.action)).not.toContain("operator.change_role");
  });

  it("a password reset ends sessions and the old password; the new one is shown once and works", async () => {
    const api = await admin.api();
    const { email, password } = await c.createOperator("OPERATOR");
    const theirs = await signIn(email, password);
    const id = (await (await theirs.api()).auth.me())?.id as string;
    const { password: next } = await api.operators.resetPassword({ operatorId: id });
    expect(next).toMatch(/^[A-Za-z0-9]{20}$/);
    await expect((await theirs.api()).payments.list({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(signIn(email, password)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await signIn(email, next as string);
    expect(JSON.stringify(await auditOf(id))).not.toContain(next as string);
  });

  it("unlock lifts a sign-in throttle on the operator's email", async () => {
    const api = await admin.api();
    const { email, password } = await c.createOperator("OPERATOR");
    const guessing = c.browser({ ip: "198.51.100.7" });
    for (let attempt = 1; attempt <= 6; attempt++) {
      await (await guessing.api()).auth.signIn({ email, password: "not-the-password" }).catch(() => null);
    }
    await expect((await guessing.api()).auth.signIn({ email, password })).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
    });
    const listed = (await api.operators.list()).find((o) => o.email === email);
    expect(listed?.lockedUntil).not.toBeNull();
    expect(await api.operators.unlock({ operatorId: listed?.id as string })).toEqual({ cleared: 1 });
    expect((await api.operators.list()).find((o) => o.email === email)?.lockedUntil).toBeNull();
    await (await guessing.api()).auth.signIn({ email, password });
  });

  it("viewers and operators cannot see or change operators; a mutation without CSRF is refused", async () => {
    for (const role of ["VIEWER", "OPERATOR"] as const) {
      const api = await (await c.signedIn(role)).api();
      await expect(api.operators.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(api.operators.create({ email: "no@example.com", role: "ADMIN" })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
    }
    await expect(
      (await admin.api({ csrf: false })).operators.create({ email: "nocsrf@example.com", role: "VIEWER" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await (await admin.api()).operators.list()).map((o) => o.email)).not.toContain(
      "nocsrf@example.com",
    );
  });
});
