// Replays a dead-lettered PSP event after an operator fixed its cause, for the CLI and the console alike (moved
// here from the API so the console does not import it). The stored payload passed signature verification when it
// arrived, so it is applied as stored, through the payment or dispute commands; the state machines still refuse
// anything that would move a payment or dispute backwards. The letter closes (with the operator's audit row)
// through the core's DeadLetterCommands only when nothing still fails. A resolver's letter (its contradiction's
// item could not be written) is replayed by recording that item now.
import type { ReplayOutcome, ReplayResult } from "@paycore/core/dead-letters/dead-letter-commands";
import type { Actor } from "@paycore/core/ports/audit";
import type { DeadLetterRecord } from "@paycore/core/ports/dead-letter-store";
import {
  parseResolverLetter,
  RESOLVER_LETTER_SOURCE_PREFIX,
} from "@paycore/core/reconciliation/shadow-reconciliation";
import type { PspModule } from "../psps/psp-module";
import { pspModule } from "../psps/registry";
import type { AppServices } from "../services";

type ReplayServices = Pick<AppServices, "commands" | "disputes" | "deadLetters" | "shadowReconciliation">;

/** A resolver's letter: its reconciliation item recorded now (or found open); a failure keeps the letter open. */
async function replayResolverLetter(
  services: Pick<AppServices, "shadowReconciliation">,
  letter: DeadLetterRecord,
): Promise<ReplayOutcome> {
  const report = parseResolverLetter(letter.payload);
  if (report === null) return { applied: 0, skipped: 0, stillFailing: ["resolver letter not understood"] };
  try {
    const opened = await services.shadowReconciliation.recordResolverContradiction(report);
    return opened
      ? { applied: 1, skipped: 0, stillFailing: [] }
      : { applied: 0, skipped: 1, stillFailing: [] };
  } catch {
    // The cause (the item's write) is not fixed yet; the letter keeps the report for the next replay.
    return { applied: 0, skipped: 0, stillFailing: ["reconciliation item could not be recorded"] };
  }
}

/** A dispute event's replay (null when the payload is not one). */
async function replayDispute(
  services: Pick<AppServices, "disputes">,
  module: PspModule,
  payload: unknown,
): Promise<ReplayOutcome | null> {
  const dispute = module.webhook.dispute(payload, module.id);
  if (dispute === undefined) return null;
  const result: ReplayOutcome = { applied: 0, skipped: 0, stillFailing: [] };
  if (dispute.notification === null) {
    result.stillFailing.push("dispute event not understood");
    return result;
  }
  const outcome = await services.disputes.applyNotification(dispute.notification);
  if (outcome.applied) result.applied++;
  else if (
    outcome.reason === "unknown_payment" ||
    outcome.reason === "invalid" ||
    outcome.reason === "failed_over" ||
    outcome.reason === "in_flight"
  )
    result.stillFailing.push(outcome.reason);
  else result.skipped++;
  return result;
}

/** Applies a letter's notifications; what still fails keeps it open. */
export async function applyDeadLetter(
  services: Pick<AppServices, "commands" | "disputes" | "shadowReconciliation">,
  letter: DeadLetterRecord,
): Promise<ReplayOutcome> {
  if (letter.source.startsWith(RESOLVER_LETTER_SOURCE_PREFIX)) return replayResolverLetter(services, letter);
  const module = pspModule(letter.source.replace(/^webhook:/, ""));
  if (!module) return { applied: 0, skipped: 0, stillFailing: [`no PSP for source ${letter.source}`] };
  const dispute = await replayDispute(services, module, letter.payload);
  if (dispute !== null) return dispute;
  const result: ReplayOutcome = { applied: 0, skipped: 0, stillFailing: [] };
  const notifications = module.webhook.fromStored(letter.payload, module.id);
  if (notifications.length === 0) result.stillFailing.push(letter.reason);
  for (const notification of notifications) {
    const outcome = await services.commands.applyPspNotification(notification);
    if (outcome.applied) result.applied++;
    else if (outcome.reason === "already_applied") result.skipped++;
    else result.stillFailing.push(outcome.reason);
  }
  return result;
}

export function replayDeadLetter(
  services: ReplayServices,
  actor: Actor,
  id: string | bigint,
): Promise<ReplayResult> {
  return services.deadLetters.replay(actor, id, (letter) => applyDeadLetter(services, letter));
}
