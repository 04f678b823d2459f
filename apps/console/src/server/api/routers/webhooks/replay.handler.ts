// Replays an event to one of the merchant's endpoints, through the same core command as the API's
// replayWebhookEvent, audited with the operator.
import { TRPCError } from "@trpc/server";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { ReplayInput } from "./replay.schema";

export async function replayHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: ReplayInput;
}): Promise<{ deliveryId: string }> {
  const { merchantWebhooks } = ctx.services.app.services;
  const endpoint = (await merchantWebhooks.reads.list(input.merchantId, null)).find(
    (e) => e.id === input.endpointId,
  );
  if (!endpoint) throw new TRPCError({ code: "NOT_FOUND", message: "No such endpoint for this merchant." });
  const deliveryId = await merchantWebhooks.endpoints.replay(
    { merchantId: input.merchantId, mode: endpoint.mode, actor: operatorActor(ctx) },
    endpoint.id,
    input.eventId,
  );
  return { deliveryId };
}
