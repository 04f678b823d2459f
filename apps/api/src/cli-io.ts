// What one run of the operator CLI reads and writes: its environment, its two output streams and its exit
// code. `cli.ts` hands it the process's own; the CLI suites hand it buffers, to run many commands in one process.

export interface CliIo {
  /** The variables the command reads (DATABASE_URL, the vault's keys, PSP secrets, …). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Writes text as is to standard output (commander's help included). */
  writeOut(text: string): void;
  /** Writes text as is to standard error (commander's usage errors included). */
  writeErr(text: string): void;
  /** The exit code the run ends with, unless a later call changes it. */
  setExitCode(code: number): void;
}

/** Writes one line to the run's standard output (what console.log did). */
export function outLine(io: CliIo, line: string): void {
  io.writeOut(`${line}\n`);
}

/** Writes one line to the run's standard error (what console.error did). */
export function errLine(io: CliIo, line: string): void {
  io.writeErr(`${line}\n`);
}
