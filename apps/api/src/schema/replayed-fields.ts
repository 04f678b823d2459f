// Which mutation fields of a request answered from a stored idempotent response. A document may hold several
// mutations (`a: createPayment(…) b: refundPayment(…)`), some replayed and some run now, so the mark is per
// field: the response path key (alias or field name) of each replayed one.
import { MapperKind, mapSchema } from "@graphql-tools/utils";
import { defaultFieldResolver, type GraphQLSchema } from "graphql";

const replayedPayloads = new WeakSet<object>();
const replayedFieldsOf = new WeakMap<object, string[]>();

/** Called by runMutation for a payload built from a replayed outcome. */
export function markReplayedPayload(payload: object): void {
  replayedPayloads.add(payload);
}

/** The response keys of the mutation fields replayed so far in the request whose context this is. */
export function replayedFields(context: object): readonly string[] {
  return replayedFieldsOf.get(context) ?? [];
}

/** Wraps every root mutation field so that a replayed payload records its response key on the context. */
export function withReplayedMutationFields(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.MUTATION_ROOT_FIELD]: (field) => {
      const resolve = field.resolve ?? defaultFieldResolver;
      return {
        ...field,
        resolve: async (root, args, context, info) => {
          const payload: unknown = await resolve(root, args, context, info);
          if (typeof payload === "object" && payload !== null && replayedPayloads.has(payload)) {
            const fields = replayedFieldsOf.get(context) ?? [];
            fields.push(String(info.path.key));
            replayedFieldsOf.set(context, fields);
          }
          return payload;
        },
      };
    },
  });
}
