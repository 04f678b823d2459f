// Goal: a dead letter closes once, with its audit row: a replay whose cause is fixed closes it as replayed, one
// still failing leaves it open and writes nothing; a dismissal needs a note; a closed letter refuses both.
import { describe, expect, it } from "vitest";
import type { AuditDraft } from "../ports/audit";
import type { DeadLetterRecord, DeadLetterStore } from "../ports/dead-letter-store";
import { DeadLetterCommands } from "./dead-letter-commands";

class MemoryStore implements DeadLetterStore {
  readonly audit: AuditDraft[] = [];
  readonly letters = new Map<bigint, DeadLetterRecord>();
  async find(id: bigint) {
    const letter = this.letters.get(id);
    return letter ? { ...letter } : null;
  }
  async markReplayed(id: bigint, by: string, audit: AuditDraft) {
    const letter = this.letters.get(id);
    if (!letter || letter.replayedAt || letter.dismissedAt) return false;
    this.letters.set(id, { ...letter, replayedAt: new Date(), replayedBy: by });
    this.audit.push(audit);
    return true;
  }
  async dismiss(id: bigint, by: string, note: string, audit: AuditDraft) {
    const letter = this.letters.get(id);
    if (!letter || letter.replayedAt || letter.dismissedAt) return false;
    this.letters.set(id, { ...letter, dismissedAt: new Date(), dismissedBy: by, dismissNote: note });
    this.audit.push(audit);
    return true;
  }
}

function letter(id: bigint): DeadLetterRecord {
  const at = new Date("2026-12-07T00:00:00Z");
  return {
    id,
    source: "webhook:adyen",
    reference: "psp_ref_1",
    reason: "no payment with this PSP reference",
    payload: {},
    createdAt: at,
    lastSeenAt: at,
    seenCount: 2,
    replayedAt: null,
    replayedBy: null,
    dismissedAt: null,
    dismissedBy: null,
    dismissNote: null,
  };
}

const alice = { operatorId: "opr_1", name: "alice@example.com" };

describe("DeadLetterCommands", () => {
  it("a replay that still fails leaves the letter open; once fixed it closes, audited, and cannot run again", async () => {
    const store = new MemoryStore();
    store.letters.set(1n, letter(1n));
    const commands = new DeadLetterCommands({ store });
    const failing = await commands.replay(alice, "1", async () => ({
      applied: 0,
      skipped: 0,
      stillFailing: ["unknown_payment"],
    }));
    expect(failing).toMatchObject({ closed: false, stillFailing: ["unknown_payment"] });
    expect(store.audit).toEqual([]);
    const fixed = await commands.replay(alice, 1n, async () => ({
      applied: 1,
      skipped: 0,
      stillFailing: [],
    }));
    expect(fixed).toMatchObject({ closed: true, applied: 1 });
    expect(store.audit).toEqual([
      expect.objectContaining({
        action: "dead_letter.replay",
        targetId: "1",
        before: expect.objectContaining({ state: "OPEN", seenCount: 2 }),
        after: { state: "REPLAYED", applied: 1, skipped: 0 },
      }),
    ]);
    await expect(
      commands.replay(alice, 1n, async () => ({ applied: 0, skipped: 0, stillFailing: [] })),
    ).rejects.toMatchObject({ code: "DEAD_LETTER_CLOSED" });
    await expect(commands.dismiss(alice, { id: 1n, note: "dup" })).rejects.toMatchObject({
      code: "DEAD_LETTER_CLOSED",
    });
  });

  it("a dismissal needs a note and records it; unknown and malformed ids are DEAD_LETTER_NOT_FOUND", async () => {
    const store = new MemoryStore();
    store.letters.set(2n, letter(2n));
    const commands = new DeadLetterCommands({ store });
    await expect(commands.dismiss(alice, { id: "2", note: "  " })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
    const dismissed = await commands.dismiss(alice, { id: "2", note: "test event from the PSP's dashboard" });
    expect(dismissed).toMatchObject({ dismissedBy: "alice@example.com", dismissNote: expect.any(String) });
    expect(store.audit[0]).toMatchObject({ action: "dead_letter.dismiss", after: { state: "DISMISSED" } });
    for (const id of ["3", "0", "-1", "x", "1".repeat(30)]) {
      await expect(commands.dismiss(alice, { id, note: "n" })).rejects.toMatchObject({
        code: "DEAD_LETTER_NOT_FOUND",
      });
    }
  });
});
