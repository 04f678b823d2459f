// The merchant's allowed origins over the API (issue 20): the browser origins its publishable keys may be used
// from (CORS). Read with `allowedOrigins`, replaced whole with
// `updateAllowedOrigins` (naturally idempotent: the same list twice is the same state) through the core's
// MerchantCommands, which validates the list (at most 50 canonical http(s) origins, no wildcard) and writes the
// change with its operator audit row (actor "key:<api key id>") in one transaction.
// The hosted card fields' parent origins are per publishable key: `publishableKeys` lists the mode's active
// publishable keys with theirs, `updatePublishableKeyOrigins` replaces one key's list (MerchantCommands
// .updateKeyOrigins: at most 20, https only except localhost in test mode; audited the same way).
import { isDomainError } from "@paycore/core/errors/domain-error";
import { parseId } from "@paycore/core/ids/ids";
import { KEY_ALLOWED_ORIGINS_MAX } from "@paycore/core/merchants/allowed-origins";
import type { ApiKeyRecord } from "@paycore/core/merchants/merchant";
import { requireSecretKey } from "../context";
import { builder } from "./builder";
import { UserError, type UserErrorShape } from "./user-error";

builder.queryField("allowedOrigins", (t) =>
  t.stringList({
    description:
      "The origins the merchant's publishable keys may be used from (CORS). Card fields use each publishable key's own origins (publishableKeys).",
    resolve: async (_root, _args, context) => {
      const key = requireSecretKey(context);
      return (await context.services.merchants.findAccessPolicy(key.merchantId))?.allowedOrigins ?? [];
    },
  }),
);

const UpdateAllowedOriginsInput = builder.inputType("UpdateAllowedOriginsInput", {
  fields: (t) => ({
    origins: t.stringList({
      required: true,
      description:
        "The whole list (replaces the current one): at most 50 origins such as https://shop.example.",
    }),
  }),
});

const UpdateAllowedOriginsPayload = builder
  .objectRef<{ allowedOrigins: string[] | null; errors: UserErrorShape[] }>("UpdateAllowedOriginsPayload")
  .implement({
    fields: (t) => ({
      allowedOrigins: t.exposeStringList("allowedOrigins", { nullable: true }),
      errors: t.field({ type: [UserError], resolve: (p) => p.errors }),
    }),
  });

builder.mutationField("updateAllowedOrigins", (t) =>
  t.field({
    type: UpdateAllowedOriginsPayload,
    description: "Replaces the merchant's allowed origins (audited).",
    args: { input: t.arg({ type: UpdateAllowedOriginsInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const key = requireSecretKey(context);
      try {
        const updated = await context.services.merchantCommands.updateSettings(
          { operatorId: null, name: `key:${key.apiKeyId ?? "unknown"}` },
          key.merchantId,
          { allowedOrigins: input.origins },
        );
        return { allowedOrigins: updated?.accessPolicy.allowedOrigins ?? null, errors: [] };
      } catch (error) {
        if (!isDomainError(error)) throw error;
        return {
          allowedOrigins: null,
          errors: [
            { code: error.code, message: error.message, field: error.field, retryable: error.retryable },
          ],
        };
      }
    },
  }),
);

const PublishableKey = builder.objectRef<ApiKeyRecord>("PublishableKey").implement({
  description: "An active publishable key of the merchant in this mode (never the key itself).",
  fields: (t) => ({
    id: t.exposeID("id"),
    displayHint: t.exposeString("displayHint", {
      description: 'What may be shown of the key, e.g. "pk_test_…4f2a".',
    }),
    createdAt: t.field({ type: "DateTime", resolve: (key) => key.createdAt }),
    allowedOrigins: t.exposeStringList("allowedOrigins", {
      description:
        "The pages that may frame this key's hosted card fields and receive their payment method (CSP frame-ancestors, postMessage).",
    }),
  }),
});

builder.queryField("publishableKeys", (t) =>
  t.field({
    type: [PublishableKey],
    description: "The merchant's active publishable keys in this mode, with their card-field origins.",
    resolve: async (_root, _args, context) => {
      const key = requireSecretKey(context);
      const keys = await context.services.merchants.listKeys(key.merchantId);
      return keys.filter((k) => k.kind === "PUBLISHABLE" && k.mode === key.mode && k.revokedAt === null);
    },
  }),
);

const UpdatePublishableKeyOriginsInput = builder.inputType("UpdatePublishableKeyOriginsInput", {
  fields: (t) => ({
    publishableKeyId: t.id({ required: true }),
    origins: t.stringList({
      required: true,
      description: `The whole list (replaces the current one): at most ${KEY_ALLOWED_ORIGINS_MAX} origins such as https://shop.example (http only for localhost in test mode).`,
    }),
  }),
});

const UpdatePublishableKeyOriginsPayload = builder
  .objectRef<{ publishableKey: ApiKeyRecord | null; errors: UserErrorShape[] }>(
    "UpdatePublishableKeyOriginsPayload",
  )
  .implement({
    fields: (t) => ({
      publishableKey: t.field({ type: PublishableKey, nullable: true, resolve: (p) => p.publishableKey }),
      errors: t.field({ type: [UserError], resolve: (p) => p.errors }),
    }),
  });

builder.mutationField("updatePublishableKeyOrigins", (t) =>
  t.field({
    type: UpdatePublishableKeyOriginsPayload,
    description: "Replaces one publishable key's card-field origins (audited).",
    args: { input: t.arg({ type: UpdatePublishableKeyOriginsInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const key = requireSecretKey(context);
      const notFound = {
        publishableKey: null,
        errors: [
          {
            code: "API_KEY_NOT_FOUND" as const,
            message: "No active publishable key with this id.",
            field: ["publishableKeyId"],
            retryable: false,
          },
        ],
      };
      const keyId = String(input.publishableKeyId);
      if (parseId("apiKey", keyId) === null) return notFound;
      try {
        const updated = await context.services.merchantCommands.updateKeyOrigins(
          { operatorId: null, name: `key:${key.apiKeyId ?? "unknown"}` },
          key.merchantId,
          keyId,
          input.origins,
          key.mode,
        );
        if (updated === null) return notFound;
        return { publishableKey: updated, errors: [] };
      } catch (error) {
        if (!isDomainError(error)) throw error;
        return {
          publishableKey: null,
          errors: [
            { code: error.code, message: error.message, field: error.field, retryable: error.retryable },
          ],
        };
      }
    },
  }),
);
