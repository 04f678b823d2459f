// Inputs of the console's endpoint management (operators and admins): create, edit, enable/disable/delete, roll.
// Lengths here are the transport's first bound; the core's WebhookEndpointCommands validates the rest.
import { WEBHOOK_ENABLED_EVENTS_MAX, WEBHOOK_URL_LENGTH_MAX } from "@paycore/core/webhooks/webhook-endpoint";
import { z } from "zod";
import { plainText } from "../../text.schema";

const eventTypes = z.array(plainText().min(1).max(64)).min(1).max(WEBHOOK_ENABLED_EVENTS_MAX);

export const createEndpointSchema = z.object({
  merchantId: plainText().min(1).max(64),
  mode: z.enum(["TEST", "LIVE"]),
  url: plainText().min(1).max(WEBHOOK_URL_LENGTH_MAX),
  enabledEvents: eventTypes,
  description: plainText().max(500).nullish(),
});

export type CreateEndpointInput = z.infer<typeof createEndpointSchema>;

export const updateEndpointSchema = z.object({
  merchantId: plainText().min(1).max(64),
  endpointId: plainText().min(1).max(64),
  url: plainText().min(1).max(WEBHOOK_URL_LENGTH_MAX).nullish(),
  enabledEvents: eventTypes.nullish(),
  description: plainText().max(500).nullish(),
});

export type UpdateEndpointInput = z.infer<typeof updateEndpointSchema>;

export const endpointStateSchema = z.object({
  merchantId: plainText().min(1).max(64),
  endpointId: plainText().min(1).max(64),
  change: z.enum(["ENABLE", "DISABLE", "DELETE"]),
});

export type EndpointStateInput = z.infer<typeof endpointStateSchema>;

export const rollSecretSchema = z.object({
  merchantId: plainText().min(1).max(64),
  endpointId: plainText().min(1).max(64),
  /** How long the old secret keeps signing too: 0 to 7 days. */
  overlapHours: z.number().int().min(0).max(168).default(24),
});

export type RollSecretInput = z.infer<typeof rollSecretSchema>;
