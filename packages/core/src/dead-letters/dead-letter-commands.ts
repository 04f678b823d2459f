// Dead letters, the one write path for operators (console and CLI): replay a letter once its cause is fixed (the
// caller applies its notifications through the payment or dispute commands, each in its own transaction, then
// the letter closes with the operator's audit row), or dismiss it with a note. A closed letter stays closed.
import { DomainError } from "../errors/domain-error";
import { assertFreeText } from "../payments/free-text";
import type { Actor, AuditValue } from "../ports/audit";
import type { DeadLetterRecord, DeadLetterStore } from "../ports/dead-letter-store";

export const DISMISS_NOTE_MAX_LENGTH = 500;

/** What replaying a letter's notifications did. */
export interface ReplayOutcome {
  applied: number;
  skipped: number;
  /** Why notifications still fail (the cause is not fixed yet): the letter stays open. */
  stillFailing: string[];
}

export interface ReplayResult extends ReplayOutcome {
  id: bigint;
  closed: boolean;
}

export function parseDeadLetterId(input: string | bigint): bigint {
  const text = typeof input === "bigint" ? input.toString() : input.trim();
  if (!/^[1-9]\d{0,18}$/.test(text)) {
    throw new DomainError("DEAD_LETTER_NOT_FOUND", "No such dead letter.", { field: ["id"] });
  }
  return BigInt(text);
}

export function isOpen(letter: Pick<DeadLetterRecord, "replayedAt" | "dismissedAt">): boolean {
  return letter.replayedAt === null && letter.dismissedAt === null;
}

function snapshot(letter: DeadLetterRecord): Record<string, AuditValue> {
  return {
    source: letter.source,
    reference: letter.reference,
    reason: letter.reason,
    seenCount: letter.seenCount,
    state: letter.replayedAt ? "REPLAYED" : letter.dismissedAt ? "DISMISSED" : "OPEN",
  };
}

export class DeadLetterCommands {
  constructor(private readonly deps: { store: DeadLetterStore }) {}

  private async open(id: string | bigint): Promise<DeadLetterRecord> {
    const letter = await this.deps.store.find(parseDeadLetterId(id));
    if (letter === null)
      throw new DomainError("DEAD_LETTER_NOT_FOUND", "No such dead letter.", { field: ["id"] });
    if (!isOpen(letter)) {
      throw new DomainError(
        "DEAD_LETTER_CLOSED",
        `This dead letter was already ${letter.replayedAt ? "replayed" : "dismissed"}.`,
        { field: ["id"] },
      );
    }
    return letter;
  }

  /**
   * Replays an open letter: `apply` runs its notifications through the core's commands; when none still fails,
   * the letter closes as replayed with the audit row. A letter whose cause is not fixed stays open (no row).
   */
  async replay(
    actor: Actor,
    id: string | bigint,
    apply: (letter: DeadLetterRecord) => Promise<ReplayOutcome>,
  ): Promise<ReplayResult> {
    const letter = await this.open(id);
    const outcome = await apply(letter);
    if (outcome.stillFailing.length > 0) return { id: letter.id, ...outcome, closed: false };
    const closed = await this.deps.store.markReplayed(letter.id, actor.name, {
      actor,
      action: "dead_letter.replay",
      targetId: letter.id.toString(),
      before: snapshot(letter),
      after: { state: "REPLAYED", applied: outcome.applied, skipped: outcome.skipped },
    });
    // Closed by someone else meanwhile: the notifications were applied once either way (the commands dedupe).
    return { id: letter.id, ...outcome, closed };
  }

  async dismiss(actor: Actor, input: { id: string | bigint; note: string }): Promise<DeadLetterRecord> {
    const note = input.note.trim();
    if (note.length === 0 || note.length > DISMISS_NOTE_MAX_LENGTH) {
      throw new DomainError("INVALID_INPUT", `Say why, in 1 to ${DISMISS_NOTE_MAX_LENGTH} characters.`, {
        field: ["note"],
      });
    }
    assertFreeText(note, { field: ["note"], multiline: true });
    const letter = await this.open(input.id);
    const done = await this.deps.store.dismiss(letter.id, actor.name, note, {
      actor,
      action: "dead_letter.dismiss",
      targetId: letter.id.toString(),
      before: snapshot(letter),
      after: { state: "DISMISSED", note },
    });
    if (!done)
      throw new DomainError("DEAD_LETTER_CLOSED", "Another operator closed it first.", { field: ["id"] });
    const after = await this.deps.store.find(letter.id);
    return after ?? letter;
  }
}
