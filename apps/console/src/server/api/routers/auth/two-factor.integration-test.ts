// Goal: TOTP two-factor authentication end to end on the routers: enrolment (secret stored encrypted, confirmed
// by a code, ten recovery codes stored hashed), the second sign-in step (a code works once per time step, a
// recovery code works once, wrong codes are throttled), admins sent to enrol before anything else and unable
// to turn it off, and audit rows for enrolment, disabling and recovery-code use.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../../../auth/cookies";
import { totpCode } from "../../../auth/totp";
import { createTestConsole, type TestConsole } from "../../../testing/test-console";

let c: TestConsole;

beforeAll(async () => {
  c = await createTestConsole();
});
afterAll(async () => {
  await c?.close();
});

async function auditActions(): Promise<string[]> {
  const { entries } = await c.services.operators.listAudit({
    search: "auth.",
    operatorId: null,
    beforeId: null,
    first: 100,
  });
  return entries.map((entry) => entry.action);
}

const advance = (ms: number) => {
  c.clock.now = new Date(c.clock.now.getTime() + ms);
};

/** Signs in with the password and enrols through the routers, as the two-factor page does. */
async function enrolled(role: "VIEWER" | "ADMIN") {
  const { email, password } = await c.createOperator(role);
  const browser = c.browser();
  const signedIn = await (await browser.api()).auth.signIn({ email, password });
  const enrolment = await (await browser.api()).auth.totpBegin();
  const { recoveryCodes } = await (await browser.api()).auth.totpConfirm({
    code: totpCode(enrolment.secret, c.clock.now),
  });
  return { email, password, browser, signedIn, enrolment, recoveryCodes };
}

describe("enrolment", () => {
  it("stores the secret encrypted and the recovery codes hashed, and returns them once", async () => {
    const { email, enrolment, recoveryCodes } = await enrolled("VIEWER");
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.uri).toBe(
      `otpauth://totp/paycore%20console:${encodeURIComponent(email)}?secret=${enrolment.secret}&issuer=paycore%20console`,
    );
    expect(enrolment.qrDataUrl).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);

    const rows = await c.t.app.db.$queryRaw<Array<{ totp_secret_encrypted: string }>>`
      SELECT totp_secret_encrypted FROM operators WHERE email = ${email}`;
    expect(rows[0]?.totp_secret_encrypted).toMatch(/^v1\.1\./);
    expect(rows[0]?.totp_secret_encrypted).not.toContain(enrolment.secret);
    const hashes = await c.t.app.db.$queryRaw<Array<{ code_hash: string }>>`
      SELECT code_hash FROM operator_recovery_codes r JOIN operators o ON o.id = r.operator_id
       WHERE o.email = ${email}`;
    expect(hashes).toHaveLength(10);
    const stored = JSON.stringify(hashes);
    for (const code of recoveryCodes) expect(stored).not.toContain(code.replace(/-/g, ""));
    expect(await auditActions()).toContain("auth.totp_enrolled");
  });

  it("refuses a wrong confirmation code and a second enrolment, writing nothing", async () => {
    const { email, password } = await c.createOperator("OPERATOR");
    const apiBrowser = c.browser();
    const api = () => apiBrowser.api();
    await (await api()).auth.signIn({ email, password });
    await (await api()).auth.totpBegin();
    await expect((await api()).auth.totpConfirm({ code: "000000" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    expect((await (await api()).auth.me())?.totpEnabled).toBe(false);
    const again = await (await api()).auth.totpBegin();
    await (await api()).auth.totpConfirm({ code: totpCode(again.secret, c.clock.now) });
    await expect((await api()).auth.totpBegin()).rejects.toMatchObject({ code: "CONFLICT" });
  });
});

describe("the second step of sign-in", () => {
  it("asks for a code after the password; the session can do nothing else until then", async () => {
    const { email, password, enrolment } = await enrolled("VIEWER");
    advance(60_000);
    const browser = c.browser();
    expect(await (await browser.api()).auth.signIn({ email, password })).toMatchObject({
      stage: "second_factor",
    });
    expect(await (await browser.api()).auth.me()).toMatchObject({ stage: "second_factor" });
    await expect((await browser.api()).payments.list({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const passwordStepToken = browser.cookies.get(SESSION_COOKIE) ?? "";
    await (await browser.api()).auth.verifySecondFactor({ code: totpCode(enrolment.secret, c.clock.now) });
    expect(await (await browser.api()).auth.me()).toMatchObject({ stage: "ready" });
    await expect((await browser.api()).payments.list({})).resolves.toMatchObject({ payments: [] });
    expect(await auditActions()).toContain("auth.second_factor_verified");
    // The session was replaced: the token from before the code is worth nothing now.
    expect(browser.cookies.get(SESSION_COOKIE)).not.toBe(passwordStepToken);
    browser.cookies.set(SESSION_COOKIE, passwordStepToken);
    expect(await (await browser.api()).auth.me()).toBeNull();
  });

  it("ends a password step not completed within 10 minutes", async () => {
    const { email, password, enrolment } = await enrolled("VIEWER");
    advance(60_000);
    const browser = c.browser();
    await (await browser.api()).auth.signIn({ email, password });
    advance(10 * 60_000);
    expect(await (await browser.api()).auth.me()).toBeNull();
    await expect(
      (await browser.api()).auth.verifySecondFactor({ code: totpCode(enrolment.secret, c.clock.now) }),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("refuses the same code twice within its window (no replay)", async () => {
    const { email, password, enrolment } = await enrolled("VIEWER");
    advance(60_000);
    const code = totpCode(enrolment.secret, c.clock.now);
    const firstBrowser = c.browser();
    const first = () => firstBrowser.api();
    await (await first()).auth.signIn({ email, password });
    await (await first()).auth.verifySecondFactor({ code });
    const secondBrowser = c.browser();
    const second = () => secondBrowser.api();
    await (await second()).auth.signIn({ email, password });
    await expect((await second()).auth.verifySecondFactor({ code })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    advance(30_000);
    await expect(
      (await second()).auth.verifySecondFactor({ code: totpCode(enrolment.secret, c.clock.now) }),
    ).resolves.toEqual({ verified: true });
  });

  it("accepts a recovery code once, in any case and spacing, and audits its use", async () => {
    const { email, password, recoveryCodes } = await enrolled("VIEWER");
    const code = recoveryCodes[3] ?? "";
    const firstBrowser = c.browser();
    const first = () => firstBrowser.api();
    await (await first()).auth.signIn({ email, password });
    await (await first()).auth.verifySecondFactor({ code: code.toLowerCase().replace(/-/g, " ") });
    expect(await (await first()).auth.me()).toMatchObject({ stage: "ready" });
    const secondBrowser = c.browser();
    const second = () => secondBrowser.api();
    await (await second()).auth.signIn({ email, password });
    await expect((await second()).auth.verifySecondFactor({ code })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    expect(await auditActions()).toContain("auth.recovery_code_used");
    const remaining = await c.t.app.db.$queryRaw<Array<{ n: bigint }>>`
      SELECT count(*) AS n FROM operator_recovery_codes r JOIN operators o ON o.id = r.operator_id
       WHERE o.email = ${email} AND r.used_at IS NULL`;
    expect(Number(remaining[0]?.n)).toBe(9);
  });

  it("throttles wrong codes with growing delays", async () => {
    const { email, password, enrolment } = await enrolled("VIEWER");
    advance(60_000);
    const apiBrowser = c.browser({ ip: "203.0.113.50" });
    const api = () => apiBrowser.api();
    await (await api()).auth.signIn({ email, password });
    for (let attempt = 1; attempt <= 5; attempt++) {
      await expect((await api()).auth.verifySecondFactor({ code: "123456" })).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    }
    await expect((await api()).auth.verifySecondFactor({ code: "123456" })).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: "Too many wrong codes. Try again in 1 s.",
    });
    // Even the right code waits out the delay.
    await expect(
      (await api()).auth.verifySecondFactor({ code: totpCode(enrolment.secret, c.clock.now) }),
    ).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
    advance(1_001);
    await expect(
      (await api()).auth.verifySecondFactor({ code: totpCode(enrolment.secret, c.clock.now) }),
    ).resolves.toEqual({ verified: true });
  });

  it("checks parallel codes one at a time per account and address (campaign 2026-12-07)", async () => {
    const { email, password } = await enrolled("VIEWER");
    advance(60_000);
    const apiBrowser = c.browser({ ip: "203.0.113.51" });
    await (await apiBrowser.api()).auth.signIn({ email, password });
    const api = await apiBrowser.api();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        api.auth.verifySecondFactor({ code: String(100_000 + index) }).then(
          () => "verified",
          (error: { code: string }) => error.code,
        ),
      ),
    );
    expect(answers.filter((code) => code === "UNAUTHORIZED")).toHaveLength(1);
    expect(answers.filter((code) => code === "TOO_MANY_REQUESTS")).toHaveLength(19);
  });
});

describe("admins", () => {
  it("are sent to enrol before anything else, and may not turn TOTP off", async () => {
    const { email, password } = await c.createOperator("ADMIN");
    const browser = c.browser();
    expect(await (await browser.api()).auth.signIn({ email, password })).toMatchObject({ stage: "enrol" });
    await expect((await browser.api()).payments.list({})).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "Set up two-factor authentication first.",
    });
    const enrolment = await (await browser.api()).auth.totpBegin();
    await (await browser.api()).auth.totpConfirm({ code: totpCode(enrolment.secret, c.clock.now) });
    await expect((await browser.api()).merchants.list()).resolves.toBeDefined();
    advance(30_000);
    await expect(
      (await browser.api()).auth.totpDisable({ code: totpCode(enrolment.secret, c.clock.now) }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("others may turn it off with a current code; the audit says so", async () => {
    const { email, password, browser, enrolment } = await enrolled("VIEWER");
    advance(30_000);
    const api = () => browser.api();
    await expect((await api()).auth.totpDisable({ code: "000000" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await (await api()).auth.totpDisable({ code: totpCode(enrolment.secret, c.clock.now) });
    expect(await (await c.browser().api()).auth.signIn({ email, password })).toMatchObject({
      stage: "ready",
    });
    expect(await auditActions()).toContain("auth.totp_disabled");
  });
});
