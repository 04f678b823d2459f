// Runs the operator CLI (`npm run cli -- …`) as a child process, as a person would, with the environment given
// (plus PATH): the CLI suites use it to show what a command prints, exits with and writes.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const API_ROOT = fileURLToPath(new URL("../..", import.meta.url));

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
      env: { PATH: process.env.PATH, NODE_ENV: "development", LOG_LEVEL: "warn", ...env },
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
