// The needs-attention sources (issue 17): each is a count of things waiting for an operator and the list where
// they are handled; the overview shows one card per source, linking to its list. THE place to register a source:
// add its id and count to @paycore/platform/attention/attention-counts (the API's metrics export the same counts
// as paycore_needs_attention_items{source}, issue 22) and its label and list here.
import {
  attentionCounts,
  type NeedsAttentionId,
  PENDING_ATTENTION_MS,
} from "@paycore/platform/attention/attention-counts";
import type { ConsoleServices } from "./services";

export { type NeedsAttentionId, PENDING_ATTENTION_MS };

export interface NeedsAttentionSource {
  id: NeedsAttentionId;
  label: string;
  /** The list where these are handled. */
  href: string;
}

export const NEEDS_ATTENTION_SOURCES: readonly NeedsAttentionSource[] = [
  { id: "reviews", label: "Held for review", href: "/reviews" },
  { id: "stale_pending", label: "Pending over 5 minutes", href: "/payments?status=PENDING" },
  { id: "escalated_attempts", label: "Escalated PSP attempts", href: "/escalations" },
  { id: "dead_letters", label: "Dead letters to look at", href: "/dead-letters" },
  { id: "disputes", label: "Disputes needing a response", href: "/disputes" },
  { id: "ledger_disagreements", label: "Ledger check disagreements", href: "/ledger" },
  { id: "expiring_authorizations", label: "Authorizations about to expire", href: "/authorizations" },
  { id: "pending_approvals", label: "Approvals waiting for a second operator", href: "/ledger#approvals" },
  { id: "recon_items", label: "Open reconciliation items", href: "/reconciliation/items" },
  // Onboarding (issue 22): merchants pending verification, and those a risk-signal rule or an operator restricted.
  { id: "onboarding", label: "Merchants awaiting an onboarding decision", href: "/onboarding" },
  // Sanctions screening (issue 22): possible matches waiting for an operator; each blocks its merchant's payouts.
  { id: "sanctions_hits", label: "Sanctions hits to review", href: "/sanctions" },
  // Settlement reports (issue 16): announced by a live PSP account that has no report credentials to fetch them;
  // parked (no download try used) until the credentials are set on the PSP accounts page.
  {
    id: "report_credentials",
    label: "Settlement reports parked until report credentials are set",
    href: "/psp-accounts",
  },
];

export interface NeedsAttentionItem {
  id: NeedsAttentionId;
  label: string;
  href: string;
  count: number;
}

export async function needsAttention(services: ConsoleServices, now: Date): Promise<NeedsAttentionItem[]> {
  const counts = await attentionCounts(
    {
      overview: services.overview,
      recon: services.recon.reads,
      workbench: services.app.services,
      compliance: services.app.services,
    },
    now,
  );
  return NEEDS_ATTENTION_SOURCES.map((source) => ({ ...source, count: counts[source.id] }));
}
