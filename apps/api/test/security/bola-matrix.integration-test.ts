// The object-level authorization matrix, generated from the schema rather than listed by hand: every query
// and mutation that takes an object id (as an argument or in its input) is called with another merchant's
// ids, and with the owner's own key of the other mode. Each call must be refused as NOT_FOUND (or FORBIDDEN
// for operator-only fields) and write nothing. A field added later is covered without editing this file; a
// field whose id names an object kind this file has no fixture for fails until one is added.
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../src/schema/index";
import {
  createTestApp,
  type GraphQLResponse,
  newKey,
  type TestApp,
  type TestMerchant,
} from "../../src/testing/test-app";

/**
 * The object kinds an id argument can name, from its name: `paymentId` → payment; `id` on `refund(id)` → refund;
 * `id` on `node(id)` → any kind.
 */
type ObjectKind = "payment" | "paymentMethod" | "refund" | "node";
type Fixtures = Record<ObjectKind, string[]>;

interface GeneratedCall {
  operation: "query" | "mutation";
  field: string;
  /** Where the id goes, e.g. `input.paymentId`. */
  idPath: string;
  kind: ObjectKind;
  build(id: string): { document: string; variables: Record<string, unknown> };
}

/** Codes that mean "refused without saying whether the object exists". */
const REFUSED_TOP_LEVEL = new Set(["NOT_FOUND", "FORBIDDEN"]);
const REFUSED_PAYLOAD = /_NOT_FOUND$/;

function objectKindOf(argumentName: string, fieldName: string): ObjectKind | null {
  const base = argumentName === "id" ? fieldName : argumentName.replace(/Id$/, "");
  if (base === argumentName) return null; // a plain string that merely ends differently
  return base as ObjectKind;
}

function isIdType(type: GraphQLInputType): boolean {
  const named = getNamedType(type);
  return isScalarType(named) && named.name === "ID";
}

/** A valid value for a required input of this type, so that only the id decides the outcome. */
function sampleValue(type: GraphQLInputType, name: string): unknown {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return [];
  if (isEnumType(inner)) return inner.getValues()[0]?.value;
  if (isInputObjectType(inner)) return requiredFields(inner.getFields());
  if (!isScalarType(inner)) throw new Error(`no sample for ${String(inner)}`);
  if (name === "idempotencyKey") return newKey("bola");
  switch (inner.name) {
    case "MinorUnits":
      return "100";
    case "CurrencyCode":
      return "USD";
    case "Int":
      return 1;
    case "Boolean":
      return false;
    case "Metadata":
      return {};
    default:
      return "bola-sample";
  }
}

function requiredFields(
  fields: Record<string, { type: GraphQLInputType; defaultValue?: unknown }>,
): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) {
    if (isNonNullType(field.type) && field.defaultValue === undefined)
      value[name] = sampleValue(field.type, name);
  }
  return value;
}

/** `errors { code }` for payloads, `__typename` for any other object: enough to see what came back. */
function selectionFor(type: GraphQLNamedType): string {
  if (isInterfaceType(type)) return "{ __typename }";
  if (!isObjectType(type)) return "";
  const fields = (type as GraphQLObjectType).getFields();
  const parts = ["__typename"];
  for (const [name, field] of Object.entries(fields)) {
    const named = getNamedType(field.type);
    if (name === "errors") parts.push("errors { code }");
    else if (isObjectType(named) && field.args.length === 0) parts.push(`${name} { __typename }`);
  }
  return `{ ${parts.join(" ")} }`;
}

function variableType(argument: GraphQLArgument): string {
  return String(argument.type);
}

/** Every (field, id position) pair in the schema. */
function generateCalls(): GeneratedCall[] {
  const calls: GeneratedCall[] = [];
  const roots = [
    ["query", schema.getQueryType()],
    ["mutation", schema.getMutationType()],
  ] as const;
  for (const [operation, root] of roots) {
    for (const field of Object.values(root?.getFields() ?? {}) as GraphQLField<unknown, unknown>[]) {
      const selection = selectionFor(getNamedType(field.type));
      const declare = field.args.map((a) => `$${a.name}: ${variableType(a)}`).join(", ");
      const pass = field.args.map((a) => `${a.name}: $${a.name}`).join(", ");
      const document = `${operation}${declare ? `(${declare})` : ""} { ${field.name}${pass ? `(${pass})` : ""} ${selection} }`;
      const baseVariables = () => {
        const variables: Record<string, unknown> = {};
        for (const a of field.args) {
          if (isNonNullType(a.type) && a.defaultValue === undefined)
            variables[a.name] = sampleValue(a.type, a.name);
        }
        return variables;
      };
      for (const argument of field.args) {
        if (isIdType(argument.type)) {
          const kind = objectKindOf(argument.name, field.name);
          if (!kind) continue;
          calls.push({
            operation,
            field: field.name,
            idPath: argument.name,
            kind,
            build: (id) => ({ document, variables: { ...baseVariables(), [argument.name]: id } }),
          });
          continue;
        }
        const input = getNamedType(argument.type);
        if (!isInputObjectType(input)) continue;
        for (const [name, inputField] of Object.entries(input.getFields())) {
          if (!isIdType(inputField.type)) continue;
          const kind = objectKindOf(name, field.name);
          if (!kind) continue;
          calls.push({
            operation,
            field: field.name,
            idPath: `${argument.name}.${name}`,
            kind,
            build: (id) => {
              const variables = baseVariables();
              const value = { ...requiredFields(input.getFields()), [name]: id };
              return { document, variables: { ...variables, [argument.name]: value } };
            },
          });
        }
      }
    }
  }
  return calls;
}

const calls = generateCalls();

/** Refused as "no such object" (or "not for this kind of key"), and nothing else. */
function isRefused(result: GraphQLResponse<Record<string, unknown>>, call: GeneratedCall): boolean {
  const topLevel = result.errors?.map((e) => String(e.extensions?.code)) ?? [];
  const payload = result.data?.[call.field] as { errors?: Array<{ code: string }> } | null | undefined;
  const payloadCodes = payload?.errors?.map((e) => e.code) ?? [];
  // node(id) answers another merchant's id as it answers an id that does not exist: null (Relay's convention).
  if (call.kind === "node") return result.errors === undefined && payload === null;
  return (
    (topLevel.length > 0 && topLevel.every((code) => REFUSED_TOP_LEVEL.has(code)) && !payload) ||
    (payloadCodes.length > 0 && payloadCodes.every((code) => REFUSED_PAYLOAD.test(code)))
  );
}

let t: TestApp;
let owner: TestMerchant;
let attacker: TestMerchant;
const ownerObjects: Fixtures = { payment: [], paymentMethod: [], refund: [], node: [] };
let tables: string[] = [];

async function mutation<T>(key: string, document: string, input: Record<string, unknown>): Promise<T> {
  const result = await t.gql<Record<string, T>>(key, document, {
    input: { idempotencyKey: newKey("setup"), ...input },
  });
  const payload = Object.values(result.data ?? {})[0];
  if (!payload) throw new Error(`setup failed: ${result.raw}`);
  return payload;
}

/**
 * A fingerprint of every table's contents: any write the refused call made shows here. process_instances is left
 * out: the app heartbeats its liveness there every few seconds whatever the requests do.
 */
async function databaseFingerprint(): Promise<Record<string, string>> {
  const fingerprint: Record<string, string> = {};
  for (const table of tables) {
    const rows = await t.app.db.$queryRawUnsafe<Array<{ digest: string | null }>>(
      `SELECT md5(string_agg(row_text, '|' ORDER BY row_text)) AS digest FROM (SELECT t::text AS row_text FROM "${table}" t) s`,
    );
    fingerprint[table] = rows[0]?.digest ?? "empty";
  }
  return fingerprint;
}

beforeAll(async () => {
  t = await createTestApp();
  owner = await t.createMerchant();
  attacker = await t.createMerchant();
  const rows = await t.app.db.$queryRawUnsafe<Array<{ name: string }>>(
    `SELECT table_name::text AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
        AND table_name NOT IN ('_prisma_migrations', 'process_instances')
      ORDER BY 1`,
  );
  tables = rows.map((r) => r.name);

  // The owner's objects in every state a call could act on: captured (refundable), authorized (capturable,
  // cancellable), and a refund.
  const paymentMethod = await t.tokenize(owner.publishableKey);
  ownerObjects.paymentMethod.push(paymentMethod);
  const create = `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } errors { code } } }`;
  for (const captureMethod of ["AUTOMATIC", "MANUAL"]) {
    const created = await mutation<{ payment: { id: string; status: string } | null }>(
      owner.secretKey,
      create,
      { amount: "5000", currency: "USD", paymentMethodId: paymentMethod, captureMethod },
    );
    if (!created.payment) throw new Error("setup payment failed");
    ownerObjects.payment.push(created.payment.id);
  }
  const refunded = await mutation<{ refund: { id: string } | null }>(
    owner.secretKey,
    `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { id } errors { code } } }`,
    { paymentId: ownerObjects.payment[0], amount: "100" },
  );
  if (!refunded.refund) throw new Error("setup refund failed");
  ownerObjects.refund.push(refunded.refund.id);
  ownerObjects.node.push(...ownerObjects.payment, ...ownerObjects.paymentMethod, ...ownerObjects.refund);
});

afterAll(() => t.close());

describe("the generated matrix", () => {
  it("covers every id-taking field of the schema, each with a fixture", () => {
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(Object.keys(ownerObjects), `${call.field}(${call.idPath}): no fixture kind`).toContain(
        call.kind,
      );
    }
    // The fields known today, so that a generator bug that finds nothing cannot pass silently.
    const covered = new Set(calls.map((c) => c.field));
    for (const field of [
      "payment",
      "refund",
      "capturePayment",
      "cancelPayment",
      "refundPayment",
      "createPayment",
    ])
      expect(covered).toContain(field);
  });
});

const attackers = [
  ["another merchant's secret key", () => attacker.secretKey],
  ["the owner's live secret key on test objects", () => owner.liveSecretKey],
] as const;

describe.each(attackers)("with %s", (_who, key) => {
  it.each(calls.map((c) => [`${c.operation} ${c.field}(${c.idPath})`, c] as const))(
    "%s is refused for every object of that kind and writes nothing",
    async (_name, call) => {
      const ids = ownerObjects[call.kind];
      expect(ids.length, `fixtures for ${call.kind}`).toBeGreaterThan(0);
      for (const id of ids) {
        const before = await databaseFingerprint();
        const { document, variables } = call.build(id);
        const result = await t.gql<Record<string, Record<string, unknown> | null>>(
          key(),
          document,
          variables,
        );
        const payload = result.data?.[call.field];
        expect(isRefused(result, call), `${call.field} on ${id}: ${result.raw}`).toBe(true);
        // Nothing of the owner's object leaks into the payload besides the refusal.
        if (payload) {
          for (const [name, value] of Object.entries(payload)) {
            if (name !== "errors" && name !== "__typename") expect(value, `${call.field}.${name}`).toBeNull();
          }
        }
        expect(await databaseFingerprint(), `${call.field} on ${id} wrote something`).toEqual(before);
      }
      await t.expectLedgerBalanced();
    },
  );
});

describe("the owner's own key (the control)", () => {
  it.each(calls.filter((c) => c.operation === "query").map((c) => [`${c.field}(${c.idPath})`, c] as const))(
    "%s answers the owner's object",
    async (_name, call) => {
      for (const id of ownerObjects[call.kind]) {
        const { document, variables } = call.build(id);
        const result = await t.gql<Record<string, unknown>>(owner.secretKey, document, variables);
        expect(result.errors, result.raw).toBeUndefined();
        expect(result.data?.[call.field]).not.toBeNull();
        // The refusal check above is not vacuous: the owner's own call does not pass it.
        expect(isRefused(result, call)).toBe(false);
      }
    },
  );
});
