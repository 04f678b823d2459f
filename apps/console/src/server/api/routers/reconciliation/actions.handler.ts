// Operators' actions on reconciliation items and their four-eyes decisions. Each goes through the core's
// ReconItemCommands or ApprovalCommands as the signed-in operator; the command writes the change and its
// operator audit row in one transaction (an approval applies the adjustment in the approving transaction).

import type { z } from "zod";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type {
  approvalDecisionSchema,
  reconAcceptSchema,
  reconActionSchema,
  reconLinkSchema,
} from "./reconciliation.schema";

type Args<I> = { ctx: SignedInContext; input: I };

export async function itemActionHandler({ ctx, input }: Args<z.infer<typeof reconActionSchema>>) {
  const items = ctx.services.recon.items;
  const actor = operatorActor(ctx);
  if (input.action === "resolve") await items.resolve(actor, input.id, input.reason);
  else if (input.action === "ignore") await items.ignore(actor, input.id, input.reason);
  else await items.reopen(actor, input.id, input.reason);
  return { done: true as const };
}

export async function acceptPspFigureHandler({ ctx, input }: Args<z.infer<typeof reconAcceptSchema>>) {
  const outcome = await ctx.services.recon.items.acceptPspFigure(operatorActor(ctx), input.id, input.reason);
  return outcome.applied
    ? { applied: true as const, approvalRequestId: null }
    : { applied: false as const, approvalRequestId: outcome.approvalRequestId };
}

export async function linkPaymentHandler({ ctx, input }: Args<z.infer<typeof reconLinkSchema>>) {
  await ctx.services.recon.items.linkPayment(operatorActor(ctx), input.id, input.paymentId, input.reason);
  return { done: true as const };
}

export async function decideApprovalHandler({ ctx, input }: Args<z.infer<typeof approvalDecisionSchema>>) {
  const approvals = ctx.services.recon.approvals;
  const actor = operatorActor(ctx);
  const decided =
    input.decision === "approve"
      ? await approvals.approve(actor, input.id, input.note)
      : await approvals.reject(actor, input.id, input.note);
  return { id: decided.id, status: decided.status, targetId: decided.targetId };
}
