// A reconciliation item's states: OPEN until an operator resolves or ignores it (with a reason) or a later
// line settles it (CLOSED, automatic); a resolved or ignored item can be reopened. The same edges are rows of
// recon_item_transitions, enforced by a trigger on recon_items.
import type { ReconItemStatus } from "../ports/reconciliation-store";

export const RECON_ITEM_TRANSITIONS: Readonly<Record<ReconItemStatus, readonly ReconItemStatus[]>> = {
  OPEN: ["RESOLVED", "IGNORED", "CLOSED"],
  RESOLVED: ["OPEN"],
  IGNORED: ["OPEN"],
  CLOSED: [],
};

export function canTransitionReconItem(from: ReconItemStatus, to: ReconItemStatus): boolean {
  return RECON_ITEM_TRANSITIONS[from].includes(to);
}
