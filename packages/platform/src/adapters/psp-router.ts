// The app's PspRouter: which PSPs each mode may reach, the routing rules from
// the database (cached briefly), the breaker states of the resilient PSP
// clients, and the sliding authorization-rate window.
import type { Mode } from "@paycore/core/payments/payment-record";
import type { PspRouter } from "@paycore/core/ports/psp-router";
import type { PaymentServiceProvider } from "@paycore/core/psp/psp-port";
import {
  AuthorizationRateWindow,
  type BreakerState,
  DEFAULT_ROUTING_OPTIONS,
  type PspProfile,
  type RoutingInput,
  type RoutingRule,
  routePayment,
} from "@paycore/core/psp/routing";
import { TtlCache } from "@paycore/core/ttl-cache";
import type { MerchantRoutingReader } from "@paycore/db/repositories/routing-rule.repository";

export interface RoutablePsp {
  psp: PaymentServiceProvider;
  profile: PspProfile;
  /** The circuit breaker's state, when the PSP sits behind one. */
  breakerState?: () => BreakerState;
}

/** The PSPs a mode may reach: a fixed list (test mode's sandboxes), or live mode's configured accounts. */
export interface PspSet {
  routable(): RoutablePsp[] | Promise<RoutablePsp[]>;
  byName(name: string): PaymentServiceProvider | null;
}

export class StaticPspSet implements PspSet {
  constructor(private readonly psps: RoutablePsp[]) {}

  routable(): RoutablePsp[] {
    return this.psps;
  }

  byName(name: string): PaymentServiceProvider | null {
    return this.psps.find((p) => p.psp.name === name)?.psp ?? null;
  }
}

/** Rules and preferences change rarely; each process re-reads them at most this often. */
const RULES_CACHE_TTL_MS = 30_000;
const RULES_CACHE_MAX = 10_000;

export class AppPspRouter implements PspRouter {
  private readonly rates = new AuthorizationRateWindow();
  private readonly cache = new TtlCache<string, { rules: RoutingRule[]; preferRate: boolean }>(
    RULES_CACHE_TTL_MS,
    RULES_CACHE_MAX,
  );

  constructor(
    private readonly byMode: Record<Mode, PspSet>,
    private readonly rules: MerchantRoutingReader | null,
    private readonly random: () => number = Math.random,
  ) {}

  async routeAuthorization(mode: Mode, input: RoutingInput) {
    const [psps, { rules, preferRate }] = await Promise.all([
      this.byMode[mode].routable(),
      this.merchantRouting(input.merchantId),
    ]);
    const breakers = Object.fromEntries(psps.map((p) => [p.psp.name, p.breakerState?.() ?? "closed"]));
    const decision = routePayment(
      input,
      rules,
      psps.map((p) => p.profile),
      { breakers, authorizationRates: this.rates.snapshot(), random: this.random() },
      { ...DEFAULT_ROUTING_OPTIONS, preferAuthorizationRate: preferRate },
    );
    const candidates = decision.candidates
      .map((name) => psps.find((p) => p.psp.name === name)?.psp)
      .filter((psp): psp is PaymentServiceProvider => psp !== undefined);
    return { candidates, decision };
  }

  byName(mode: Mode, name: string): PaymentServiceProvider | null {
    return this.byMode[mode].byName(name);
  }

  recordAuthorization(pspName: string, approved: boolean): void {
    this.rates.record(pspName, approved);
  }

  private merchantRouting(merchantId: string): Promise<{ rules: RoutingRule[]; preferRate: boolean }> {
    const { rules } = this;
    if (rules === null) return Promise.resolve({ rules: [], preferRate: false });
    return this.cache.getOrLoad(merchantId, () => rules.routingFor(merchantId));
  }
}
