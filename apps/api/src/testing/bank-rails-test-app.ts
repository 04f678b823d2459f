// The setup of the suites that pay out through the bank rails sandbox over HTTP (payouts, sanctions, onboarding):
// the sandbox on a free port (bank notifications sent only when a test asks), a listening test app calling its
// bank API without retry delays, the bank's webhooks pointed at the app, and captured funds released at once.
import { type SandboxHandle, type SandboxOptions, startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { createTestApp, type TestApp } from "./test-app";

type TestAppOptions = NonNullable<Parameters<typeof createTestApp>[0]>;

export async function createBankRailsTestApp(options: {
  sandbox?: Omit<SandboxOptions, "port" | "bankRails">;
  /** More options of the test app (`listen` and `bankRails` are set here). */
  app?: Omit<TestAppOptions, "listen" | "bankRails">;
  webhookSecret: string;
  bankTimeoutMs: number;
  /** The PSPs whose captures are available at once (no settlement delay). */
  instantSettlement?: readonly string[];
}): Promise<{ sandbox: SandboxHandle; t: TestApp }> {
  const sandbox = await startSandbox({ port: 0, ...options.sandbox, bankRails: { autoDeliverMs: 0 } });
  try {
    const t = await createTestApp({
      ...options.app,
      listen: true,
      bankRails: {
        baseUrl: `${sandbox.url}/bank/v1`,
        apiKey: "bank_test_sandbox",
        webhookSecret: options.webhookSecret,
        timeoutMs: options.bankTimeoutMs,
        retryFirstMs: 0,
      },
    });
    sandbox.bank.configure({ url: `${t.url}/webhooks/bank`, secret: options.webhookSecret });
    await t.app.sql.execute(
      `INSERT INTO psp_settlement_delays (psp_name, delay_seconds) SELECT unnest($1::text[]), 0
       ON CONFLICT (psp_name) DO UPDATE SET delay_seconds = 0`,
      [options.instantSettlement ?? ["sandbox"]],
    );
    return { sandbox, t };
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
}
