// Replays a dead-lettered PSP event after an operator fixed its cause, for the CLI and the console alike (moved
// here from the API so the console does not import it). The stored payload passed signature verification when it
// arrived, so it is applied as stored, through the payment or dispute commands; the state machines still refuse
// anything that would move a payment or dispute backwards. The letter closes (with the operator's audit row)
// through the core's DeadLetterCommands only when nothing still fails.
import type { ReplayOutcome, ReplayResult } from "@paycore/core/dead-letters/dead-letter-commands";
import type { Actor } from "@paycore/core/ports/audit";
import type { DeadLetterRecord } from "@paycore/core/ports/dead-letter-store";
import type { PspModule } from "../psps/psp-module";
import { pspModule } from "../psps/registry";
import type { AppServices } from "../services";

type ReplayServices = Pick<AppServices, "commands" | "disputes" | "deadLetters">;

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
  services: Pick<AppServices, "commands" | "disputes">,
  letter: DeadLetterRecord,
): Promise<ReplayOutcome> {
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
