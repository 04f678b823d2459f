// Signed requests (issue 22): the test vector docs/api.md shows signs, with the API's own code, to the signature
// the page shows, so the documentation and the server cannot drift apart.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { signRequest } from "@paycore/core/merchants/request-signing";
import { describe, expect, it } from "vitest";

const docs = readFileSync(join(import.meta.dirname, "../../../../docs/api.md"), "utf8");

function documented(pattern: RegExp): string {
  const match = pattern.exec(docs);
  if (!match?.[1]) throw new Error(`docs/api.md lacks ${pattern}`);
  return match[1];
}

describe("the documented test vector", () => {
  it("signs to the documented signature", () => {
    const secret = documented(/Secret `(rsk_[A-Za-z0-9_-]+)`/);
    const timestamp = documented(/timestamp `([0-9]+)`/);
    const nonce = documented(/nonce\s+`([A-Za-z0-9_-]{16,64})`/);
    const body = documented(/body `(\{"query":[^`]+\})`/);
    const signature = documented(/X-Paycore-Signature: (v1=[0-9a-f]{64})/);
    expect(signRequest(secret, { method: "POST", pathWithQuery: "/graphql", timestamp, nonce, body })).toBe(
      signature,
    );
  });
});
