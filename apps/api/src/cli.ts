// Operator CLI: `npm run cli -- merchant create --name "Acme"`. The commands are in cli-program.ts; this file
// runs one command line as a process, over the process's environment, output streams and exit code.
import { processEnvironment } from "@paycore/platform/env";
import { runCliCommand } from "./cli-program";

const completed = await runCliCommand(process.argv.slice(2), {
  env: processEnvironment(),
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
});
// A command that threw may have left a connection or a timer behind: end now rather than wait on it.
if (!completed) process.exit(process.exitCode ?? 1);
