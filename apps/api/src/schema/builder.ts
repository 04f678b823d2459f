// The Pothos builder, and nothing else.

import type { CurrencyCode } from "@paycore/core/money/currency";
import SchemaBuilder from "@pothos/core";
import type { GraphQLContext } from "../context";

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  Scalars: {
    MinorUnits: { Input: bigint; Output: bigint };
    SignedMinorUnits: { Input: bigint; Output: bigint };
    CurrencyCode: { Input: CurrencyCode; Output: string };
    DateTime: { Input: Date; Output: Date };
    Metadata: { Input: Record<string, string>; Output: Record<string, string> };
  };
}>({ defaultFieldNullability: false });

builder.queryType({});
builder.mutationType({});
