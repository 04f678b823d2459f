// Each API process keeps merchants' access policies (rate-limit overrides and
// allowed origins) for 30 s, like their fees and risk thresholds: a change made
// with the CLI takes effect within 30 s, and a request costs no extra read.
import { TtlCache } from "@paycore/core/ttl-cache";
import type {
  MerchantAccessPolicy,
  MerchantAccessPolicyReader,
} from "@paycore/db/repositories/merchant.repository";

const POLICY_TTL_MS = 30_000;
const POLICIES_MAX = 10_000;

/** A merchant that has vanished since its key was read gets the defaults and no origins. */
const NO_OVERRIDES: MerchantAccessPolicy = {
  rateLimitKeyPerSecond: null,
  rateLimitTokenizePerMinute: null,
  concurrentQueriesMax: null,
  allowedOrigins: [],
};

export class MerchantAccessPolicies {
  private readonly policies = new TtlCache<string, MerchantAccessPolicy>(POLICY_TTL_MS, POLICIES_MAX);
  private readonly allOrigins = new TtlCache<"all", ReadonlySet<string>>(POLICY_TTL_MS, 1);

  constructor(
    private readonly merchants: Pick<MerchantAccessPolicyReader, "findAccessPolicy" | "allowedOriginsOfAll">,
  ) {}

  policyOf(merchantId: string): Promise<MerchantAccessPolicy> {
    return this.policies.getOrLoad(merchantId, async () => {
      return (await this.merchants.findAccessPolicy(merchantId)) ?? NO_OVERRIDES;
    });
  }

  /** Whether any merchant allows `origin`: all a CORS preflight, which carries no key, can be answered by. */
  async allowedByAnyMerchant(origin: string): Promise<boolean> {
    const origins = await this.allOrigins.getOrLoad(
      "all",
      async () => new Set(await this.merchants.allowedOriginsOfAll()),
    );
    return origins.has(origin);
  }
}
