// Replays a dead-lettered PSP event after an operator fixed its cause: the CLI's entry to the platform's replay
// (packages/platform/src/workbench/dead-letter-replay.ts, shared with the console), which applies the stored
// payload through the core and closes the letter with its audit row only when nothing still fails.
import type { ReplayResult } from "@paycore/core/dead-letters/dead-letter-commands";
import type { Actor } from "@paycore/core/ports/audit";
import type { AppServices } from "@paycore/platform/services";
import { replayDeadLetter as replay } from "@paycore/platform/workbench/dead-letter-replay";

export type { ReplayResult };

/** The CLI's actor when none is given: the operator at the shell. */
const CLI_REPLAY_ACTOR: Actor = { operatorId: null, name: "cli:dead-letters" };

export function replayDeadLetter(
  services: AppServices,
  id: bigint,
  actor: Actor = CLI_REPLAY_ACTOR,
): Promise<ReplayResult> {
  return replay(services, actor, id);
}
