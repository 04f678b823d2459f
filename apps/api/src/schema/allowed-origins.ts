// The merchant's allowed origins over the API (issue 20): the browser origins its publishable keys may be used
// from (CORS) and that may frame the hosted card fields. Read with `allowedOrigins`, replaced whole with
// `updateAllowedOrigins` (naturally idempotent: the same list twice is the same state) through the core's
// MerchantCommands, which validates the list (at most 50 canonical http(s) origins, no wildcard) and writes the
// change with its operator audit row (actor "key:<api key id>") in one transaction.
import { isDomainError } from "@paycore/core/errors/domain-error";
import { requireSecretKey } from "../context";
import { builder } from "./builder";
import { UserError, type UserErrorShape } from "./user-error";

builder.queryField("allowedOrigins", (t) =>
  t.stringList({
    description:
      "The origins the merchant's publishable keys may be used from, and that may frame card fields.",
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
