// Runs the operator CLI against a test's database, with the environment given: `runCli` as a child process
// (`npm run cli -- …`, as a person would: it proves the binary starts, exits with the command's code and prints
// to its own streams), `runCliInProcess` through the same program in this process with its output captured
// (what the CLI suites use for most commands: a tsx start costs seconds, more on a loaded machine).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runCliCommand } from "../cli-program";

const API_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What a child process gets besides the variables given: the CLI logs warnings only. */
const CLI_DEFAULT_ENV = { NODE_ENV: "development", LOG_LEVEL: "warn" };

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
      cwd: API_ROOT,
      // The child gets PATH and nothing else of this process's environment.
      env: { PATH: process.env.PATH, ...CLI_DEFAULT_ENV, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * One command line through the CLI's program in this process, with only the environment given (nothing of
 * this process's): the same commands, output and exit code as `runCli`, without starting a process.
 */
export async function runCliInProcess(args: string[], env: Record<string, string>): Promise<CliResult> {
  const result: CliResult = { code: 0, stdout: "", stderr: "" };
  await runCliCommand(args, {
    env: { ...CLI_DEFAULT_ENV, ...env },
    writeOut: (text) => {
      result.stdout += text;
    },
    writeErr: (text) => {
      result.stderr += text;
    },
    setExitCode: (code) => {
      result.code = code;
    },
  });
  return result;
}
