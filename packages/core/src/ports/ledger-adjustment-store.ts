// Manual ledger adjustments, storage side: the balanced journal entry, its ledger_adjustments row and the
// operator audit row in one transaction (an approval's applier writes the same inside the approving transaction).

import type { MerchantId } from "../ids/ids";
import type { LedgerAdjustment } from "../ledger/ledger-adjustment";
import type { AuditDraft } from "./audit";

/**
 * What one operator may post without a second pair of eyes: their direct (unapproved) adjustments of one merchant,
 * mode and currency within the window, this one included, sum to at most `limitMinor`.
 */
export interface DirectPostLimit {
  limitMinor: bigint;
  windowHours: number;
}

export interface LedgerAdjustmentStore {
  merchantExists(merchantId: MerchantId): Promise<boolean>;
  /** The adjustment the requester posted under this key, if any. */
  findByRequestKey(requestedBy: string, requestKey: string): Promise<LedgerAdjustment | null>;
  /**
   * Posts the adjustment with its audit row unless the requester's direct adjustments in the window would pass the
   * limit ("over_limit": nothing written). Concurrent posts of one merchant, mode and currency are serialized, so
   * adjustments sent at once cannot all fit under the limit.
   */
  post(
    adjustment: LedgerAdjustment,
    audit: AuditDraft,
    limit: DirectPostLimit,
  ): Promise<"posted" | "over_limit" | "duplicate_key">;
}
