// Goal: a query's cost is measured once per parsed document, operation and values of the variables its cost
// reads (a page size, a list of ids), and measured again whenever one of those changes; other variables (an id)
// do not make a new entry, and a measure that failed (bad variables) is not kept. The variables' list-length
// check walks the client's lists and objects, never an uploaded file's bytes.
import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { schema } from "../schema/index";
import { QueryCosts, tooLongList } from "./use-query-limits";

describe("QueryCosts", () => {
  it("keeps the cost of a document whose cost reads no variable, whatever the id asked for", () => {
    const costs = new QueryCosts();
    const document = parse("query($id: ID!) { payment(id: $id) { id status } }");
    let measured = 0;
    const measure = () => {
      measured += 1;
      return 1;
    };
    expect(costs.costOf(schema, document, null, { id: "pay_1" }, measure)).toBe(1);
    expect(costs.costOf(schema, document, null, { id: "pay_2" }, measure)).toBe(1);
    expect(costs.costOf(schema, document, null, { id: "pay_3" }, measure)).toBe(1);
    expect(measured).toBe(1);
    expect(costs.hits).toBe(2);
  });

  it("measures again for each page size and list length, and keeps each", () => {
    const costs = new QueryCosts();
    const page = parse(
      "query($n: Int, $after: String) { payments(first: $n, after: $after) { nodes { id } } }",
    );
    const sizes: number[] = [];
    const measureFor = (n: number) => () => {
      sizes.push(n);
      return n + 1;
    };
    expect(costs.costOf(schema, page, null, { n: 2, after: null }, measureFor(2))).toBe(3);
    expect(costs.costOf(schema, page, null, { n: 90, after: null }, measureFor(90))).toBe(91);
    // Same size, another cursor: `after` is an argument of a field with its own cost function, so it is part
    // of the key (the key is conservative: any variable such a field reads).
    expect(costs.costOf(schema, page, null, { n: 2, after: null }, measureFor(2))).toBe(3);
    expect(sizes).toEqual([2, 90]);

    const nodes = parse("query($ids: [ID!]!) { nodes(ids: $ids) { id } }");
    expect(costs.costOf(schema, nodes, null, { ids: ["a"] }, () => 1)).toBe(1);
    expect(costs.costOf(schema, nodes, null, { ids: ["a", "b", "c"] }, () => 3)).toBe(3);
  });

  it("tells operations of one document apart, and keeps nothing for a failed measure", () => {
    const costs = new QueryCosts();
    const document = parse(
      "query A { payments(first: 2) { nodes { id } } } query B { payments(first: 50) { nodes { id } } }",
    );
    expect(costs.costOf(schema, document, "A", {}, () => 3)).toBe(3);
    expect(costs.costOf(schema, document, "B", {}, () => 51)).toBe(51);
    expect(costs.costOf(schema, document, "A", {}, () => -1)).toBe(3);

    const broken = parse("query($n: Int) { payments(first: $n) { nodes { id } } }");
    let measured = 0;
    const fails = () => {
      measured += 1;
      return null;
    };
    expect(costs.costOf(schema, broken, null, { n: "many" }, fails)).toBeNull();
    expect(costs.costOf(schema, broken, null, { n: "many" }, fails)).toBeNull();
    expect(measured).toBe(2);
  });

  it("keeps at most 32 costs per document, the least recently used going first", () => {
    const costs = new QueryCosts();
    const page = parse("query($n: Int) { payments(first: $n) { nodes { id } } }");
    for (let n = 1; n <= 40; n++) costs.costOf(schema, page, null, { n }, () => n);
    let measured = 0;
    costs.costOf(schema, page, null, { n: 40 }, () => {
      measured += 1;
      return 40;
    });
    costs.costOf(schema, page, null, { n: 1 }, () => {
      measured += 1;
      return 1;
    });
    expect(measured).toBe(1);
  });
});

describe("tooLongList", () => {
  it.each([
    ["a short list", { ids: ["a", "b"] }, false],
    ["a list past the limit", { ids: Array.from({ length: 101 }, (_, i) => String(i)) }, true],
    ["a long list nested in objects and lists", { input: { rows: [[Array(101).fill(1)]] } }, true],
    [
      "an object with many keys (not a list)",
      Object.fromEntries(Array.from({ length: 500 }, (_, i) => [i, i])),
      false,
    ],
  ])("%s", (_name, variables, expected) => {
    expect(tooLongList(variables, 100)).toBe(expected);
  });

  it("does not walk an uploaded file: half a mebibyte of bytes is no list, and no stack overflow", () => {
    const bytes = new Uint8Array(512 * 1024).fill(0x20);
    const file = new File([bytes], "evidence.pdf", { type: "application/pdf" });
    const typed = { input: { files: [file], raw: bytes } };
    expect(tooLongList(typed, 100)).toBe(false);
  });
});
