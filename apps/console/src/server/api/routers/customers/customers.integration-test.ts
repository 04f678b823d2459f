// Goal (issue 22): in the console, erasing a customer's personal data is an admin's request that a second admin
// approves (the four-eyes approvals the workbench uses): the request stores no address, nothing is erased until
// the approval, neither the requester nor an operator who is no admin can approve it (the server refuses it), and
// the approval erases the customer's e-mail and IP in its own transaction, audited with the approving admin, while
// the other customer, the amounts and the ledger stay.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SeededMerchant, seedMerchant, seedPayment } from "../../../testing/seed";
import { type Browser, createTestConsole, type TestConsole } from "../../../testing/test-console";

let c: TestConsole;
let acme: SeededMerchant;
let admin: Browser;
let operator: Browser;
let secondAdmin: Browser;
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
  secondAdmin = await c.signedIn("ADMIN");
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

  it("waits for a second admin, then erases in the approving transaction", async () => {
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
    expect(overview.pendingApprovals.find((p) => p.id === request.approvalId)?.adminOnly).toBe(true);
    // An operator who is no admin is refused by the procedure itself, and nothing is erased or audited.
    await expect(
      (await operator.api()).ledger.approve({ id: request.approvalId, note: "checked" }),
    ).rejects.toMatchObject({ cause: { code: "APPROVAL_ADMIN_REQUIRED" } });
    expect((await stored(ada))?.customer_email).toMatch(/^pii1:/);
    const [still] = await c.t.app.sql.query<{ status: string }>(
      `SELECT status FROM approval_requests WHERE id = $1`,
      [request.approvalId],
    );
    expect(still?.status).toBe("PENDING");

    const approved = await (await secondAdmin.api()).ledger.approve({
      id: request.approvalId,
      note: "checked",
    });
    expect(approved.status).toBe("APPROVED");
    expect(await stored(ada)).toEqual({ customer_email: null, ip_address: null });
    expect((await stored(grace))?.customer_email).toMatch(/^pii1:/);
    const audit = await c.t.app.sql.query<{ after: Record<string, unknown> }>(
      `SELECT after FROM operator_audit_log WHERE action = 'customer.erase' AND target_id = $1`,
      [acme.id],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]?.after).toMatchObject({ payments: 1, reason: "ticket 7" });
    const decisions = await c.t.app.sql.query<{ action: string; after: Record<string, unknown> }>(
      `SELECT action, after FROM operator_audit_log WHERE target_id = $1 AND action LIKE 'approval.%'
        ORDER BY id`,
      [request.approvalId],
    );
    // The refused attempt left no row; the approval's row names the admin who gave it.
    expect(decisions.map((row) => row.action)).toEqual(["approval.requested", "approval.approved"]);
    expect(decisions[1]?.after).toMatchObject({ approverRole: "ADMIN", kind: "customer.erase" });
    await c.t.expectLedgerBalanced();
  });
});
