// Limits on what a query may ask for, all checked before anything executes: its size in tokens (given to the
// parser, so deep nesting cannot overflow its stack), depth, aliases, directives, the length of any list in
// its variables, and its cost (objects it may resolve, lists multiplied by their page size). Each refusal is
// a GraphQL error with a stable `extensions.code` and HTTP 400.
//
// Depth, aliases and directives come from graphql-armor's validation rules; they only depend on the document,
// so Yoga's validation cache may keep their verdict. The cost depends on the variables (`first: $n`), so it is
// measured in onExecute on every request with Pothos' complexity rule, which reads each field's arguments;
// graphql-armor's cost limit does not read arguments. Each cost is kept per parsed document and the values of
// the variables it reads (QueryCosts). The token limit is graphql-js' own `maxTokens`.
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { createComplexityRule } from "@pothos/plugin-complexity";
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  type ParseOptions,
  parse,
  type Source,
  specifiedRules,
  TypeInfo,
  type ValidationContext,
  type ValidationRule,
  validate,
  visit,
  visitWithTypeInfo,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { defaultFieldComplexity } from "../schema/builder";
import type { GraphQLErrorCode } from "../schema/graphql-error-codes";

export const QUERY_LIMITS = {
  /** Lexical tokens in a document. The queries in docs/api.md use under 100, graphql's full introspection query 183. */
  tokensMax: 2_000,
  /** Nested selections: the deepest honest query (a page's nodes' ledger entries' lines) is 6. */
  depthMax: 10,
  aliasesMax: 15,
  directivesMax: 20,
  /**
   * Objects a query may resolve (see `fieldComplexity` in schema/builder.ts). A full page of 100 payments with
   * every nested list costs 9,301, a page of 100 with its cards 201; two full pages in one query are refused.
   */
  costMax: 10_000,
  /** Elements of any list in the variables; the longest honest one (statuses) has 11. */
  variableListLengthMax: 100,
} as const;

export type QueryLimitCode =
  | "QUERY_TOO_LARGE"
  | "QUERY_TOO_DEEP"
  | "QUERY_TOO_MANY_ALIASES"
  | "QUERY_TOO_MANY_DIRECTIVES"
  | "QUERY_TOO_COMPLEX"
  | "LIST_TOO_LONG";

/**
 * `spec: false`: Yoga answers graphql's own validation errors 200 to `Accept: application/json` clients, as the
 * GraphQL-over-HTTP spec asks for that legacy type; a refusal for a limit is 400 (or its own status) to every
 * client, so proxies and load balancers can count them.
 */
const LIMIT_CODES: ReadonlySet<string> = new Set<QueryLimitCode>([
  "QUERY_TOO_LARGE",
  "QUERY_TOO_DEEP",
  "QUERY_TOO_MANY_ALIASES",
  "QUERY_TOO_MANY_DIRECTIVES",
  "QUERY_TOO_COMPLEX",
  "LIST_TOO_LONG",
]);

export function limitError(code: GraphQLErrorCode, message: string, status = 400): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status, spec: false } } });
}

/** graphql-armor rules throw by default; reporting instead keeps them with graphql's other validation errors. */
function armorRule(
  code: QueryLimitCode,
  build: (options: {
    n: number;
    propagateOnRejection: false;
    onReject: Array<(context: ValidationContext | null, error: GraphQLError) => void>;
  }) => ValidationRule,
  n: number,
): ValidationRule {
  return build({
    n,
    propagateOnRejection: false,
    onReject: [
      (context, error) =>
        context?.reportError(limitError(code, error.message.replace(/^Syntax Error: /, ""))),
    ],
  });
}

const DOCUMENT_RULES: readonly ValidationRule[] = [
  armorRule("QUERY_TOO_DEEP", (o) => maxDepthRule({ ...o, flattenFragments: true }), QUERY_LIMITS.depthMax),
  armorRule("QUERY_TOO_MANY_ALIASES", maxAliasesRule, QUERY_LIMITS.aliasesMax),
  armorRule("QUERY_TOO_MANY_DIRECTIVES", maxDirectivesRule, QUERY_LIMITS.directivesMax),
];

/** A JSON object of the variables; not an upload (a File, whose bytes are no list of the client's). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The first list in `value` longer than `max`, found with a bounded walk (the body limit bounds the input). Only
 * arrays and plain objects are walked, one element at a time: an uploaded file's bytes (a typed array inside the
 * File) spread onto the stack overflowed it, a 500 for any upload of a few hundred kilobytes.
 */
export function tooLongList(value: unknown, max: number): boolean {
  const pending: unknown[] = [value];
  for (let visited = 0; pending.length > 0 && visited < 1_000_000; visited++) {
    const next = pending.pop();
    const children = Array.isArray(next) ? next : isPlainObject(next) ? Object.values(next) : null;
    if (children === null) continue;
    if (Array.isArray(next) && next.length > max) return true;
    for (const child of children) pending.push(child);
  }
  return false;
}

/** Costs kept per document, one per operation and values of the variables its cost reads. */
const COSTS_PER_DOCUMENT_MAX = 32;
/** Variables whose values (as JSON) are longer than this are not a cache key: the cost is measured anew. */
const COST_KEY_LENGTH_MAX = 512;

interface DocumentCosts {
  /** Variables the cost reads: those in the arguments of fields with their own complexity function. */
  costVariables: readonly string[];
  /** Least recently used first (a Map keeps insertion order; a hit is moved to the end). */
  costs: Map<string, number>;
}

/**
 * A query's cost, measured once per parsed document (Yoga's parse cache hands the same DocumentNode to every
 * request with the same text), operation and values of the variables the cost depends on. The complexity rule
 * walks the whole document with the schema on every call; the read mix spent about a tenth of its CPU on it
 * (issue 23). Fields without their own complexity cost what their type says (`defaultFieldComplexity`, which
 * reads no argument); a field with its own function (`first`, `ids`) may read any of its arguments, so the
 * variables used in those arguments are part of the key.
 */
export class QueryCosts {
  private readonly byDocument = new WeakMap<DocumentNode, DocumentCosts>();
  hits = 0;
  misses = 0;

  costOf(
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | null,
    variables: Readonly<Record<string, unknown>> | null | undefined,
    measure: () => number | null,
  ): number | null {
    let entry = this.byDocument.get(document);
    if (entry === undefined) {
      entry = { costVariables: costVariablesOf(schema, document), costs: new Map() };
      this.byDocument.set(document, entry);
    }
    const key = JSON.stringify([
      operationName,
      ...entry.costVariables.map((name) => variables?.[name] ?? null),
    ]);
    if (key.length > COST_KEY_LENGTH_MAX) {
      this.misses += 1;
      return measure();
    }
    const known = entry.costs.get(key);
    if (known !== undefined) {
      this.hits += 1;
      entry.costs.delete(key);
      entry.costs.set(key, known);
      return known;
    }
    this.misses += 1;
    const cost = measure();
    // Bad variables measure nothing (the executor reports them): nothing is kept.
    if (cost === null) return null;
    if (entry.costs.size >= COSTS_PER_DOCUMENT_MAX) {
      const oldest = entry.costs.keys().next();
      if (!oldest.done) entry.costs.delete(oldest.value);
    }
    entry.costs.set(key, cost);
    return cost;
  }
}

/** The variables used in the arguments of fields whose cost is their own function of the arguments, sorted. */
function costVariablesOf(schema: GraphQLSchema, document: DocumentNode): readonly string[] {
  const typeInfo = new TypeInfo(schema);
  const names = new Set<string>();
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const complexity = typeInfo.getFieldDef()?.extensions?.complexity;
        // An unknown field has failed validation already; its arguments are counted to be safe.
        if (typeof complexity === "function" && complexity === defaultFieldComplexity) return;
        if (complexity !== undefined && typeof complexity !== "function") return;
        for (const argument of node.arguments ?? []) {
          visit(argument, {
            Variable(variable) {
              names.add(variable.name.value);
            },
          });
        }
      },
    }),
  );
  return [...names].sort();
}

/**
 * Bad variables make the complexity rule throw or report graphql's coercion error, suggestions included; those
 * are left to the executor, which reports them (without suggestions when asked). Only the cost verdict counts.
 */
function costErrors(measure: () => readonly GraphQLError[]): readonly GraphQLError[] {
  try {
    return measure().filter((error) => error.extensions.code === "QUERY_TOO_COMPLEX");
  } catch {
    return [];
  }
}

/** graphql's "Did you mean …?" sentence, in all its forms ("the enum value", "to use an inline fragment"). */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

export interface QueryLimitsOptions {
  /** Leaves "Did you mean …?" out of validation and variable errors: they map the schema for a stranger. */
  hideSuggestions: boolean;
}

export function useQueryLimits({ hideSuggestions }: QueryLimitsOptions): Plugin {
  const costs = new QueryCosts();
  return {
    onParse({ setParseFn }) {
      setParseFn((source: string | Source, options?: ParseOptions): DocumentNode => {
        try {
          return parse(source, { ...options, maxTokens: QUERY_LIMITS.tokensMax });
        } catch (error) {
          if (error instanceof GraphQLError && /tokens\. Parsing aborted/.test(error.message)) {
            throw limitError("QUERY_TOO_LARGE", `The query has more than ${QUERY_LIMITS.tokensMax} tokens.`);
          }
          throw error;
        }
      });
    },
    onResultProcess({ result }) {
      // Yoga marks every parse error as the spec's (200 for application/json) with `spec ||= true`, after our
      // parser ran; this restores our refusals' own status just before the status is chosen.
      for (const error of ("errors" in result ? (result.errors ?? []) : []) as GraphQLError[]) {
        const http = error.extensions?.http as { spec?: boolean } | undefined;
        if (http && LIMIT_CODES.has(error.extensions.code as string)) http.spec = false;
        // The executor coerces enum variables through graphql's coerceInputValue, which ignores
        // `hideSuggestions` (graphql-tools executor 2.1): the one leak left, closed here.
        if (hideSuggestions) error.message = error.message.replace(SUGGESTION, "");
      }
    },
    onValidate({ setValidationFn }) {
      setValidationFn((schema, document, rules) => {
        // Rules other plugins added come on top of graphql's own, never instead of them.
        const added = ((rules ?? []) as readonly ValidationRule[]).filter(
          (rule) => !specifiedRules.includes(rule),
        );
        return validate(schema, document, [...specifiedRules, ...added, ...DOCUMENT_RULES], {
          hideSuggestions,
        });
      });
    },
    onExecute({ args, setResultAndStopExecution }) {
      (args as { hideSuggestions?: boolean }).hideSuggestions = hideSuggestions;
      if (tooLongList(args.variableValues, QUERY_LIMITS.variableListLengthMax)) {
        setResultAndStopExecution({
          errors: [
            limitError(
              "LIST_TOO_LONG",
              `A list in the variables has more than ${QUERY_LIMITS.variableListLengthMax} elements.`,
            ),
          ],
        });
        return;
      }
      // A mutation's fields return single objects, so its cost is bounded by its aliases (at most 15 times a
      // payment's, about 1,500): measuring it would only slow the payment path down.
      if (getOperationAST(args.document, args.operationName)?.operation === "mutation") return;
      const cost = costs.costOf(
        args.schema,
        args.document,
        args.operationName ?? null,
        args.variableValues,
        () => {
          let complexity: number | null = null;
          costErrors(() =>
            validate(args.schema, args.document, [
              createComplexityRule({
                context: args.contextValue as object,
                variableValues: (args.variableValues ?? {}) as Record<string, unknown>,
                operationName: args.operationName ?? null,
                validate: (result) => {
                  complexity = result.complexity;
                },
              }),
            ]),
          );
          return complexity;
        },
      );
      const errors =
        cost !== null && cost > QUERY_LIMITS.costMax
          ? [
              limitError(
                "QUERY_TOO_COMPLEX",
                `The query may resolve ${cost} objects; at most ${QUERY_LIMITS.costMax} are allowed. Ask for smaller pages or fewer nested lists.`,
              ),
            ]
          : [];
      if (errors.length > 0) setResultAndStopExecution({ errors: [...errors] });
    },
  };
}
