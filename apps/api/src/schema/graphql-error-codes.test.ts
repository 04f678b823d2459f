// Goal: every error code the API's source raises is listed once, in the core's ERROR_TABLE (payload errors) or
// in GRAPHQL_ERROR_TABLE (transport errors), never in both, and PSP_UNAVAILABLE is raised nowhere; and every code
// of both tables is in the docs a merchant or operator reads (a code they meet must be one they can look up).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ERROR_TABLE } from "@paycore/core/errors/domain-error";
import { describe, expect, it } from "vitest";
import { GRAPHQL_ERROR_TABLE } from "./graphql-error-codes";

const SOURCE_ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Far above the API's source file count; a bound on the walk. */
const SOURCE_FILES_MAX = 2_000;

function sourceFiles(): string[] {
  const files = readdirSync(SOURCE_ROOT, { recursive: true, encoding: "utf8" })
    .filter((path) => path.endsWith(".ts") && !/\.(test|integration-test)\.ts$/.test(path))
    .filter((path) => !path.split(/[\\/]/).includes("testing"));
  expect(files.length).toBeLessThan(SOURCE_FILES_MAX);
  return files.map((path) => join(SOURCE_ROOT, path));
}

/** `code: "X"` literals and the first argument of the helpers that build coded errors. */
const RAISED_CODE = /(?:\bcode: |\b(?:limitError|inputError|armorRule)\()"([A-Z][A-Z_]+)"/g;

function raisedCodes(): Set<string> {
  const codes = new Set<string>();
  for (const file of sourceFiles()) {
    for (const match of readFileSync(file, "utf8").matchAll(RAISED_CODE)) codes.add(match[1] as string);
  }
  return codes;
}

describe("the tables of error codes", () => {
  const raised = [...raisedCodes()].sort();

  it("finds the codes the API raises (the scan works)", () => {
    expect(raised).toEqual(expect.arrayContaining(["RATE_LIMITED", "QUERY_TIMEOUT", "AMOUNT_INVALID"]));
  });

  it.each(raised.map((code) => [code]))("%s is in one of the two tables", (code) => {
    expect(code in ERROR_TABLE || code in GRAPHQL_ERROR_TABLE).toBe(true);
  });

  it.each(Object.keys(GRAPHQL_ERROR_TABLE).map((code) => [code]))(
    "%s is not also a UserError code",
    (code) => {
      expect(code in ERROR_TABLE).toBe(false);
    },
  );

  const DOCS = fileURLToPath(new URL("../../../../docs/", import.meta.url));
  const documented = ["api.md", "operations.md"]
    .map((file) => readFileSync(join(DOCS, file), "utf8"))
    .join("\n");
  it.each([...Object.keys(ERROR_TABLE), ...Object.keys(GRAPHQL_ERROR_TABLE)].map((code) => [code]))(
    "%s is documented in docs/api.md or docs/operations.md",
    (code) => {
      expect(documented).toContain(`\`${code}\``);
    },
  );

  it("PSP_UNAVAILABLE, split into three codes, is raised nowhere", () => {
    expect(raised).not.toContain("PSP_UNAVAILABLE");
  });
});
