// Manual ledger adjustments, storage side: the balanced journal entry, its ledger_adjustments row and the
// operator audit row in one transaction (an approval's applier writes the same inside the approving transaction).

import type { MerchantId } from "../ids/ids";
import type { LedgerAdjustment } from "../ledger/ledger-adjustment";
import type { AuditDraft } from "./audit";

export interface LedgerAdjustmentStore {
  merchantExists(merchantId: MerchantId): Promise<boolean>;
  post(adjustment: LedgerAdjustment, audit: AuditDraft): Promise<void>;
}
