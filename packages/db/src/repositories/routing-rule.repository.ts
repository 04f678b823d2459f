// Routing rules (merchant and global) and each merchant's routing preference.
import { newId } from "@paycore/core/ids/ids";
import type { RoutingMatch, RoutingRule } from "@paycore/core/psp/routing";
import type { CardBrand } from "@paycore/core/vault/card";
import type { DatabaseClient, Prisma } from "../client";

const RULES_MAX = 1000;

interface StoredMatch {
  currencies?: string[];
  brands?: string[];
  countries?: string[];
  amountMinMinor?: string;
  amountMaxMinor?: string;
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
    return rows.map((row) => ({
      id: row.id,
      merchantId: row.merchantId,
      priority: row.priority,
      pspNames: row.pspNames,
      match: fromStored(row.match as StoredMatch),
    }));
  }

  async add(rule: Omit<RoutingRule, "id">): Promise<RoutingRule> {
    const id = newId("routingRule");
    await this.db.routingRule.create({
      data: {
        id,
        merchantId: rule.merchantId,
        priority: rule.priority,
        pspNames: rule.pspNames,
        match: toStored(rule.match) as Prisma.InputJsonValue,
      },
      select: { id: true },
    });
    return { ...rule, id };
  }

  async routeByAuthorizationRate(merchantId: string): Promise<boolean> {
    const row = await this.db.merchant.findUnique({
      where: { id: merchantId },
      select: { routeByAuthorizationRate: true },
    });
    return row?.routeByAuthorizationRate ?? false;
  }
}

function toStored(match: RoutingMatch): StoredMatch {
  return {
    ...(match.currencies ? { currencies: match.currencies } : {}),
    ...(match.brands ? { brands: match.brands } : {}),
    ...(match.countries ? { countries: match.countries } : {}),
    ...(match.amountMinMinor !== undefined ? { amountMinMinor: match.amountMinMinor.toString() } : {}),
    ...(match.amountMaxMinor !== undefined ? { amountMaxMinor: match.amountMaxMinor.toString() } : {}),
  };
}

function fromStored(match: StoredMatch): RoutingMatch {
  return {
    ...(match.currencies ? { currencies: match.currencies } : {}),
    ...(match.brands ? { brands: match.brands as CardBrand[] } : {}),
    ...(match.countries ? { countries: match.countries } : {}),
    ...(match.amountMinMinor !== undefined ? { amountMinMinor: BigInt(match.amountMinMinor) } : {}),
    ...(match.amountMaxMinor !== undefined ? { amountMaxMinor: BigInt(match.amountMaxMinor) } : {}),
  };
}
