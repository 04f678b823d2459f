import { readSandboxEnv } from "./env";
import { startSandbox } from "./sandbox-server";

const env = readSandboxEnv();
const sandbox = await startSandbox({
  port: env.port,
  host: env.host,
  seed: env.seed,
  hangMs: env.hangMs,
  settlementDir: env.settlementDir,
  ...(env.reportScheduleMs === undefined ? {} : { reportScheduleMs: env.reportScheduleMs }),
  webhooks: { stripe: env.stripeWebhook, adyen: env.adyenWebhook },
  bankWebhook: env.bankWebhook,
  ...(env.bankWebhook ? { bankRails: { webhook: env.bankWebhook } } : {}),
  log: (line) => console.error(`[psp-sandbox] ${line}`),
  metricsToken: env.metricsToken ?? null,
});
// Tests that start this as a child process wait for this exact line to learn the URL.
console.log(`psp-sandbox listening on ${sandbox.url}`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void sandbox.stop().then(() => process.exit(0));
};
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, stop);
// Started by `npm start` with an IPC channel: readiness goes to the parent, and the channel closing means the
// parent is gone (even killed with SIGKILL), so this process stops rather than outlive it.
if (process.send) {
  process.send({ type: "ready", url: sandbox.url });
  process.once("disconnect", stop);
}
