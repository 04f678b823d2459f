// The console's endpoint management, each through the core's WebhookEndpointCommands (the API's write path),
// audited with the operator in the change's transaction. The signing secret is returned once, by create and
// roll; the page shows it with a copy button and never again.
import type { WebhookEndpointView } from "@paycore/core/webhooks/webhook-endpoint";
import { TRPCError } from "@trpc/server";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type {
  CreateEndpointInput,
  EndpointStateInput,
  RollSecretInput,
  UpdateEndpointInput,
} from "./endpoints.schema";

export interface EndpointChangeView {
  id: string;
  status: string;
  url: string;
  enabledEvents: string[];
  /** Only from create and roll: shown once. */
  secret: string | null;
}

function view(endpoint: WebhookEndpointView, secret: string | null): EndpointChangeView {
  return {
    id: endpoint.id,
    status: endpoint.status,
    url: endpoint.url,
    enabledEvents: endpoint.enabledEvents,
    secret,
  };
}

/** The endpoint of this merchant (either mode), or NOT_FOUND. */
async function ownerOf(ctx: SignedInContext, merchantId: string, endpointId: string) {
  const endpoint = (await ctx.services.app.services.merchantWebhooks.reads.list(merchantId, null)).find(
    (e) => e.id === endpointId,
  );
  if (!endpoint) throw new TRPCError({ code: "NOT_FOUND", message: "No such endpoint for this merchant." });
  return { merchantId, mode: endpoint.mode, actor: operatorActor(ctx) };
}

export async function createEndpointHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: CreateEndpointInput;
}): Promise<EndpointChangeView> {
  const { endpoint, secret } = await ctx.services.app.services.merchantWebhooks.endpoints.create(
    { merchantId: input.merchantId, mode: input.mode, actor: operatorActor(ctx) },
    { url: input.url, enabledEvents: input.enabledEvents, description: input.description ?? null },
  );
  return view(endpoint, secret);
}

export async function updateEndpointHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: UpdateEndpointInput;
}): Promise<EndpointChangeView> {
  const owner = await ownerOf(ctx, input.merchantId, input.endpointId);
  const endpoint = await ctx.services.app.services.merchantWebhooks.endpoints.update(
    owner,
    input.endpointId,
    {
      url: input.url ?? null,
      enabledEvents: input.enabledEvents ?? null,
      ...(input.description === undefined ? {} : { description: input.description }),
    },
  );
  return view(endpoint, null);
}

export async function endpointStateHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: EndpointStateInput;
}): Promise<EndpointChangeView> {
  const owner = await ownerOf(ctx, input.merchantId, input.endpointId);
  const commands = ctx.services.app.services.merchantWebhooks.endpoints;
  const endpoint =
    input.change === "DELETE"
      ? await commands.delete(owner, input.endpointId)
      : await commands.setEnabled(owner, input.endpointId, input.change === "ENABLE", true);
  return view(endpoint, null);
}

export async function rollSecretHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: RollSecretInput;
}): Promise<EndpointChangeView> {
  const owner = await ownerOf(ctx, input.merchantId, input.endpointId);
  const { endpoint, secret } = await ctx.services.app.services.merchantWebhooks.endpoints.rollSecret(
    owner,
    input.endpointId,
    input.overlapHours * 60 * 60_000,
  );
  return view(endpoint, secret);
}
