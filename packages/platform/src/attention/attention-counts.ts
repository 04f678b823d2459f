// The needs-attention counts (issue 17), computed in one place for the two
// that show them: the console's overview (one card per source, linking to its
// list: apps/console/src/server/needs-attention.ts adds the labels and links)
// and the API's metrics (paycore_needs_attention_items{source}, set by the
// metrics-refresh worker). Same functions, same figures. Each read runs once
// per call (memoised), whatever the number of sources using it.
import type { ConsoleOverviewRepository } from "@paycore/db/repositories/console-overview.repository";
import type { OnboardingRepository } from "@paycore/db/repositories/onboarding.repository";
import type { ReconciliationRepository } from "@paycore/db/repositories/reconciliation.repository";
import type { SanctionsRepository } from "@paycore/db/repositories/sanctions.repository";
import type { WorkbenchServices } from "../workbench/workbench-services";

/** Payments still PENDING longer than this count as stale. */
export const PENDING_ATTENTION_MS = 5 * 60_000;

export const NEEDS_ATTENTION_IDS = [
  "reviews",
  "stale_pending",
  "escalated_attempts",
  "dead_letters",
  "disputes",
  "ledger_disagreements",
  "expiring_authorizations",
  "pending_approvals",
  "recon_items",
  "onboarding",
  "sanctions_hits",
  "report_credentials",
] as const;

export type NeedsAttentionId = (typeof NEEDS_ATTENTION_IDS)[number];

/** What the counts read from. */
export interface AttentionSources {
  overview: Pick<ConsoleOverviewRepository, "attention">;
  recon: Pick<ReconciliationRepository, "openCount" | "downloadsAwaitingCredentials">;
  workbench: Pick<
    WorkbenchServices,
    "workbenchQueries" | "ledgerCheckRuns" | "authorizationExpiry" | "workbenchConfig"
  >;
  /** Onboarding and sanctions (issue 22): merchants awaiting a decision, open sanctions hits. */
  compliance: {
    onboardingReads: Pick<OnboardingRepository, "countAwaitingDecision">;
    sanctionsReads: Pick<SanctionsRepository, "openCount">;
  };
}

function once<T>(read: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | null = null;
  return () => {
    value ??= read();
    return value;
  };
}

/** Every source's count at `now`. */
export async function attentionCounts(
  sources: AttentionSources,
  now: Date,
): Promise<Record<NeedsAttentionId, number>> {
  const base = once(() => sources.overview.attention(now, PENDING_ATTENTION_MS));
  const workbench = once(() => sources.workbench.workbenchQueries.attentionCounts());
  const counters: Record<NeedsAttentionId, () => Promise<number>> = {
    reviews: async () => (await base()).requiresReview,
    stale_pending: async () => (await base()).stalePending,
    escalated_attempts: async () => (await workbench()).escalatedAttempts,
    dead_letters: async () => (await workbench()).openDeadLetters,
    disputes: async () => (await workbench()).disputesNeedingResponse,
    ledger_disagreements: async () =>
      (await sources.workbench.ledgerCheckRuns.latest())?.findings.length ?? 0,
    expiring_authorizations: () =>
      sources.workbench.authorizationExpiry.expiringCount(
        now,
        sources.workbench.workbenchConfig.authorizationWindows,
      ),
    pending_approvals: async () => (await workbench()).pendingApprovals,
    recon_items: () => sources.recon.openCount(),
    onboarding: () => sources.compliance.onboardingReads.countAwaitingDecision(),
    sanctions_hits: () => sources.compliance.sanctionsReads.openCount(),
    report_credentials: () => sources.recon.downloadsAwaitingCredentials(),
  };
  const entries = await Promise.all(
    NEEDS_ATTENTION_IDS.map(async (id) => [id, await counters[id]()] as const),
  );
  return Object.fromEntries(entries) as Record<NeedsAttentionId, number>;
}
