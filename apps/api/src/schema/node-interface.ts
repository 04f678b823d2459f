// The Node interface (Relay's object identification): every object with an id implements it, so client caches
// (Relay, Apollo, urql's graphcache) normalise by id and refetch with `node(id)`. Our ids are already global:
// prefixed by kind (pay_, re_, pm_, att_, je_, po_, ba_) and unique, so they serve as Relay's global ids unchanged.
import { builder } from "./builder";

const TYPE_BY_PREFIX: Readonly<Record<string, string>> = {
  pay: "Payment",
  re: "Refund",
  pm: "PaymentMethod",
  att: "PspAttempt",
  je: "LedgerEntry",
  po: "Payout",
  ba: "BankAccount",
};

/** The GraphQL type of a node, read from its id: a payment event's stored id is a number (see PaymentEvent.id). */
export function nodeTypeOf(value: { id: unknown }): string | null {
  if (typeof value.id === "bigint") return "PaymentEvent";
  if (typeof value.id !== "string") return null;
  return TYPE_BY_PREFIX[value.id.slice(0, value.id.indexOf("_"))] ?? null;
}

export const Node = builder.interfaceRef<{ id: unknown }>("Node").implement({
  description: "An object with a global id, which `node(id)` fetches again.",
  resolveType: (value) => nodeTypeOf(value),
  fields: (t) => ({ id: t.id({ resolve: (value) => String(value.id) }) }),
});
