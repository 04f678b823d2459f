// Checks the published codegen example (examples/codegen): its operations validate against the schema, and its
// config maps every custom scalar of the schema, so a merchant copying it gets code that compiles.
import { readFileSync } from "node:fs";
import { GraphQLScalarType, parse, specifiedScalarTypes, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { schema } from "./index";

const example = (name: string) => new URL(`../../../../examples/codegen/${name}`, import.meta.url);

describe("the codegen example", () => {
  it("has operations that validate against the schema", () => {
    const document = parse(readFileSync(example("operations.graphql"), "utf8"));
    expect(validate(schema, document).map((e) => e.message)).toEqual([]);
  });

  it("maps every custom scalar", () => {
    const config = JSON.parse(readFileSync(example("codegen.json"), "utf8")) as {
      generates: Record<string, { config: { scalars: Record<string, string> } }>;
    };
    const scalars = Object.values(config.generates).flatMap((target) => Object.keys(target.config.scalars));
    const builtIn = new Set(specifiedScalarTypes.map((s) => s.name));
    const custom = Object.values(schema.getTypeMap())
      .filter((type) => type instanceof GraphQLScalarType && !builtIn.has(type.name))
      .map((type) => type.name);
    expect(scalars.sort()).toEqual(custom.sort());
  });
});
