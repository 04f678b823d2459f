// Every PSP the platform speaks, one line each: a PSP is its folder (src/psps/<psp>/) and its line here.
// The key is the PSP's name (packages/core/src/psp-accounts/psp-account.ts's PSP_NAMES, which live
// accounts are validated against); the order is test mode's order among PSPs of equal price.
import type { PspName } from "@paycore/core/psp-accounts/psp-account";
import { adyenModule } from "./adyen";
import type { PspModule } from "./psp-module";
import { stripeModule } from "./stripe";

export const PSP_MODULES: Readonly<Record<PspName, PspModule>> = {
  stripe: stripeModule,
  adyen: adyenModule,
};

/** The module of a PSP name from outside (a webhook path, an account row), or null when there is none. */
export function pspModule(name: string): PspModule | null {
  return Object.hasOwn(PSP_MODULES, name) ? PSP_MODULES[name as PspName] : null;
}
