// Goal: the console's configuration forces Secure cookies in production whatever CONSOLE_COOKIE_SECURE says,
// and reads the idle timeout and throttle settings with their defaults.
import { describe, expect, it } from "vitest";
import { proxySettings, readConsoleEnv } from "./env";

const base = { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/paycore" };

describe("readConsoleEnv", () => {
  it.each([
    ["development, unset", { NODE_ENV: "development" }, "auto"],
    ["development, always", { NODE_ENV: "development", CONSOLE_COOKIE_SECURE: "always" }, "always"],
    ["production, unset", { NODE_ENV: "production" }, "always"],
    ["production, auto", { NODE_ENV: "production", CONSOLE_COOKIE_SECURE: "auto" }, "always"],
  ])("cookies on %s: %s", (_name, source, expected) => {
    expect(readConsoleEnv({ ...base, ...source }).CONSOLE_COOKIE_SECURE).toBe(expected);
  });

  it("defaults: a 30-minute idle timeout, 5 free failures per email and address, 15-minute longest delay", () => {
    expect(readConsoleEnv(base)).toMatchObject({
      CONSOLE_IDLE_MINUTES: 30,
      CONSOLE_SIGN_IN_FREE_FAILURES: 5,
      CONSOLE_SIGN_IN_DELAY_MAX_MINUTES: 15,
      CONSOLE_TRUSTED_PROXY_HOPS: 0,
    });
  });

  it("names a bad setting without echoing its value", () => {
    expect(() => readConsoleEnv({ ...base, CONSOLE_IDLE_MINUTES: "0" })).toThrow(/CONSOLE_IDLE_MINUTES/);
  });
});

describe("proxySettings", () => {
  it("allows eval only under next dev", () => {
    expect(proxySettings({ NODE_ENV: "development" }).development).toBe(true);
    expect(proxySettings({ NODE_ENV: "production" }).development).toBe(false);
  });
});
