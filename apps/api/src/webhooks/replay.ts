// Replays a dead-lettered PSP event after an operator fixed its cause. The
// stored payload passed signature verification when it arrived, so it is
// applied as stored; the state machine still refuses anything that would move
// a payment backwards.

import { pspModule } from "@paycore/platform/psps/registry";
import type { AppServices } from "@paycore/platform/services";
import { replayDisputeLetter } from "./disputes/dispute-webhooks";

export interface ReplayResult {
  id: bigint;
  applied: number;
  skipped: number;
  stillFailing: string[];
}

export async function replayDeadLetter(services: AppServices, id: bigint): Promise<ReplayResult> {
  const letter = (await services.webhooks.deadLetters(1000)).find((l) => l.id === id);
  if (!letter) throw new Error(`no dead letter ${id}`);
  const psp = letter.source.replace(/^webhook:/, "");
  const module = pspModule(psp);
  // Disputes go through their own commands.
  const dispute = module ? await replayDisputeLetter(services, module, id, letter.payload) : null;
  if (dispute !== null) return dispute;
  const notifications = module ? module.webhook.fromStored(letter.payload, module.id) : [];
  const result: ReplayResult = { id, applied: 0, skipped: 0, stillFailing: [] };
  for (const notification of notifications) {
    const outcome = await services.commands.applyPspNotification(notification);
    if (outcome.applied) result.applied++;
    else if (outcome.reason === "already_applied") result.skipped++;
    else result.stillFailing.push(outcome.reason);
  }
  if (result.stillFailing.length === 0) await services.webhooks.markReplayed(id);
  return result;
}
