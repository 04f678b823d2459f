// Goal: four eyes holds whatever the store does: the requester never decides their own request (by name or by
// operator id), a decided request stays decided, reasons are bounded, and the state machine has only its edges.
import { describe, expect, it } from "vitest";
import type { CurrencyCode } from "../money/currency";
import type { ApprovalRequestRecord, ApprovalStore } from "../ports/approval-store";
import { ApprovalCommands } from "./approval-commands";
import { APPROVAL_STATUSES, canTransitionApproval } from "./approval-state-machine";

/** An in-memory store: one pending request per kind and target, decisions conditional on PENDING. */
function memoryStore(): ApprovalStore & { applied: string[] } {
  const requests = new Map<string, ApprovalRequestRecord>();
  const applied: string[] = [];
  return {
    applied,
    async findById(id) {
      return requests.get(id) ?? null;
    },
    async create(request) {
      const pending = [...requests.values()].some(
        (r) => r.status === "PENDING" && r.kind === request.kind && r.targetId === request.targetId,
      );
      if (pending) return false;
      requests.set(request.id, request);
      return true;
    },
    async decide(decided) {
      if (requests.get(decided.id)?.status !== "PENDING") return null;
      requests.set(decided.id, decided);
      if (decided.status === "APPROVED") applied.push(decided.targetId);
      return decided;
    },
  };
}

const alice = { operatorId: "opr_a", name: "alice@example.test" };
const bob = { operatorId: "opr_b", name: "bob@example.test" };
const input = {
  kind: "recon.accept_psp_figure",
  targetId: "ritm_1",
  payload: {},
  amountMinor: 500n,
  currency: "USD" as CurrencyCode,
  reason: "short settlement",
};

describe("ApprovalCommands", () => {
  it("a second operator approves, and the action is applied once", async () => {
    const store = memoryStore();
    const commands = new ApprovalCommands({ store, now: () => new Date(0) });
    const request = await commands.request(alice, input);
    await expect(commands.approve(alice, request.id, "ok")).rejects.toMatchObject({
      code: "APPROVAL_SAME_OPERATOR",
    });
    await expect(
      commands.approve({ operatorId: "opr_a", name: "alice-other-name" }, request.id, "ok"),
    ).rejects.toMatchObject({ code: "APPROVAL_SAME_OPERATOR" });
    expect(await commands.approve(bob, request.id, "ok")).toMatchObject({
      status: "APPROVED",
      decidedBy: bob.name,
    });
    await expect(commands.reject(bob, request.id, "no")).rejects.toMatchObject({
      code: "APPROVAL_NOT_PENDING",
    });
    expect(store.applied).toEqual(["ritm_1"]);
  });

  it("one pending request per target; a rejected one applies nothing and frees the target", async () => {
    const store = memoryStore();
    const commands = new ApprovalCommands({ store, now: () => new Date(0) });
    const first = await commands.request(alice, input);
    await expect(commands.request(bob, input)).rejects.toMatchObject({ code: "APPROVAL_ALREADY_REQUESTED" });
    await commands.reject(bob, first.id, "not convinced");
    await commands.request(bob, input);
    expect(store.applied).toEqual([]);
  });

  it.each([
    ["", "INVALID_INPUT"],
    ["x".repeat(501), "INVALID_INPUT"],
    ["card 4242424242424242", "CARD_NUMBER_IN_TEXT"],
  ])("refuses the reason %#", async (reason, code) => {
    const commands = new ApprovalCommands({ store: memoryStore(), now: () => new Date(0) });
    await expect(commands.request(alice, { ...input, reason })).rejects.toMatchObject({ code });
  });

  it("unknown requests are not found", async () => {
    const commands = new ApprovalCommands({ store: memoryStore(), now: () => new Date(0) });
    await expect(commands.approve(bob, "apr_missing", "ok")).rejects.toMatchObject({
      code: "APPROVAL_NOT_FOUND",
    });
  });
});

describe("approval state machine", () => {
  it.each(APPROVAL_STATUSES.flatMap((from) => APPROVAL_STATUSES.map((to) => [from, to] as const)))(
    "%s -> %s",
    (from, to) => {
      expect(canTransitionApproval(from, to)).toBe(from === "PENDING" && to !== "PENDING");
    },
  );
});

describe("admin-only kinds", () => {
  it.each(["payouts.set_reserve", "customer.erase"])(
    "%s: an operator who is no admin cannot approve it, an admin can, and the audit row says so",
    async (kind) => {
      const audits: Array<Record<string, unknown> | null> = [];
      const store = memoryStore();
      const decide = store.decide.bind(store);
      store.decide = async (decided, audit) => {
        audits.push(audit.after);
        return decide(decided, audit);
      };
      const commands = new ApprovalCommands({ store, now: () => new Date(0) });
      const request = await commands.request(alice, { ...input, kind });
      await expect(commands.approve(bob, request.id, "ok", false)).rejects.toMatchObject({
        code: "APPROVAL_ADMIN_REQUIRED",
      });
      expect(store.applied).toEqual([]);
      // Four eyes still holds for an admin requester.
      await expect(commands.approve(alice, request.id, "ok", true)).rejects.toMatchObject({
        code: "APPROVAL_SAME_OPERATOR",
      });
      expect(await commands.approve(bob, request.id, "ok", true)).toMatchObject({ status: "APPROVED" });
      expect(audits).toEqual([expect.objectContaining({ approverRole: "ADMIN", decidedBy: bob.name })]);
    },
  );

  it("other kinds need no admin, and their audit row names no role", async () => {
    const audits: Array<Record<string, unknown> | null> = [];
    const store = memoryStore();
    const decide = store.decide.bind(store);
    store.decide = async (decided, audit) => {
      audits.push(audit.after);
      return decide(decided, audit);
    };
    const commands = new ApprovalCommands({ store, now: () => new Date(0) });
    const request = await commands.request(alice, input);
    await commands.approve(bob, request.id, "ok", false);
    expect(audits[0]).not.toHaveProperty("approverRole");
  });
});
