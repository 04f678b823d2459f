// Routing rules (merchant and global) and each merchant's routing preference, read side; changes go through
// the core's RoutingRuleCommands (routing-rule-store.repository.ts).
import type { RoutingMatch, RoutingRule } from "@paycore/core/psp/routing";
import type { CardBrand } from "@paycore/core/vault/card";
import type { FundingType } from "@paycore/core/vault/funding-type";
import type { DatabaseClient, Prisma } from "../client";

const RULES_MAX = 1000;

export interface StoredMatch {
  currencies?: string[];
  brands?: string[];
  countries?: string[];
  amountMinMinor?: string;
  amountMaxMinor?: string;
  fundingTypes?: string[];
}

export class RoutingRuleRepository {
  constructor(private readonly db: DatabaseClient) {}

  /** Every rule for one merchant plus the global ones (bounded). */
  async rulesFor(merchantId: string): Promise<RoutingRule[]> {
    const rows = await this.db.routingRule.findMany({
      where: { OR: [{ merchantId }, { merchantId: null }] },
      orderBy: [{ priority: "asc" }, { id: "asc" }],
      take: RULES_MAX,
      select: { id: true, merchantId: true, priority: true, match: true, pspNames: true },
    });
    return rows.map(toRule);
  }

  async findRule(id: string): Promise<RoutingRule | null> {
    const row = await this.db.routingRule.findUnique({
      where: { id },
      select: { id: true, merchantId: true, priority: true, match: true, pspNames: true },
    });
    return row === null ? null : toRule(row);
  }

  async routeByAuthorizationRate(merchantId: string): Promise<boolean> {
    const row = await this.db.merchant.findUnique({
      where: { id: merchantId },
      select: { routeByAuthorizationRate: true },
    });
    return row?.routeByAuthorizationRate ?? false;
  }
}

export function toStored(match: RoutingMatch): StoredMatch {
  return {
    ...(match.currencies ? { currencies: match.currencies } : {}),
    ...(match.brands ? { brands: match.brands } : {}),
    ...(match.countries ? { countries: match.countries } : {}),
    ...(match.amountMinMinor !== undefined ? { amountMinMinor: match.amountMinMinor.toString() } : {}),
    ...(match.amountMaxMinor !== undefined ? { amountMaxMinor: match.amountMaxMinor.toString() } : {}),
    ...(match.fundingTypes ? { fundingTypes: match.fundingTypes } : {}),
  };
}

function toRule(row: {
  id: string;
  merchantId: string | null;
  priority: number;
  match: Prisma.JsonValue;
  pspNames: string[];
}): RoutingRule {
  return {
    id: row.id,
    merchantId: row.merchantId,
    priority: row.priority,
    pspNames: row.pspNames,
    match: fromStored(row.match as StoredMatch),
  };
}

function fromStored(match: StoredMatch): RoutingMatch {
  return {
    ...(match.currencies ? { currencies: match.currencies } : {}),
    ...(match.brands ? { brands: match.brands as CardBrand[] } : {}),
    ...(match.countries ? { countries: match.countries } : {}),
    ...(match.amountMinMinor !== undefined ? { amountMinMinor: BigInt(match.amountMinMinor) } : {}),
    ...(match.amountMaxMinor !== undefined ? { amountMaxMinor: BigInt(match.amountMaxMinor) } : {}),
    ...(match.fundingTypes ? { fundingTypes: match.fundingTypes as FundingType[] } : {}),
  };
}
