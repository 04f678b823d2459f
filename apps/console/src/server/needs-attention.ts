// The needs-attention sources (issue 17): each is a count of things waiting for an operator and the list where
// they are handled; the overview shows one card per source, linking to its list. THE place to register a source:
// add one entry to NEEDS_ATTENTION_SOURCES (a typed id, a label, the list's path, the count). Counts share one
// query per repository per request (the memoised getters of AttentionReads).
import type { AttentionCounts } from "@paycore/db/repositories/console-overview.repository";
import type { WorkbenchAttentionCounts } from "@paycore/db/repositories/workbench-query.repository";
import type { ConsoleServices } from "./services";

/** Payments still PENDING longer than this count as stale. */
export const PENDING_ATTENTION_MS = 5 * 60_000;

export type NeedsAttentionId =
  | "reviews"
  | "stale_pending"
  | "escalated_attempts"
  | "dead_letters"
  | "disputes"
  | "ledger_disagreements"
  | "expiring_authorizations"
  | "pending_approvals"
  | "recon_items"
  | "onboarding"
  | "sanctions_hits";

/** What the counts read from, each once per request. */
export interface AttentionReads {
  base(): Promise<AttentionCounts>;
  workbench(): Promise<WorkbenchAttentionCounts>;
  services: ConsoleServices;
  now: Date;
}

export interface NeedsAttentionSource {
  id: NeedsAttentionId;
  label: string;
  /** The list where these are handled. */
  href: string;
  count(reads: AttentionReads): Promise<number>;
}

export const NEEDS_ATTENTION_SOURCES: readonly NeedsAttentionSource[] = [
  {
    id: "reviews",
    label: "Held for review",
    href: "/reviews",
    count: async (r) => (await r.base()).requiresReview,
  },
  {
    id: "stale_pending",
    label: "Pending over 5 minutes",
    href: "/payments?status=PENDING",
    count: async (r) => (await r.base()).stalePending,
  },
  {
    id: "escalated_attempts",
    label: "Escalated PSP attempts",
    href: "/escalations",
    count: async (r) => (await r.workbench()).escalatedAttempts,
  },
  {
    id: "dead_letters",
    label: "Dead letters to look at",
    href: "/dead-letters",
    count: async (r) => (await r.workbench()).openDeadLetters,
  },
  {
    id: "disputes",
    label: "Disputes needing a response",
    href: "/disputes",
    count: async (r) => (await r.workbench()).disputesNeedingResponse,
  },
  {
    id: "ledger_disagreements",
    label: "Ledger check disagreements",
    href: "/ledger",
    count: async (r) => {
      const latest = await r.services.app.services.ledgerCheckRuns.latest();
      return latest?.findings.length ?? 0;
    },
  },
  {
    id: "expiring_authorizations",
    label: "Authorizations about to expire",
    href: "/authorizations",
    count: (r) =>
      r.services.app.services.authorizationExpiry.expiringCount(
        r.now,
        r.services.app.services.workbenchConfig.authorizationWindows,
      ),
  },
  {
    id: "pending_approvals",
    label: "Approvals waiting for a second operator",
    href: "/ledger#approvals",
    count: async (r) => (await r.workbench()).pendingApprovals,
  },
  {
    id: "recon_items",
    label: "Open reconciliation items",
    href: "/reconciliation/items",
    count: (r) => r.services.recon.reads.openCount(),
  },
  // Onboarding (issue 22): merchants pending verification, and those a risk-signal rule or an operator restricted.
  {
    id: "onboarding",
    label: "Merchants awaiting an onboarding decision",
    href: "/onboarding",
    count: (r) => r.services.app.services.onboardingReads.countAwaitingDecision(),
  },
  // Sanctions screening (issue 22): possible matches waiting for an operator; each blocks its merchant's payouts.
  {
    id: "sanctions_hits",
    label: "Sanctions hits to review",
    href: "/sanctions",
    count: (r) => r.services.app.services.sanctionsReads.openCount(),
  },
];

function once<T>(read: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | null = null;
  return () => {
    value ??= read();
    return value;
  };
}

export interface NeedsAttentionItem {
  id: NeedsAttentionId;
  label: string;
  href: string;
  count: number;
}

export async function needsAttention(services: ConsoleServices, now: Date): Promise<NeedsAttentionItem[]> {
  const reads: AttentionReads = {
    base: once(() => services.overview.attention(now, PENDING_ATTENTION_MS)),
    workbench: once(() => services.app.services.workbenchQueries.attentionCounts()),
    services,
    now,
  };
  return Promise.all(
    NEEDS_ATTENTION_SOURCES.map(async (source) => ({
      id: source.id,
      label: source.label,
      href: source.href,
      count: await source.count(reads),
    })),
  );
}
