// The Pothos builder, and nothing else.

import type { CurrencyCode } from "@paycore/core/money/currency";
import SchemaBuilder from "@pothos/core";
import ComplexityPlugin from "@pothos/plugin-complexity";
import { type GraphQLOutputType, getNamedType, isLeafType, isListType, isNonNullType } from "graphql";
import type { GraphQLContext } from "../context";

/**
 * What a list field of objects is assumed to hold when it has no page size: a payment's events, attempts,
 * refunds. Their stored bounds (hundreds) are far above what a payment really has, so costing them at their
 * bound would refuse honest queries; the response-size cap and the deadline catch the rare payment above it.
 */
export const LIST_COST_ESTIMATE = 10;

/**
 * The cost of a field without its own `complexity`: from its type alone. It must never read the arguments or
 * the context: plugins/use-query-limits.ts caches a document's cost and only tells apart the variables that
 * fields with their own complexity function read.
 */
export function defaultFieldComplexity(
  _args: unknown,
  _context: unknown,
  field: { type: GraphQLOutputType },
): number | { field: number; multiplier: number } {
  if (isLeafType(getNamedType(field.type))) return 0;
  const unwrapped = isNonNullType(field.type) ? field.type.ofType : field.type;
  if (isListType(unwrapped)) return { field: LIST_COST_ESTIMATE, multiplier: LIST_COST_ESTIMATE };
  return { field: 1, multiplier: 1 };
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  Scalars: {
    MinorUnits: { Input: bigint; Output: bigint };
    SignedMinorUnits: { Input: bigint; Output: bigint };
    CurrencyCode: { Input: CurrencyCode; Output: string };
    DateTime: { Input: Date; Output: Date };
    Metadata: { Input: Record<string, string>; Output: Record<string, string> };
    /** An upload of the GraphQL multipart request spec (input only). */
    File: { Input: File; Output: never };
  };
}>({
  defaultFieldNullability: false,
  plugins: [ComplexityPlugin],
  complexity: {
    // The cost of a query is the number of objects it may resolve: a scalar is free (it comes with its
    // object's row), an object costs 1, a list of objects its expected length (`first` where it has one).
    // The limit is enforced by plugins/use-query-limits.ts before execution, not by the plugin's resolver
    // wrapper, so a refused query is a 400 that ran nothing.
    fieldComplexity: defaultFieldComplexity,
  },
});

builder.queryType({});
builder.mutationType({});
