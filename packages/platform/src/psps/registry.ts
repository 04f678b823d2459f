// Every PSP the platform speaks, one line each: a PSP is its folder (src/psps/<psp>/) and its line here. This is
// the one list of PSPs: the core knows a PSP name's spelling only, and the commands get the registered names and
// their account rules from pspCatalog() below. The order is test mode's order among PSPs of equal price.
import type { PspCatalog, PspName } from "@paycore/core/psp-accounts/psp-account";
import type { SettlementPsp } from "@paycore/core/reconciliation/settlement-line";
import { adyenModule } from "./adyen";
import type { PspModule } from "./psp-module";
import { stripeModule } from "./stripe";

const MODULES: ReadonlyArray<PspModule> = [stripeModule, adyenModule];

/** The registered modules by name (a Map: a name from outside never reaches a prototype key). */
export const PSP_MODULES: ReadonlyMap<PspName, PspModule> = new Map(
  MODULES.map((module) => [module.id, module]),
);

/** The module of a PSP name from outside (a webhook path, an account row), or null when there is none. */
export function pspModule(name: string): PspModule | null {
  return PSP_MODULES.get(name as PspName) ?? null;
}

/** The registered PSPs' names, in registration order. */
export function pspNames(): PspName[] {
  return [...PSP_MODULES.keys()];
}

/** What the core's PSP account commands validate against: the registered PSPs and each one's account rules. */
export function pspCatalog(): PspCatalog {
  return new Map(MODULES.map((module) => [module.id, module.accountRules]));
}

/** The PSPs whose settlement reports test mode pulls from the sandbox server's daily files. */
export function sandboxSettlementReportPsps(): SettlementPsp[] {
  return MODULES.flatMap((module) =>
    module.sandbox && module.settlementReports?.sandboxDailyFiles ? [module.settlementReports.layout] : [],
  );
}
