// Goal: a manual adjustment is validated (adjustable accounts only, two different ones, a positive amount, a
// reason), posted at once with its audit row up to the threshold, and above it becomes a four-eyes request whose
// payload posts exactly the adjustment asked for, naming both operators. The threshold holds for what one operator
// posts alone to a merchant's currency over the window, so small adjustments cannot add up past it unapproved.
import { describe, expect, it } from "vitest";
import { ApprovalCommands } from "../approvals/approval-commands";
import { newId } from "../ids/ids";
import type { ApprovalRequestRecord, ApprovalStore } from "../ports/approval-store";
import type { AuditDraft } from "../ports/audit";
import type { LedgerAdjustmentStore } from "../ports/ledger-adjustment-store";
import type { LedgerAdjustment } from "./ledger-adjustment";
import {
  adjustmentFromApproval,
  LEDGER_ADJUSTMENT,
  LedgerAdjustmentCommands,
} from "./ledger-adjustment-commands";

const merchantId = newId("merchant");
const alice = { operatorId: "opr_a", name: "alice@example.com" };
const bob = { operatorId: "opr_b", name: "bob@example.com" };

function kit() {
  const posted: Array<{ adjustment: LedgerAdjustment; audit: AuditDraft }> = [];
  const requests = new Map<string, ApprovalRequestRecord>();
  const store: LedgerAdjustmentStore = {
    merchantExists: async (id) => id === merchantId,
    findByRequestKey: async (requestedBy, requestKey) =>
      posted.find((p) => p.adjustment.requestedBy === requestedBy && p.adjustment.requestKey === requestKey)
        ?.adjustment ?? null,
    // The store's rule, as Postgres applies it: the requester's direct posts of the same merchant, mode and
    // currency (the window is the store's; every post here is within it), this one included, within the limit.
    post: async (adjustment, audit, limit) => {
      const total = posted
        .map((p) => p.adjustment)
        .filter(
          (a) =>
            a.requestedBy === adjustment.requestedBy &&
            a.merchantId === adjustment.merchantId &&
            a.mode === adjustment.mode &&
            a.currency === adjustment.currency,
        )
        .reduce((sum, a) => sum + a.amountMinor, 0n);
      if (total + adjustment.amountMinor > limit.limitMinor) return "over_limit";
      posted.push({ adjustment, audit });
      return "posted";
    },
  };
  const approvalStore: ApprovalStore = {
    findById: async (id) => requests.get(id) ?? null,
    create: async (request) => {
      requests.set(request.id, request);
      return true;
    },
    decide: async (decided) => {
      requests.set(decided.id, decided);
      return decided;
    },
  };
  const approvals = new ApprovalCommands({
    store: approvalStore,
    now: () => new Date("2026-12-07T00:00:00Z"),
  });
  const commands = new LedgerAdjustmentCommands({ store, approvals, approvalAboveMajor: 100n });
  return { commands, posted, requests, approvals };
}

const input = {
  merchantId,
  mode: "TEST",
  currency: "USD",
  debitAccount: "fee_revenue",
  creditAccount: "merchant_balance",
  amountMinor: "10000",
  reason: "goodwill",
};

describe("LedgerAdjustmentCommands", () => {
  it("posts up to the threshold at once, audited", async () => {
    const { commands, posted } = kit();
    const result = await commands.adjust(alice, input);
    expect(result.status).toBe("POSTED");
    expect(posted).toHaveLength(1);
    expect(posted[0]?.adjustment).toMatchObject({ amountMinor: 10_000n, requestedBy: "alice@example.com" });
    expect(posted[0]?.audit).toMatchObject({ action: "ledger.adjust", after: { amountMinor: "10000" } });
  });

  it("counts one operator's direct adjustments together: the one past the threshold waits for approval", async () => {
    const { commands, posted, requests } = kit();
    for (let i = 0; i < 4; i++) {
      expect((await commands.adjust(alice, { ...input, amountMinor: "2500" })).status).toBe("POSTED");
    }
    // 100.00 posted alone: a further cent needs a second operator, in this currency and merchant only.
    const next = await commands.adjust(alice, { ...input, amountMinor: "1" });
    if (next.status !== "PENDING_APPROVAL") throw new Error("expected a request");
    expect(requests.get(next.approvalRequestId)).toMatchObject({ amountMinor: 1n, requestedBy: alice.name });
    expect(posted).toHaveLength(4);
    expect((await commands.adjust(bob, { ...input, amountMinor: "1" })).status).toBe("POSTED");
    expect((await commands.adjust(alice, { ...input, currency: "EUR", amountMinor: "1" })).status).toBe(
      "POSTED",
    );
  });

  it("answers a form's key again with its first adjustment, posting nothing; another adjustment under it is refused", async () => {
    const { commands, posted } = kit();
    const first = await commands.adjust(alice, { ...input, amountMinor: "500", requestKey: "form-0001" });
    expect(await commands.adjust(alice, { ...input, amountMinor: "500", requestKey: "form-0001" })).toEqual(
      first,
    );
    expect(posted).toHaveLength(1);
    await expect(
      commands.adjust(alice, { ...input, amountMinor: "501", requestKey: "form-0001" }),
    ).rejects.toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });
    // Keys are the requester's own.
    expect(
      (await commands.adjust(bob, { ...input, amountMinor: "500", requestKey: "form-0001" })).status,
    ).toBe("POSTED");
    expect(posted).toHaveLength(2);
  });

  it("above the threshold (per currency exponent) asks a second operator; the approval's payload posts it", async () => {
    const { commands, posted, requests, approvals } = kit();
    const result = await commands.adjust(alice, { ...input, amountMinor: "10001" });
    if (result.status !== "PENDING_APPROVAL") throw new Error("expected a request");
    expect(posted).toEqual([]);
    const request = requests.get(result.approvalRequestId);
    expect(request).toMatchObject({ kind: LEDGER_ADJUSTMENT, targetId: result.journalEntryId });
    const approved = await approvals.approve(bob, result.approvalRequestId, "checked");
    expect(adjustmentFromApproval(approved)).toMatchObject({
      journalEntryId: result.journalEntryId,
      amountMinor: 10_001n,
      requestedBy: "alice@example.com",
      approvedBy: "bob@example.com",
      debitAccount: "fee_revenue",
      creditAccount: "merchant_balance",
    });
    // JPY has no minor unit: 100 yen is the threshold itself.
    expect((await commands.adjust(alice, { ...input, currency: "JPY", amountMinor: "100" })).status).toBe(
      "POSTED",
    );
    expect((await commands.adjust(alice, { ...input, currency: "JPY", amountMinor: "101" })).status).toBe(
      "PENDING_APPROVAL",
    );
  });

  it.each([
    {
      what: "an account that is not adjustable",
      change: { debitAccount: "psp_receivable" },
      code: "LEDGER_ADJUSTMENT_INVALID",
    },
    {
      what: "the same account twice",
      change: { creditAccount: "fee_revenue" },
      code: "LEDGER_ADJUSTMENT_INVALID",
    },
    {
      what: "an unknown merchant",
      change: { merchantId: newId("merchant") },
      code: "LEDGER_ADJUSTMENT_INVALID",
    },
    { what: "a zero amount", change: { amountMinor: "0" }, code: "AMOUNT_INVALID" },
    { what: "a fraction", change: { amountMinor: "1.5" }, code: "AMOUNT_INVALID" },
    { what: "no reason", change: { reason: "  " }, code: "INVALID_INPUT" },
    { what: "an unknown currency", change: { currency: "XXX1" }, code: "CURRENCY_INVALID" },
  ])("refuses $what, posting nothing", async ({ change, code }) => {
    const { commands, posted, requests } = kit();
    await expect(commands.adjust(alice, { ...input, ...change })).rejects.toMatchObject({ code });
    expect(posted).toEqual([]);
    expect(requests.size).toBe(0);
  });
});
