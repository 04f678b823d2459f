// Goal: operators sign in with email and password (argon2id), get an httpOnly
// SameSite=Strict session and a CSRF token, are locked out after repeated
// failures, can sign out, and can only do what their role allows; every
// mutation without the CSRF header is refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSRF_COOKIE, SESSION_COOKIE } from "../../../auth/cookies";
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
    search: null,
    operatorId: null,
    beforeId: null,
    first: 100,
  });
  return entries.map((entry) => entry.action);
}

describe("sign-in", () => {
  it("signs in with the right password: session cookie, CSRF cookie, me", async () => {
    const { email, password } = await c.createOperator("VIEWER", "Alice@Example.com");
    const stored = await c.services.operators.findCredentialsByEmail("alice@example.com");
    expect(stored?.passwordHash.startsWith("$argon2id$")).toBe(true);

    const browser = c.browser();
    const api = await browser.api();
    expect(await api.auth.me()).toBeNull();
    const result = await api.auth.signIn({ email: email.toUpperCase(), password });
    expect(result).toEqual({ email: "alice@example.com", role: "VIEWER" });
    expect(browser.cookies.get(SESSION_COOKIE)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(browser.cookies.get(CSRF_COOKIE)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await (await browser.api()).auth.me()).toMatchObject({
      email: "alice@example.com",
      role: "VIEWER",
    });
  });

  it("sets httpOnly, SameSite=Strict cookies, Secure except on http://localhost", async () => {
    const { email, password } = await c.createOperator("VIEWER");
    const { createConsoleContext } = await import("../../trpc");
    const { createCaller } = await import("../../root");
    for (const [url, secure] of [
      ["http://localhost:3000/api/trpc", false],
      ["https://console.example.com/api/trpc", true],
      ["http://console.example.com/api/trpc", true],
    ] as const) {
      const cookies: string[] = [];
      const context = await createConsoleContext({
        services: c.services,
        cookieHeader: `${CSRF_COOKIE}=abc`,
        csrfHeader: "abc",
        requestUrl: url,
        forwardedProto: null,
        setCookie: (cookie) => cookies.push(cookie),
      });
      await createCaller(context).auth.signIn({ email, password });
      const session = cookies.find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`)) ?? "";
      expect(session).toContain("HttpOnly");
      expect(session).toContain("SameSite=Strict");
      expect(session.includes("Secure")).toBe(secure);
      const csrf = cookies.find((cookie) => cookie.startsWith(`${CSRF_COOKIE}=`)) ?? "";
      expect(csrf).not.toContain("HttpOnly");
      expect(csrf).toContain("SameSite=Strict");
    }
  });

  it("refuses a wrong password and an unknown email with the same message", async () => {
    const { email } = await c.createOperator("OPERATOR");
    const api = await c.browser().api();
    await expect(api.auth.signIn({ email, password: "wrong password!" })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "Wrong email or password.",
    });
    await expect(
      api.auth.signIn({ email: "nobody@example.com", password: "whatever12345" }),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED", message: "Wrong email or password." });
    expect(await auditActions()).toEqual(expect.arrayContaining(["auth.sign_in_failed"]));
  });

  it("locks the account for 15 minutes after 5 failures, even with the right password", async () => {
    const { email, password } = await c.createOperator("OPERATOR");
    const api = await c.browser().api();
    for (let attempt = 1; attempt <= 4; attempt++) {
      await expect(api.auth.signIn({ email, password: `wrong-${attempt}-password` })).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    }
    await expect(api.auth.signIn({ email, password: "wrong-5-password" })).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
    });
    await expect(api.auth.signIn({ email, password })).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
    const stored = await c.services.operators.findCredentialsByEmail(email);
    expect(stored?.lockedUntil?.getTime()).toBe(c.clock.now.getTime() + 15 * 60_000);
    expect(await auditActions()).toEqual(
      expect.arrayContaining(["auth.locked", "auth.sign_in_refused_locked"]),
    );

    const later = c.clock.now;
    try {
      c.clock.now = new Date(later.getTime() + 15 * 60_000 + 1);
      await expect(api.auth.signIn({ email, password })).resolves.toMatchObject({ email });
    } finally {
      c.clock.now = later;
    }
  });

  it("signs out: the session is revoked server-side, not just forgotten by the browser", async () => {
    const browser = await c.signedIn("VIEWER");
    const token = browser.cookies.get(SESSION_COOKIE);
    await (await browser.api()).auth.signOut();
    expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
    browser.cookies.set(SESSION_COOKIE, token ?? "");
    expect(await (await browser.api()).auth.me()).toBeNull();
    await expect((await browser.api()).payments.list({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("CSRF", () => {
  it("refuses a mutation without the header, with a header not matching the cookie, or not the session's", async () => {
    const { email, password } = await c.createOperator("OPERATOR");
    const browser = c.browser();
    await expect((await browser.api({ csrf: false })).auth.signIn({ email, password })).rejects.toMatchObject(
      {
        code: "FORBIDDEN",
        message: "Missing or invalid CSRF token.",
      },
    );
    await (await browser.api()).auth.signIn({ email, password });
    await expect((await browser.api({ csrf: false })).auth.signOut()).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect((await browser.api({ csrf: "forged" })).auth.signOut()).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    // The cookie and header agree but are not the token issued with this session (e.g. planted before sign-in).
    browser.cookies.set(CSRF_COOKIE, "planted-token");
    await expect((await browser.api()).auth.signOut()).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("lets queries through without the header (they change nothing)", async () => {
    const browser = await c.signedIn("VIEWER");
    await expect((await browser.api({ csrf: false })).payments.list({})).resolves.toMatchObject({
      payments: [],
    });
  });
});

describe("roles", () => {
  it("needs a session for every read", async () => {
    const api = await c.browser().api();
    await expect(api.payments.list({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(api.reviews.queue()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(api.audit.list({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("a viewer reads but may not refund or decide reviews (FORBIDDEN, nothing written)", async () => {
    const viewer = await c.signedIn("VIEWER");
    const api = await viewer.api();
    await expect(api.reviews.queue()).resolves.toEqual([]);
    const input = {
      paymentId: "pay_01JZZZZZZZZZZZZZZZZZZZZZZZ",
      reason: "test",
      idempotencyKey: "viewer-key-1",
    };
    await expect(api.payments.refund(input)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      api.reviews.approve({ paymentId: input.paymentId, note: "ok", idempotencyKey: "viewer-key-2" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await c.t.countRows("refunds")).toBe(0);
  });
});

describe("over HTTP (the Next route handler's adapter)", () => {
  it("answers domain and input errors with their code and a readable message in data", async () => {
    const { fetchRequestHandler } = await import("@trpc/server/adapters/fetch");
    const { appRouter } = await import("../../root");
    const { createConsoleContext } = await import("../../trpc");
    const browser = await c.signedIn("VIEWER");
    const cookieHeader = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const call = (path: string) =>
      fetchRequestHandler({
        endpoint: "/api/trpc",
        req: new Request(`http://localhost:3000/api/trpc/${path}`, { headers: { cookie: cookieHeader } }),
        router: appRouter,
        createContext: ({ req }) =>
          createConsoleContext({
            services: c.services,
            cookieHeader: req.headers.get("cookie"),
            csrfHeader: null,
            requestUrl: req.url,
            forwardedProto: null,
            setCookie: () => {},
          }),
      });
    const badAmount = await call(
      `payments.list?input=${encodeURIComponent(JSON.stringify({ amountMin: "1" }))}`,
    );
    expect(badAmount.status).toBe(400);
    expect((await badAmount.json()).error).toMatchObject({
      message: "Pick a currency to filter by amount.",
      data: { code: "BAD_REQUEST", domainCode: "INVALID_INPUT", field: ["amountMin"] },
    });
    const badCursor = await call(`payments.list?input=${encodeURIComponent(JSON.stringify({ after: "x" }))}`);
    expect((await badCursor.json()).error.data).toMatchObject({ domainCode: "INVALID_INPUT" });
    const body = JSON.stringify(await (await call(`payments.list?input=${encodeURIComponent("{}")}`)).json());
    expect(body).toContain('"payments"');
    const invalid = await (await call(`payments.list?input=${encodeURIComponent('{"first":0}')}`)).json();
    expect(invalid.error.message).toBe("first: Too small: expected number to be >=1");
  });
});
