// Where the operators' deny and allow lists are kept. Every change is written together with its operator audit
// row, in one transaction.
import type { RiskListEntryId } from "../ids/ids";
import type { AuditDraft } from "./audit";

export const RISK_LIST_KINDS = ["FINGERPRINT", "EMAIL", "IP", "BIN"] as const;
export type RiskListKind = (typeof RISK_LIST_KINDS)[number];
export type RiskListName = "DENY" | "ALLOW";

export interface RiskListEntryRecord {
  id: RiskListEntryId;
  /** Null: the entry applies to every merchant. */
  merchantId: string | null;
  list: RiskListName;
  kind: RiskListKind;
  /** Spelled the way the scorer compares it. */
  value: string;
  note: string | null;
  createdBy: string;
  createdAt: Date;
}

export interface RiskListStore {
  findEntry(id: string): Promise<RiskListEntryRecord | null>;
  add(entry: RiskListEntryRecord, audit: AuditDraft): Promise<RiskListEntryRecord>;
  /** False when there is no such entry (then nothing is written). */
  remove(id: string, audit: AuditDraft): Promise<boolean>;
}
