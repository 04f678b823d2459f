// The child processes `npm start` runs (sandbox PSP server, operator console):
// each is spawned with an IPC channel, reports readiness itself with a
// `{ type: "ready" }` message once it serves, and exits when that channel
// closes. The channel closes when this process exits for any reason, SIGKILL
// included, so no child outlives the process that started it.
import { type ChildProcess, spawn } from "node:child_process";
import type { Readable } from "node:stream";

const STOP_TIMEOUT_MS = 5_000;

export interface ReadyMessage {
  type: "ready";
}

export interface RunningChild {
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the child has exited. */
  stop(): Promise<void>;
}

function isReady(message: unknown): message is ReadyMessage {
  return typeof message === "object" && message !== null && (message as { type?: unknown }).type === "ready";
}

/** Spawns `node <args>` and resolves once the child says it is ready; kills it and rejects if it exits or takes too long. */
export function startChildProcess(options: {
  name: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  readyTimeoutMs: number;
  /** Receives the child's stdout; without it the output is dropped. */
  onStdout?: (stdout: Readable) => void;
}): Promise<RunningChild> {
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", options.onStdout ? "pipe" : "ignore", "inherit", "ipc"],
  });
  if (options.onStdout && child.stdout) {
    options.onStdout(child.stdout);
    // The pipe must not keep this process alive on its own (the IPC channel decides who outlives whom).
    (child.stdout as Readable & { unref?: () => void }).unref?.();
  }
  const running: RunningChild = { child, stop: () => stopChild(child) };
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => {
      cleanup();
      child.kill("SIGKILL");
      reject(new Error(`${options.name} ${reason}`));
    };
    const onMessage = (message: unknown) => {
      if (!isReady(message)) return;
      cleanup();
      // Only the readiness message travels on the channel: it stays open so the child notices our exit.
      child.unref();
      child.channel?.unref();
      resolve(running);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`exited before it was ready (${signal ?? `code ${code}`})`);
    const onError = (error: Error) => fail(`could not start: ${error.message}`);
    const timer = setTimeout(
      () => fail(`was not ready within ${options.readyTimeoutMs} ms`),
      options.readyTimeoutMs,
    );
    const cleanup = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      child.off("error", onError);
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
    child.once("error", onError);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
