// A merchant's webhooks for operators: its endpoints in both modes, the latest failures, and one endpoint's
// delivery log (filtered by status and event type) with each delivery's attempts. Reads only.
import { TRPCError } from "@trpc/server";
import type { SignedInContext } from "../../trpc";
import type { WebhooksOverviewInput } from "./overview.schema";

export interface EndpointRowView {
  id: string;
  mode: "TEST" | "LIVE";
  url: string;
  description: string | null;
  enabledEvents: string[];
  status: string;
  disabledReason: string | null;
  needsAttention: boolean;
  failingSince: string | null;
  secretHint: string;
}

export interface DeliveryRowView {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: string;
  replay: boolean;
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  attempts: Array<{
    attemptedAt: string;
    statusCode: number | null;
    latencyMs: number;
    error: string | null;
  }>;
}

const LOG_SIZE = 50;
const FAILURES_SIZE = 20;

export async function webhooksOverviewHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: WebhooksOverviewInput;
}): Promise<{ endpoints: EndpointRowView[]; failures: DeliveryRowView[]; log: DeliveryRowView[] | null }> {
  const { merchants, merchantWebhooks } = ctx.services.app.services;
  const merchant = await merchants.findById(input.merchantId);
  if (!merchant) throw new TRPCError({ code: "NOT_FOUND", message: "No merchant with this id." });
  const endpoints = await merchantWebhooks.reads.list(merchant.id, null);
  const withAttempts = async (rows: Awaited<ReturnType<typeof merchantWebhooks.reads.deliveries>>) =>
    Promise.all(
      rows.map(async (row) => ({
        id: row.id,
        endpointId: row.endpointId,
        eventId: row.eventId,
        eventType: row.eventType,
        status: row.status,
        replay: row.replay,
        attemptCount: row.attemptCount,
        lastStatusCode: row.lastStatusCode,
        lastError: row.lastError,
        createdAt: row.createdAt.toISOString(),
        attempts: (await merchantWebhooks.reads.attempts(row.id)).slice(0, 5).map((attempt) => ({
          attemptedAt: attempt.attemptedAt.toISOString(),
          statusCode: attempt.statusCode,
          latencyMs: attempt.latencyMs,
          error: attempt.error,
        })),
      })),
    );
  const selected = input.endpointId
    ? endpoints.find((endpoint) => endpoint.id === input.endpointId)
    : undefined;
  if (input.endpointId && !selected) {
    throw new TRPCError({ code: "NOT_FOUND", message: "No such endpoint for this merchant." });
  }
  const [failures, log] = await Promise.all([
    merchantWebhooks.reads.latestFailures(merchant.id, FAILURES_SIZE).then(withAttempts),
    selected
      ? merchantWebhooks.reads
          .deliveries(
            selected.id,
            { status: input.status ?? null, eventType: input.eventType ?? null },
            LOG_SIZE,
          )
          .then(withAttempts)
      : Promise.resolve(null),
  ]);
  return {
    endpoints: endpoints.map((endpoint) => ({
      id: endpoint.id,
      mode: endpoint.mode,
      url: endpoint.url,
      description: endpoint.description,
      enabledEvents: endpoint.enabledEvents,
      status: endpoint.status,
      disabledReason: endpoint.disabledReason,
      needsAttention: endpoint.needsAttention,
      failingSince: endpoint.failingSince?.toISOString() ?? null,
      secretHint: endpoint.secretHint,
    })),
    failures,
    log,
  };
}
