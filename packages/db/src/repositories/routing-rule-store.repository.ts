// Routing rules and the merchants' routing preference, write side: the store behind the core's
// RoutingRuleCommands. Each change and its operator audit row are one transaction.
import type { AuditDraft } from "@paycore/core/ports/audit";
import type { RoutingRuleStore } from "@paycore/core/ports/routing-rule-store";
import type { RoutingRule } from "@paycore/core/psp/routing";
import type { DatabaseClient, Prisma } from "../client";
import { operatorAuditRow } from "./operator-audit-row";
import { RoutingRuleRepository, toStored } from "./routing-rule.repository";

export class RoutingRuleStoreRepository implements RoutingRuleStore {
  private readonly reads: RoutingRuleRepository;

  constructor(private readonly db: DatabaseClient) {
    this.reads = new RoutingRuleRepository(db);
  }

  findRule(id: string): Promise<RoutingRule | null> {
    return this.reads.findRule(id);
  }

  add(rule: RoutingRule, audit: AuditDraft): Promise<RoutingRule> {
    return this.db.$transaction(async (tx) => {
      await tx.routingRule.create({
        data: {
          id: rule.id,
          merchantId: rule.merchantId,
          priority: rule.priority,
          pspNames: rule.pspNames,
          match: toStored(rule.match) as Prisma.InputJsonValue,
        },
        select: { id: true },
      });
      await tx.operatorAuditLog.create({
        data: operatorAuditRow(audit, "routing_rule"),
        select: { id: true },
      });
      return rule;
    });
  }

  remove(id: string, audit: AuditDraft): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.routingRule.deleteMany({ where: { id } });
      if (count === 0) return false;
      await tx.operatorAuditLog.create({
        data: operatorAuditRow(audit, "routing_rule"),
        select: { id: true },
      });
      return true;
    });
  }

  async routeByAuthorizationRate(merchantId: string): Promise<boolean | null> {
    const row = await this.db.merchant.findUnique({
      where: { id: merchantId },
      select: { routeByAuthorizationRate: true },
    });
    return row?.routeByAuthorizationRate ?? null;
  }

  setRouteByAuthorizationRate(merchantId: string, enabled: boolean, audit: AuditDraft): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.merchant.updateMany({
        where: { id: merchantId },
        data: { routeByAuthorizationRate: enabled },
      });
      if (count === 0) return false;
      await tx.operatorAuditLog.create({ data: operatorAuditRow(audit, "merchant"), select: { id: true } });
      return true;
    });
  }
}
