// Goal: operators sign in with email and password (argon2id), get an httpOnly
// SameSite=Strict session and a CSRF token, are slowed down (never locked out)
// after repeated failures without the answers revealing which emails exist,
// can sign out, and can only do what their role allows; every mutation without
// the CSRF header is refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSRF_COOKIE, SESSION_COOKIE } from "../../../auth/cookies";
import { DEFAULT_CONSOLE_SETTINGS } from "../../../services";
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
    expect(result).toEqual({ email: "alice@example.com", role: "VIEWER", stage: "ready" });
    expect(browser.cookies.get(SESSION_COOKIE)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(browser.cookies.get(CSRF_COOKIE)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await (await browser.api()).auth.me()).toMatchObject({
      email: "alice@example.com",
      role: "VIEWER",
    });
  });

  it("sets httpOnly, SameSite=Strict cookies, Secure except on http://localhost (unless always)", async () => {
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
        forwardedFor: "127.0.0.1",
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

  it.each([
    ["a wrong password", "wrong"],
    ["an unknown email", "unknown"],
    ["a disabled account (right password)", "disabled"],
  ] as const)("refuses %s with the same status and message", async (_name, kind) => {
    const { email, password } = await c.createOperator("OPERATOR");
    if (kind === "disabled") {
      await c.t.app.db.$executeRaw`UPDATE operators SET disabled_at = now() WHERE email = ${email}`;
    }
    const attempt =
      kind === "wrong"
        ? { email, password: "wrong password!" }
        : kind === "unknown"
          ? { email: `nobody-${email}`, password: "whatever12345" }
          : { email, password };
    const api = await c.browser({ ip: `198.51.100.${kind.length}` }).api();
    await expect(api.auth.signIn(attempt)).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "Wrong email or password.",
    });
    expect(await auditActions()).toEqual(expect.arrayContaining(["auth.sign_in_failed"]));
  });

  it("throttles an email from one address with growing delays, never locking the account elsewhere", async () => {
    const { email, password } = await c.createOperator("OPERATOR");
    const attacker = await c.browser({ ip: "203.0.113.7" }).api();
    const fail = () => attacker.auth.signIn({ email, password: "not-the-password" });
    for (let attempt = 1; attempt <= 5; attempt++) {
      await expect(fail()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    }
    await expect(fail()).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: "Too many failed sign-ins. Try again in 1 s.",
    });
    // Blocked means blocked, even with the right password, and a blocked try is not counted.
    await expect(attacker.auth.signIn({ email, password })).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
    });
    // The owner, elsewhere, signs in: no lock anyone can trigger.
    await expect(
      (await c.browser({ ip: "192.0.2.10" }).api()).auth.signIn({ email, password }),
    ).resolves.toEqual({ email, role: "OPERATOR", stage: "ready" });

    const start = c.clock.now;
    try {
      for (const [advanceMs, expected] of [
        [1_001, "2 s"],
        [2_001, "4 s"],
        [4_001, "8 s"],
      ] as const) {
        c.clock.now = new Date(c.clock.now.getTime() + advanceMs);
        await expect(fail()).rejects.toMatchObject({
          code: "TOO_MANY_REQUESTS",
          message: `Too many failed sign-ins. Try again in ${expected}.`,
        });
      }
      c.clock.now = new Date(c.clock.now.getTime() + 8_001);
      await expect(attacker.auth.signIn({ email, password })).resolves.toMatchObject({ email });
      // Success from there forgets the failures: the next mistake is free again.
      await expect(fail()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    } finally {
      c.clock.now = start;
    }
    expect(await auditActions()).toEqual(expect.arrayContaining(["auth.sign_in_throttled"]));
  });

  // Campaign 2026-12-07: 20 wrong passwords sent at once (one batched request) were all checked and counted,
  // where 5 are free: each passed the block check before the first failure was recorded.
  it("checks parallel attempts for one email and address one at a time, so the throttle still counts", async () => {
    const { email, password } = await c.createOperator("OPERATOR");
    const api = await c.browser({ ip: "203.0.113.150" }).api();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        api.auth.signIn({ email, password: `guess-${index}` }).then(
          () => "signed in",
          (error: { code: string }) => error.code,
        ),
      ),
    );
    expect(answers).not.toContain("signed in");
    const checked = await c.t.app.db.$queryRaw<Array<{ count: bigint }>>`
      SELECT count(*) FROM operator_audit_log
       WHERE action IN ('auth.sign_in_failed', 'auth.sign_in_throttled') AND after->>'email' = ${email}`;
    // Only what was checked is audited: at most one check was running when the others arrived.
    expect(Number(checked[0]?.count)).toBeLessThanOrEqual(1);
    expect(answers.filter((code) => code === "TOO_MANY_REQUESTS").length).toBeGreaterThanOrEqual(19);
    // Nothing is left held: the owner, from elsewhere, signs in.
    await expect(
      (await c.browser({ ip: "192.0.2.150" }).api()).auth.signIn({ email, password }),
    ).resolves.toEqual({ email, role: "OPERATOR", stage: "ready" });
  });

  it("throttles an unknown email exactly like a known one", async () => {
    const { email } = await c.createOperator("VIEWER");
    const answers = async (typed: string, ip: string) => {
      const api = await c.browser({ ip }).api();
      const seen: string[] = [];
      for (let attempt = 1; attempt <= 7; attempt++) {
        const error = await api.auth.signIn({ email: typed, password: "not-the-password" }).catch((e) => e);
        seen.push(`${error.code} ${error.message}`);
      }
      return seen;
    };
    const known = await answers(email, "203.0.113.20");
    expect(known.at(-1)).toBe("TOO_MANY_REQUESTS Too many failed sign-ins. Try again in 1 s.");
    expect(await answers(`ghost-${email}`, "203.0.113.21")).toEqual(known);
  });

  it("throttles an address that tries many emails (an IPv6 /64 as one address)", async () => {
    const strict = await createTestConsole({
      settings: {
        signInThrottle: {
          ...DEFAULT_CONSOLE_SETTINGS.signInThrottle,
          ip: { freeFailures: 3, delayBaseMs: 1_000, delayMaxMs: 60_000 },
        },
      },
    });
    try {
      const api = await strict.browser({ ip: "2001:db8:1:2::99" }).api();
      const emails = ["a@example.com", "b@example.com", "c@example.com"];
      for (const email of emails) {
        await expect(api.auth.signIn({ email, password: "guess-guess-guess" })).rejects.toMatchObject({
          code: "UNAUTHORIZED",
        });
      }
      await expect(
        api.auth.signIn({ email: "d@example.com", password: "guess-guess-guess" }),
      ).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
      // Another address in the same IPv6 /64 is the same client.
      const neighbour = await strict.browser({ ip: "2001:db8:1:2::1" }).api();
      await expect(neighbour.auth.signIn({ email: "e@example.com", password: "x" })).rejects.toMatchObject({
        code: "TOO_MANY_REQUESTS",
      });
    } finally {
      await strict.close();
    }
  });

  it("shows admins which operator accounts are being throttled, and only admins", async () => {
    const { email: victim } = await c.createOperator("OPERATOR");
    const attacker = await c.browser({ ip: "203.0.113.99" }).api();
    for (let attempt = 1; attempt <= 6; attempt++) {
      await attacker.auth.signIn({ email: victim, password: "not-the-password" }).catch(() => null);
    }
    // Throttled unknown emails are not operators: the list names only real accounts.
    for (let attempt = 1; attempt <= 6; attempt++) {
      await attacker.auth.signIn({ email: "ghost@example.com", password: "nope-nope" }).catch(() => null);
    }
    const admin = await c.signedIn("ADMIN");
    const throttled = await (await admin.api()).auth.throttledAccounts();
    expect(throttled).toContainEqual(
      expect.objectContaining({ email: victim, ip: "203.0.113.99", failures: 6 }),
    );
    expect(throttled.map((row) => row.email)).not.toContain("ghost@example.com");
    const viewer = await c.signedIn("VIEWER");
    await expect((await viewer.api()).auth.throttledAccounts()).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("ends a session left unused for 30 minutes, while use keeps it alive until its absolute expiry", async () => {
    const browser = await c.signedIn("VIEWER");
    const start = c.clock.now;
    const at = async (minutes: number) => {
      c.clock.now = new Date(start.getTime() + minutes * 60_000);
      return (await browser.api()).auth.me();
    };
    try {
      // Used every 29 minutes: alive for hours.
      for (const minutes of [29, 58, 87, 116]) expect(await at(minutes), `${minutes} min`).not.toBeNull();
      // Then 30 minutes without a request: gone.
      expect(await at(146)).toBeNull();

      const busy = await c.signedIn("VIEWER");
      const touch = async (minutes: number) => {
        c.clock.now = new Date(start.getTime() + minutes * 60_000);
        return (await busy.api()).auth.me();
      };
      // Busy all along, it still ends at the 12-hour absolute expiry (signed in at minute 146).
      for (let minutes = 146 + 20; minutes < 146 + 12 * 60; minutes += 20) {
        expect(await touch(minutes), `${minutes} min`).not.toBeNull();
      }
      expect(await touch(146 + 12 * 60)).toBeNull();
    } finally {
      c.clock.now = start;
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
      amount: "1.00",
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
            forwardedFor: "127.0.0.1",
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
