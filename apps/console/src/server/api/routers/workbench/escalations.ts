// Escalated PSP attempts in the console: the attempts the resolver gave up on, and the operator's record of what
// the PSP confirmed out of band (succeeded with its reference, or failed), applied through the core's
// resolveEscalatedAttempt with the operator's audit row in the same transaction. A later PSP message that
// contradicts it is dead-lettered for an operator, never applied.
import { z } from "zod";
import { operatorActor } from "../../actor";
import { freeText, plainText } from "../../text.schema";
import { procedureFor, router, type SignedInContext } from "../../trpc";

const resolveSchema = z.object({
  paymentId: plainText().min(1).max(64),
  attemptId: plainText().min(1).max(64),
  outcome: z.enum(["SUCCEEDED", "FAILED"]),
  pspReference: plainText().trim().max(100).nullish(),
  note: freeText({ multiline: true }).pipe(z.string().min(1, "Say who at the PSP confirmed it.").max(500)),
});

async function list({ ctx }: { ctx: SignedInContext }) {
  const rows = await ctx.services.app.services.workbenchQueries.escalatedAttempts(100);
  return rows.map((row) => ({
    ...row,
    amountMinor: row.amountMinor.toString(),
    escalatedAt: row.escalatedAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
  }));
}

async function resolve({ ctx, input }: { ctx: SignedInContext; input: z.infer<typeof resolveSchema> }) {
  const result = await ctx.services.app.services.commands.resolveEscalatedAttempt(operatorActor(ctx), {
    paymentId: input.paymentId,
    attemptId: input.attemptId,
    outcome: input.outcome,
    pspReference: input.pspReference ?? null,
    note: input.note,
  });
  return {
    payment: { id: result.payment.id, status: result.payment.status },
    attemptId: result.attemptId,
    errors: result.errors.map((error) => ({ code: error.code, message: error.message })),
  };
}

export const escalationsRouter = router({
  list: procedureFor("VIEWER").query(list),
  resolve: procedureFor("OPERATOR").input(resolveSchema).mutation(resolve),
});
