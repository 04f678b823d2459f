// Goal (issue 22): in the console, erasing a customer's personal data is an admin's request that a second operator
// approves (the four-eyes approvals the workbench uses): the request stores no address, nothing is erased until
// the approval, the requester cannot approve it, and the approval erases the customer's e-mail and IP in its own
// transaction, audited, while the other customer, the amounts and the ledger stay.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SeededMerchant, seedMerchant, seedPayment } from "../../../testing/seed";
import { type Browser, createTestConsole, type TestConsole } from "../../../testing/test-console";

let c: TestConsole;
let acme: SeededMerchant;
let admin: Browser;
let operator: Browser;
let ada = "";
let grace = "";

const stored = async (paymentId: string) => {
  const [row] = await c.t.app.sql.query<{ customer_email: string | null; ip_address: string | null }>(
    `SELECT customer_email, ip_address FROM payments WHERE id = $1`,
    [paymentId],
  );
  return row;
};

beforeAll(async () => {
  c = await createTestConsole();
  acme = await seedMerchant(c.t.app, "Acme");
  admin = await c.signedIn("ADMIN");
  operator = await c.signedIn("OPERATOR");
  ada = (await seedPayment(c.t.app, acme, { greyZone: false, email: "ada@example.test" })).id;
  grace = (await seedPayment(c.t.app, acme, { email: "grace@example.test" })).id;
});
afterAll(async () => {
  await c?.close();
});

describe("customers.requestErasure", () => {
  it("is for admins only", async () => {
    await expect(
      (await operator.api()).customers.requestErasure({
        merchantId: acme.id,
        email: "ada@example.test",
        reason: "ticket 7",
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("waits for a second operator, then erases in the approving transaction", async () => {
    const request = await (await admin.api()).customers.requestErasure({
      merchantId: acme.id,
      email: "ADA@example.test",
      reason: "ticket 7",
    });
    expect(request.status).toBe("PENDING");
    const [approval] = await c.t.app.sql.query<{ payload: Record<string, unknown> }>(
      `SELECT payload FROM approval_requests WHERE id = $1`,
      [request.approvalId],
    );
    expect(JSON.stringify(approval?.payload)).not.toContain("ada");
    expect((await stored(ada))?.customer_email).toMatch(/^pii1:/);

    await expect(
      (await admin.api()).ledger.approve({ id: request.approvalId, note: "my own" }),
    ).rejects.toBeDefined();
    expect((await stored(ada))?.customer_email).toMatch(/^pii1:/);

    const overview = await (await operator.api()).ledger.overview();
    expect(overview.pendingApprovals.find((p) => p.id === request.approvalId)?.summary).toContain(
      "erase a customer's personal data",
    );
    const approved = await (await operator.api()).ledger.approve({ id: request.approvalId, note: "checked" });
    expect(approved.status).toBe("APPROVED");
    expect(await stored(ada)).toEqual({ customer_email: null, ip_address: null });
    expect((await stored(grace))?.customer_email).toMatch(/^pii1:/);
    const audit = await c.t.app.sql.query<{ after: Record<string, unknown> }>(
      `SELECT after FROM operator_audit_log WHERE action = 'customer.erase' AND target_id = $1`,
      [acme.id],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]?.after).toMatchObject({ payments: 1, reason: "ticket 7" });
    await c.t.expectLedgerBalanced();
  });
});
