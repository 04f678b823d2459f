// Plain-text tables for the terminal (and Markdown-compatible, so they paste into docs/benchmarks.md).

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((row) => row.map((cell) => String(cell)));
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...cells.map((row) => (row[i] ?? "").length)),
  );
  const numeric = headers.map((_, i) =>
    cells.every((row) => /^[-+]?[\d.,]+\s*(%|x|ms|MB)?$|^-$/.test(row[i] ?? "")),
  );
  const line = (row: string[]) =>
    `| ${row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(headers), rule, ...cells.map(line)].join("\n");
}

export const fmt = {
  rate: (n: number) => (n >= 100 ? Math.round(n).toString() : n.toFixed(1)),
  ms: (n: number) => (n >= 100 ? Math.round(n).toString() : n.toFixed(1)),
  pct: (n: number) => `${Math.round(n)}%`,
  mb: (n: number) => Math.round(n).toString(),
  ratio: (n: number) => `${n.toFixed(2)}x`,
  kb: (bytes: number) => (bytes / 1024).toFixed(1),
};

const started = Date.now();

function clock(): string {
  const elapsed = Math.round((Date.now() - started) / 1000);
  return `${Math.floor(elapsed / 60)}:${String(elapsed % 60).padStart(2, "0")}`;
}

/** A section title, with the time since the run started. */
export function heading(text: string): void {
  console.log(`\n== ${text}  [${clock()}]`);
}

/** A line of progress, with the time since the run started. */
export function progress(text: string): void {
  console.log(`[${clock()}] ${text}`);
}
