// Goal (issue 22): `customer erase` validates its input once (typed errors, nothing erased), finds the person only
// through the e-mail's blind index, audits the reason and never the address; the console's four-eyes request
// stores the blind index, not the address.
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import type { AuditDraft } from "../ports/audit";
import type { CustomerErasureStore } from "../ports/customer-erasure-store";
import { generateKeyMaterial, parseKeyring } from "../vault/card-vault";
import { createPiiVault } from "../vault/pii-vault";
import { CustomerErasureCommands, requestCustomerErasure } from "./customer-erasure-commands";

const pii = createPiiVault(
  parseKeyring({ encryptionKeys: `1:${generateKeyMaterial()}`, fingerprintKey: generateKeyMaterial() }),
);
const MERCHANT = "mer_01JD5Z3K8Q9W2X4Y6Z7A8B9C0D";
const actor = { operatorId: null, name: "cli:test" };

function recordingStore() {
  const calls: Array<{ merchantId: string; emailIndex: string; audit: AuditDraft }> = [];
  const store: CustomerErasureStore = {
    async eraseCustomer(merchantId, emailIndex, audit) {
      calls.push({ merchantId, emailIndex, audit });
      return { payments: 1, receipts: 1, invoices: 0, checkoutSessions: 0, mails: 1 };
    },
  };
  return { store, calls };
}

describe("CustomerErasureCommands", () => {
  it("erases through the normalised e-mail's blind index and audits the reason, never the address", async () => {
    const { store, calls } = recordingStore();
    const result = await new CustomerErasureCommands({ store, pii }).erase(actor, {
      merchantId: MERCHANT,
      email: " Ada@Example.test ",
      reason: "ticket 42",
    });
    expect(result.payments).toBe(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.emailIndex).toBe(pii.blindIndex("email", "ada@example.test"));
    expect(calls[0]?.audit).toMatchObject({
      action: "customer.erase",
      targetId: MERCHANT,
      after: { reason: "ticket 42" },
    });
    expect(JSON.stringify(calls[0]?.audit)).not.toContain("ada");
  });

  it.each([
    ["a malformed merchant", { merchantId: "acme", email: "a@b.test", reason: "r" }, "merchant"],
    ["a malformed e-mail", { merchantId: MERCHANT, email: "not-an-address", reason: "r" }, "email"],
    ["an empty reason", { merchantId: MERCHANT, email: "a@b.test", reason: "  " }, "reason"],
    [
      "a card number in the reason",
      { merchantId: MERCHANT, email: "a@b.test", reason: `card ${"4242".repeat(4)}` },
      "reason",
    ],
  ])("refuses %s with a typed error and erases nothing", async (_name, input, field) => {
    const { store, calls } = recordingStore();
    const erasing = new CustomerErasureCommands({ store, pii }).erase(actor, input);
    await expect(erasing).rejects.toBeInstanceOf(DomainError);
    await expect(erasing).rejects.toMatchObject({ field: [field] });
    expect(calls).toEqual([]);
  });

  it("asks for four eyes with the blind index and a zero amount, never the address", async () => {
    const requests: unknown[] = [];
    const approvals = {
      async request(_actor: unknown, input: unknown) {
        requests.push(input);
        return { id: "apr_1", status: "PENDING", targetId: MERCHANT } as never;
      },
    };
    await requestCustomerErasure(approvals, pii, actor, {
      merchantId: MERCHANT,
      email: "ada@example.test",
      reason: "ticket 42",
    });
    expect(requests).toEqual([
      {
        kind: "customer.erase",
        targetId: MERCHANT,
        payload: { emailIndex: pii.blindIndex("email", "ada@example.test") },
        amountMinor: 0n,
        currency: "EUR",
        reason: "ticket 42",
      },
    ]);
  });
});
