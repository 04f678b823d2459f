// Dead letters in the console: the list (open first by default) with how many letters its state holds, one letter with its payload, reason, first and
// last seen; replay through the platform's replay (the core's payment and dispute commands) once the cause is
// fixed, and dismissal with a note, both through the core's DeadLetterCommands (audited in the close's transaction).
import { parseDeadLetterId } from "@paycore/core/dead-letters/dead-letter-commands";
import { DomainError } from "@paycore/core/errors/domain-error";
import { replayDeadLetter } from "@paycore/platform/workbench/dead-letter-replay";
import { z } from "zod";
import { operatorActor } from "../../actor";
import { freeText, plainText } from "../../text.schema";
import { procedureFor, router, type SignedInContext } from "../../trpc";

/** The payload shown on a letter's page, at most this many characters of its JSON. */
export const PAYLOAD_PREVIEW_MAX = 20_000;

const idSchema = z.object({ id: plainText().min(1).max(20) });

export const deadLetterListSchema = z.object({
  state: z.enum(["OPEN", "REPLAYED", "DISMISSED", "ALL"]).default("OPEN"),
  before: plainText().max(20).nullish(),
  first: z.number().int().min(1).max(100).default(50),
});

const dismissSchema = z.object({
  id: plainText().min(1).max(20),
  note: freeText({ multiline: true }).pipe(z.string().min(1, "Say why.").max(500)),
});

const iso = (date: Date | null) => date?.toISOString() ?? null;

async function list({ ctx, input }: { ctx: SignedInContext; input: z.infer<typeof deadLetterListSchema> }) {
  const reads = ctx.services.app.services.deadLetterReads;
  const state = input.state === "ALL" ? null : input.state;
  const [page, { count, capped }] = await Promise.all([
    reads.list({
      state,
      beforeId: input.before ? parseDeadLetterId(input.before) : null,
      first: input.first,
    }),
    reads.count(state),
  ]);
  return {
    /** How many letters are in the state (all pages), counted up to a cap (`countCapped`: at least that many). */
    count,
    countCapped: capped,
    letters: page.letters.map((letter) => ({
      id: letter.id.toString(),
      source: letter.source,
      reference: letter.reference,
      reason: letter.reason,
      firstSeenAt: letter.createdAt.toISOString(),
      lastSeenAt: letter.lastSeenAt.toISOString(),
      seenCount: letter.seenCount,
      state: letter.state,
    })),
    nextBefore: page.nextBeforeId?.toString() ?? null,
  };
}

async function detail({ ctx, input }: { ctx: SignedInContext; input: { id: string } }) {
  const letter = await ctx.services.app.services.deadLetterReads.find(parseDeadLetterId(input.id));
  if (letter === null) throw new DomainError("DEAD_LETTER_NOT_FOUND", "No such dead letter.");
  const payload = JSON.stringify(letter.payload, null, 2) ?? "null";
  return {
    id: letter.id.toString(),
    source: letter.source,
    reference: letter.reference,
    reason: letter.reason,
    firstSeenAt: letter.createdAt.toISOString(),
    lastSeenAt: letter.lastSeenAt.toISOString(),
    seenCount: letter.seenCount,
    state: letter.replayedAt ? "REPLAYED" : letter.dismissedAt ? "DISMISSED" : "OPEN",
    replayedAt: iso(letter.replayedAt),
    replayedBy: letter.replayedBy,
    dismissedAt: iso(letter.dismissedAt),
    dismissedBy: letter.dismissedBy,
    dismissNote: letter.dismissNote,
    payload: payload.length > PAYLOAD_PREVIEW_MAX ? `${payload.slice(0, PAYLOAD_PREVIEW_MAX)}\n…` : payload,
  };
}

async function replay({ ctx, input }: { ctx: SignedInContext; input: { id: string } }) {
  const result = await replayDeadLetter(ctx.services.app.services, operatorActor(ctx), input.id);
  return {
    id: result.id.toString(),
    applied: result.applied,
    skipped: result.skipped,
    stillFailing: result.stillFailing,
    closed: result.closed,
  };
}

async function dismiss({ ctx, input }: { ctx: SignedInContext; input: z.infer<typeof dismissSchema> }) {
  const letter = await ctx.services.app.services.deadLetters.dismiss(operatorActor(ctx), input);
  return { id: letter.id.toString(), dismissedAt: iso(letter.dismissedAt) };
}

export const deadLettersRouter = router({
  list: procedureFor("VIEWER").input(deadLetterListSchema).query(list),
  detail: procedureFor("VIEWER").input(idSchema).query(detail),
  replay: procedureFor("OPERATOR").input(idSchema).mutation(replay),
  dismiss: procedureFor("OPERATOR").input(dismissSchema).mutation(dismiss),
});
