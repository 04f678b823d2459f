// Where operators' API keys are kept, as hashes. Every change is written together with its operator audit row,
// in one transaction.
import type { OperatorKeyId } from "../ids/ids";
import type { AuditDraft } from "./audit";

export interface NewOperatorKeyRow {
  id: OperatorKeyId;
  name: string;
  secretHash: string;
  displayHint: string;
}

export interface OperatorKeyStore {
  create(key: NewOperatorKeyRow, audit: AuditDraft): Promise<void>;
  /** The key's holder while it is active, else null. */
  findActiveName(id: string): Promise<string | null>;
  /** False when there is no such active key (then nothing is written). */
  revoke(id: string, at: Date, audit: AuditDraft): Promise<boolean>;
}
