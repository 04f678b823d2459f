// Routing rules (merchant and global) and each merchant's routing preference, read side; changes go through
// the core's RoutingRuleCommands (routing-rule-store.repository.ts).
import type { RoutingMatch, RoutingRule } from "@paycore/core/psp/routing";
import type { CardBrand } from "@paycore/core/vault/card";
import type { FundingType } from "@paycore/core/vault/funding-type";
import type { DatabaseClient, Prisma } from "../client";
import type { Sql } from "../sql";

const RULES_MAX = 1000;

export interface StoredMatch {
  currencies?: string[];
  brands?: string[];
  countries?: string[];
  amountMinMinor?: string;
  amountMaxMinor?: string;
  fundingTypes?: string[];
}

/**
 * The rules for one merchant plus the global ones (as `rulesFor`, bounded the same), and the merchant's routing
 * preference, in one statement; `match` as stored (jsonb), `pspNames` a text array.
 */
const ROUTING_FOR = `
SELECT (SELECT route_by_authorization_rate FROM merchants WHERE id = $1) AS "preferRate",
       (SELECT COALESCE(json_agg(json_build_object('id', r.id, 'merchantId', r.merchant_id, 'priority', r.priority,
                                                   'match', r.match, 'pspNames', r.psp_names)
                                 ORDER BY r.priority, r.id), '[]'::json)
          FROM (SELECT id, merchant_id, priority, match, psp_names FROM routing_rules
                 WHERE merchant_id = $1 OR merchant_id IS NULL
                 ORDER BY priority, id LIMIT ${RULES_MAX}) AS r) AS rules`;

/**
 * What the PSP router reads per merchant (and caches): one node-postgres statement (issue 23), where
 * RoutingRuleRepository's two Prisma queries cost the API about twenty times its CPU.
 */
export class MerchantRoutingReader {
  constructor(private readonly sql: Sql) {}

  async routingFor(merchantId: string): Promise<{ rules: RoutingRule[]; preferRate: boolean }> {
    const [row] = await this.sql.query<{
      preferRate: boolean | null;
      rules: Array<{
        id: string;
        merchantId: string | null;
        priority: number;
        match: StoredMatch;
        pspNames: string[];
      }>;
    }>(ROUTING_FOR, [merchantId]);
    return { rules: (row?.rules ?? []).map(toRule), preferRate: row?.preferRate ?? false };
  }
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
  match: Prisma.JsonValue | StoredMatch;
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
