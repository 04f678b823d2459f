// PSP routing: merchant rules, then global rules, evaluated top-down into an
// ordered list of candidate PSPs; among eligible PSPs a merchant may prefer the
// one with the better recent authorization rate (with a small exploration share
// so a recovering PSP gets traffic to prove itself). Pure: the caller passes
// breaker states, rates and the random draw, and stores the decision.
import type { CurrencyCode } from "../money/currency";
import type { CardBrand } from "../vault/card";
import type { FundingType } from "../vault/funding-type";

export interface RoutingMatch {
  currencies?: string[];
  brands?: CardBrand[];
  /** Card issuing countries (ISO 3166 alpha-2). */
  countries?: string[];
  amountMinMinor?: bigint;
  amountMaxMinor?: bigint;
  /** Card funding types (issue 18): credit, debit, prepaid; a card of unknown funding matches no such rule. */
  fundingTypes?: FundingType[];
}

export interface RoutingRule {
  id: string;
  /** Null: a global rule. Merchant rules are evaluated before global ones. */
  merchantId: string | null;
  /** Lower runs first. */
  priority: number;
  match: RoutingMatch;
  /** PSPs in order of preference. */
  pspNames: string[];
}

export interface RoutingInput {
  merchantId: string;
  currency: CurrencyCode;
  brand: CardBrand;
  cardCountry: string | null;
  amountMinor: bigint;
  /** Absent: unknown (matches no rule that names funding types). */
  fundingType?: FundingType;
}

export interface PspProfile {
  name: string;
  /** Cost of processing in basis points; cheaper first among equals. */
  costBps: number;
  currencies: string[] | "any";
}

export type BreakerState = "closed" | "open" | "half_open";

export interface RoutingOptions {
  preferAuthorizationRate: boolean;
  /** Share of payments routed in rule order regardless of rates (0..1), so every PSP keeps being measured. */
  explorationShare: number;
  /** Authorization rates below this many recent attempts are not trusted. */
  minimumSamples: number;
}

export interface RoutingDecision {
  candidates: string[];
  matchedRuleId: string | null;
  scores: Record<string, { authorizationRate: number | null; samples: number; costBps: number }>;
  breakers: Record<string, BreakerState>;
  explored: boolean;
  /** PSPs left out and why, for the audit trail. */
  skipped: Array<{ name: string; reason: "breaker_open" | "currency" | "unknown_psp" }>;
}

export const DEFAULT_ROUTING_OPTIONS: RoutingOptions = {
  preferAuthorizationRate: false,
  explorationShare: 0.05,
  minimumSamples: 20,
};

export function ruleMatches(rule: RoutingRule, input: RoutingInput): boolean {
  const m = rule.match;
  if (m.currencies && !m.currencies.includes(input.currency)) return false;
  if (m.brands && !m.brands.includes(input.brand)) return false;
  if (m.countries && (input.cardCountry === null || !m.countries.includes(input.cardCountry))) return false;
  if (m.amountMinMinor !== undefined && input.amountMinor < m.amountMinMinor) return false;
  if (m.amountMaxMinor !== undefined && input.amountMinor > m.amountMaxMinor) return false;
  if (m.fundingTypes && !m.fundingTypes.includes(input.fundingType ?? "unknown")) return false;
  return true;
}

/**
 * Orders the PSPs to try. The first matching rule (merchant rules before global, by priority) gives the order;
 * with no match, every PSP that takes the currency, cheapest first. PSPs whose breaker is open are skipped.
 * With `preferAuthorizationRate`, eligible PSPs are re-ordered by their recent rate unless this draw explores.
 */
export function routePayment(
  input: RoutingInput,
  rules: readonly RoutingRule[],
  psps: readonly PspProfile[],
  state: {
    breakers: Record<string, BreakerState>;
    authorizationRates: Record<string, { approved: number; total: number }>;
    /** A uniform draw in [0, 1). */
    random: number;
  },
  options: RoutingOptions = DEFAULT_ROUTING_OPTIONS,
): RoutingDecision {
  const byName = new Map(psps.map((psp) => [psp.name, psp]));
  const ordered = [...rules].sort(
    (a, b) => Number(a.merchantId === null) - Number(b.merchantId === null) || a.priority - b.priority,
  );
  const matched = ordered.find(
    (rule) => (rule.merchantId === null || rule.merchantId === input.merchantId) && ruleMatches(rule, input),
  );
  const preferred = matched
    ? matched.pspNames
    : [...psps].sort((a, b) => a.costBps - b.costBps || a.name.localeCompare(b.name)).map((psp) => psp.name);

  const skipped: RoutingDecision["skipped"] = [];
  const eligible: string[] = [];
  for (const name of preferred) {
    const psp = byName.get(name);
    if (!psp) skipped.push({ name, reason: "unknown_psp" });
    else if (psp.currencies !== "any" && !psp.currencies.includes(input.currency))
      skipped.push({ name, reason: "currency" });
    else if (state.breakers[name] === "open") skipped.push({ name, reason: "breaker_open" });
    else if (!eligible.includes(name)) eligible.push(name);
  }

  const scores: RoutingDecision["scores"] = {};
  for (const name of eligible) {
    const rate = state.authorizationRates[name];
    const samples = rate?.total ?? 0;
    scores[name] = {
      authorizationRate: rate && samples >= options.minimumSamples ? rate.approved / samples : null,
      samples,
      costBps: byName.get(name)?.costBps ?? 0,
    };
  }
  const explored = options.preferAuthorizationRate && state.random < options.explorationShare;
  let candidates = eligible;
  if (options.preferAuthorizationRate && !explored) {
    // Stable: PSPs without enough samples keep their rule position relative to each other, after measured ones.
    candidates = [...eligible].sort((a, b) => {
      const rateA = scores[a]?.authorizationRate ?? -1;
      const rateB = scores[b]?.authorizationRate ?? -1;
      return rateB - rateA;
    });
  }
  return {
    candidates,
    matchedRuleId: matched?.id ?? null,
    scores,
    breakers: Object.fromEntries(psps.map((psp) => [psp.name, state.breakers[psp.name] ?? "closed"])),
    explored,
    skipped,
  };
}

/** Recent authorization outcomes per PSP over a bounded sliding window (in memory, per process). */
export class AuthorizationRateWindow {
  private readonly outcomes = new Map<string, boolean[]>();

  constructor(private readonly size = 200) {}

  record(pspName: string, approved: boolean): void {
    const list = this.outcomes.get(pspName) ?? [];
    list.push(approved);
    if (list.length > this.size) list.splice(0, list.length - this.size);
    this.outcomes.set(pspName, list);
  }

  snapshot(): Record<string, { approved: number; total: number }> {
    const out: Record<string, { approved: number; total: number }> = {};
    for (const [name, list] of this.outcomes) {
      out[name] = { approved: list.filter(Boolean).length, total: list.length };
    }
    return out;
  }
}
