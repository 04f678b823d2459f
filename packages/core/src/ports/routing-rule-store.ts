// Where PSP routing rules and each merchant's routing preference are kept. Every change is written together with
// its operator audit row, in one transaction.
import type { RoutingRule } from "../psp/routing";
import type { AuditDraft } from "./audit";

export interface RoutingRuleStore {
  findRule(id: string): Promise<RoutingRule | null>;
  add(rule: RoutingRule, audit: AuditDraft): Promise<RoutingRule>;
  /** False when there is no such rule (then nothing is written). */
  remove(id: string, audit: AuditDraft): Promise<boolean>;
  /** The merchant's preference, or null when there is no such merchant. */
  routeByAuthorizationRate(merchantId: string): Promise<boolean | null>;
  /** False when there is no such merchant (then nothing is written). */
  setRouteByAuthorizationRate(merchantId: string, enabled: boolean, audit: AuditDraft): Promise<boolean>;
}
