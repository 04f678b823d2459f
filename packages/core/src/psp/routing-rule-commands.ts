// The one write path for PSP routing rules and the merchants' routing preference (the CLI today, the console
// later): every rule is checked here once, and every change written with its audit row. API processes see a
// change within their rules cache's lifetime (30 s).
import { DomainError } from "../errors/domain-error";
import { newId } from "../ids/ids";
import { parseCurrency } from "../money/currency";
import { MAX_AMOUNT_MINOR } from "../money/money";
import { assertFreeText } from "../payments/free-text";
import type { Actor, AuditValue } from "../ports/audit";
import type { RoutingRuleStore } from "../ports/routing-rule-store";
import { parsePspName } from "../psp-accounts/psp-account";
import type { CardBrand } from "../vault/card";
import { parseFundingType } from "../vault/funding-type";
import type { RoutingMatch, RoutingRule } from "./routing";

export const ROUTING_PRIORITY_MAX = 1_000_000;
/** PSPs per rule and values per match list: far above any real rule, small enough to evaluate per payment. */
export const ROUTING_LIST_MAX = 50;
const COUNTRY = /^[A-Z]{2}$/;
const BRANDS: readonly CardBrand[] = ["visa", "mastercard", "amex", "discover", "diners", "jcb", "unionpay"];

export type NewRoutingRuleInput = Omit<RoutingRule, "id">;

function invalid(field: string[], message: string): DomainError {
  return new DomainError("INVALID_INPUT", message, { field });
}

function boundedList(field: string, values: readonly string[]): void {
  if (values.length === 0 || values.length > ROUTING_LIST_MAX)
    throw invalid([field], `${field} holds 1 to ${ROUTING_LIST_MAX} values.`);
}

function validMatch(match: RoutingMatch): RoutingMatch {
  const valid: RoutingMatch = {};
  if (match.currencies !== undefined) {
    boundedList("currencies", match.currencies);
    valid.currencies = match.currencies.map((raw) => {
      const currency = parseCurrency(raw.trim().toUpperCase());
      if (!currency) throw invalid(["match", "currencies"], "currencies are ISO 4217 codes such as EUR.");
      return currency;
    });
  }
  if (match.brands !== undefined) {
    boundedList("brands", match.brands);
    valid.brands = match.brands.map((raw) => {
      const brand = raw.trim().toLowerCase() as CardBrand;
      if (!BRANDS.includes(brand))
        throw invalid(["match", "brands"], `brands are among ${BRANDS.join(", ")}.`);
      return brand;
    });
  }
  if (match.countries !== undefined) {
    boundedList("countries", match.countries);
    valid.countries = match.countries.map((raw) => {
      const country = raw.trim().toUpperCase();
      if (!COUNTRY.test(country))
        throw invalid(["match", "countries"], "countries are ISO 3166 alpha-2 codes.");
      return country;
    });
  }
  if (match.fundingTypes !== undefined) {
    boundedList("fundingTypes", match.fundingTypes);
    valid.fundingTypes = match.fundingTypes.map((raw) => {
      const fundingType = parseFundingType(raw);
      if (fundingType === null || fundingType === "unknown")
        throw invalid(["match", "fundingTypes"], "fundingTypes are among credit, debit, prepaid.");
      return fundingType;
    });
  }
  for (const field of ["amountMinMinor", "amountMaxMinor"] as const) {
    const amount = match[field];
    if (amount === undefined) continue;
    if (amount < 0n || amount > MAX_AMOUNT_MINOR)
      throw invalid(["match", field], `${field} is a whole number of minor units up to ${MAX_AMOUNT_MINOR}.`);
    valid[field] = amount;
  }
  if (
    valid.amountMinMinor !== undefined &&
    valid.amountMaxMinor !== undefined &&
    valid.amountMinMinor > valid.amountMaxMinor
  )
    throw invalid(["match", "amountMinMinor"], "The smallest amount must not exceed the largest.");
  return valid;
}

/** A rule checked and spelled as the router compares it (upper-case currencies and countries, lower-case brands). */
export function validRoutingRule(input: NewRoutingRuleInput): NewRoutingRuleInput {
  const merchantId = input.merchantId?.trim() || null;
  if (merchantId !== null) {
    if (merchantId.length > 64) throw invalid(["merchantId"], "Not a merchant id.");
    assertFreeText(merchantId, { field: ["merchantId"] });
  }
  if (!Number.isInteger(input.priority) || input.priority < 0 || input.priority > ROUTING_PRIORITY_MAX)
    throw invalid(["priority"], `priority is an integer from 0 to ${ROUTING_PRIORITY_MAX}.`);
  const pspNames = input.pspNames.map((name) => name.trim().toLowerCase());
  boundedList("pspNames", pspNames);
  if (pspNames.some((name) => parsePspName(name) === null) || new Set(pspNames).size !== pspNames.length)
    throw invalid(["pspNames"], "PSP names are distinct lower-case names such as stripe,adyen.");
  return { merchantId, priority: input.priority, pspNames, match: validMatch(input.match) };
}

function ruleAudit(rule: RoutingRule): Record<string, AuditValue> {
  const { match } = rule;
  return {
    merchantId: rule.merchantId,
    priority: rule.priority,
    pspNames: rule.pspNames.join(","),
    currencies: match.currencies?.join(",") ?? null,
    brands: match.brands?.join(",") ?? null,
    countries: match.countries?.join(",") ?? null,
    fundingTypes: match.fundingTypes?.join(",") ?? null,
    amountMinMinor: match.amountMinMinor?.toString() ?? null,
    amountMaxMinor: match.amountMaxMinor?.toString() ?? null,
  };
}

export class RoutingRuleCommands {
  constructor(private readonly deps: { store: RoutingRuleStore }) {}

  async add(actor: Actor, input: NewRoutingRuleInput): Promise<RoutingRule> {
    const rule: RoutingRule = { id: newId("routingRule"), ...validRoutingRule(input) };
    return this.deps.store.add(rule, {
      actor,
      action: "routing_rule.add",
      targetId: rule.id,
      before: null,
      after: ruleAudit(rule),
    });
  }

  /** False when there is no such rule. */
  async remove(actor: Actor, ruleId: string): Promise<boolean> {
    const before = await this.deps.store.findRule(ruleId);
    if (!before) return false;
    return this.deps.store.remove(before.id, {
      actor,
      action: "routing_rule.remove",
      targetId: before.id,
      before: ruleAudit(before),
      after: null,
    });
  }

  /**
   * Whether the router prefers, among eligible PSPs, the one with the better recent authorization rate for this
   * merchant. False when there is no such merchant.
   */
  async setPreference(actor: Actor, merchantId: string, routeByAuthorizationRate: boolean): Promise<boolean> {
    const before = await this.deps.store.routeByAuthorizationRate(merchantId);
    if (before === null) return false;
    return this.deps.store.setRouteByAuthorizationRate(merchantId, routeByAuthorizationRate, {
      actor,
      action: "routing.set_preference",
      targetId: merchantId,
      before: { routeByAuthorizationRate: before },
      after: { routeByAuthorizationRate },
    });
  }
}
