// Goal: the console's tRPC endpoint runs one procedure per request. The campaign against a production instance
// (2026-12-07) sent `auth.signIn,auth.signIn,…?batch=1`: twenty password checks from one request, all run at
// once. Batches are refused before any procedure runs; a single call still works.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestConsole, type TestConsole } from "../../../../server/testing/test-console";
import { GET, POST } from "./route";

let c: TestConsole;
let previous: unknown;
const holder = globalThis as { paycoreConsoleServices?: unknown };

beforeAll(async () => {
  c = await createTestConsole();
  previous = holder.paycoreConsoleServices;
  // The route reads the process's console services, as Next's route handler does.
  holder.paycoreConsoleServices = c.services;
});
afterAll(async () => {
  holder.paycoreConsoleServices = previous;
  await c?.close();
});

function signInBatch(email: string, count: number): Request {
  const body = Object.fromEntries(
    Array.from({ length: count }, (_, index) => [String(index), { email, password: `guess-${index}` }]),
  );
  return new Request(`http://localhost:3000/api/trpc/${Array(count).fill("auth.signIn").join(",")}?batch=1`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: "paycore_csrf=t", "x-csrf-token": "t" },
    body: JSON.stringify(body),
  });
}

describe("/api/trpc", () => {
  it.each([2, 20])("refuses a batch of %i sign-ins before checking any password", async (count) => {
    const { email } = await c.createOperator("OPERATOR");
    const response = await POST(signInBatch(email, count));
    expect(response.status).toBe(400);
    const checked = await c.t.app.db.$queryRaw<Array<{ count: bigint }>>`
      SELECT count(*) FROM operator_audit_log WHERE action LIKE 'auth.%' AND after->>'email' = ${email}`;
    expect(Number(checked[0]?.count)).toBe(0);
  });

  it("refuses a batch of queries too, and answers a single one", async () => {
    const batch = await GET(
      new Request("http://localhost:3000/api/trpc/auth.me,auth.me?batch=1&input=%7B%7D"),
    );
    expect(batch.status).toBe(400);
    const single = await GET(new Request("http://localhost:3000/api/trpc/auth.me"));
    expect(single.status).toBe(200);
    expect(await single.json()).toEqual({ result: { data: null } });
  });
});
