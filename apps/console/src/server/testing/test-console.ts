// The console's integration-test harness: the shared runtime's test harness (its
// own cloned database, the in-process sandbox PSP) with the console's services on top, and
// "browsers" that keep cookies and call the routers the way the Next route
// handler does, CSRF header included (or not).

import { randomBytes } from "node:crypto";
import { generateKeyMaterial, parseKeyring } from "@paycore/core/vault/card-vault";
import type { OperatorRole } from "@paycore/db/repositories/operator.repository";
import {
  createTestRuntime,
  type TestRuntime,
  type TestRuntimeOptions,
} from "@paycore/platform/testing/test-runtime";
import pino from "pino";
import { createCaller } from "../api/root";
import { createConsoleContext } from "../api/trpc";
import { CSRF_COOKIE, parseCookies } from "../auth/cookies";
import { encryptTotpSecret, newTotpSecret, totpCode } from "../auth/totp";
import {
  type ConsoleServices,
  type ConsoleSettings,
  createConsoleServices,
  DEFAULT_CONSOLE_SETTINGS,
} from "../services";

export interface Browser {
  cookies: Map<string, string>;
  /** Calls the routers with this browser's cookies; `csrf: false` leaves the CSRF header out. */
  api(options?: { csrf?: boolean | string }): Promise<ReturnType<typeof createCaller>>;
}

export interface TestConsole {
  t: TestRuntime;
  services: ConsoleServices;
  clock: { now: Date };
  /** A browser at `ip` (as Next's server would put in X-Forwarded-For), 127.0.0.1 unless given. */
  browser(options?: { ip?: string }): Browser;
  createOperator(role: OperatorRole, email?: string): Promise<{ email: string; password: string }>;
  /** Turns TOTP on for an operator (as a confirmed enrolment would) and returns the secret. */
  enableTotp(email: string): Promise<string>;
  /** A browser signed in as a new operator; admins get TOTP on and pass the second step. */
  signedIn(role: OperatorRole): Promise<Browser>;
  close(): Promise<void>;
}

export async function createTestConsole(
  options: { settings?: Partial<ConsoleSettings>; runtime?: TestRuntimeOptions } = {},
): Promise<TestConsole> {
  const t = await createTestRuntime(options.runtime);
  const clock = { now: new Date() };
  const services = createConsoleServices(
    t.app,
    parseKeyring({
      encryptionKeys: `1:${generateKeyMaterial()}`,
      fingerprintKey: randomBytes(32).toString("base64"),
    }),
    pino({ level: "silent" }),
    { ...DEFAULT_CONSOLE_SETTINGS, ...options.settings },
    () => clock.now,
  );
  let operatorCount = 0;

  const browser = (options: { ip?: string } = {}): Browser => {
    const cookies = new Map<string, string>();
    // A page makes its own double-submit token before signing in.
    cookies.set(CSRF_COOKIE, `pre-session-${Math.random().toString(36).slice(2)}`);
    return {
      cookies,
      async api(apiOptions = {}) {
        const csrf = apiOptions.csrf ?? true;
        const context = await createConsoleContext({
          services,
          cookieHeader: [...cookies]
            .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
            .join("; "),
          csrfHeader: csrf === true ? (cookies.get(CSRF_COOKIE) ?? null) : csrf === false ? null : csrf,
          requestUrl: "http://localhost:3000/api/trpc",
          forwardedProto: null,
          forwardedFor: options.ip ?? "127.0.0.1",
          setCookie: (cookie) => {
            const [pair = "", ...attributes] = cookie.split("; ");
            const [name, value] = Object.entries(parseCookies(pair))[0] ?? [];
            if (!name) return;
            if (attributes.includes("Max-Age=0")) cookies.delete(name);
            else cookies.set(name, value ?? "");
          },
        });
        return createCaller(context);
      },
    };
  };

  const createOperator = async (role: OperatorRole, email?: string) => {
    operatorCount++;
    const address = email ?? `${role.toLowerCase()}${operatorCount}@example.com`;
    const { password } = await services.app.services.operatorCommands.create(
      { operatorId: null, name: "test:console" },
      { email: address, role },
    );
    return { email: address, password };
  };

  const enableTotp = async (email: string) => {
    const operator = await services.operators.findCredentialsByEmail(email);
    if (!operator) throw new Error(`no operator ${email}`);
    const secret = newTotpSecret();
    const secretEncrypted = encryptTotpSecret(services.totpKeyring, secret, operator.id);
    await services.operators.savePendingTotpSecret(operator.id, secretEncrypted);
    await services.operators.enableTotp(
      operator.id,
      { secretEncrypted, timeStep: 0n, now: clock.now, recoveryCodeHashes: [] },
      {
        operatorId: operator.id,
        action: "test.totp_enabled",
        targetType: "operator",
        targetId: operator.id,
        before: null,
        after: null,
      },
    );
    return secret;
  };

  return {
    t,
    services,
    clock,
    browser,
    createOperator,
    enableTotp,
    async signedIn(role) {
      const { email, password } = await createOperator(role);
      const secret = role === "ADMIN" ? await enableTotp(email) : null;
      const b = browser();
      await (await b.api()).auth.signIn({ email, password });
      if (secret) await (await b.api()).auth.verifySecondFactor({ code: totpCode(secret, clock.now) });
      return b;
    },
    close: () => t.close(),
  };
}
