// Where PSP accounts and their encrypted secrets are kept. Every change is written together with its
// operator audit row, in one transaction.
import type { Mode } from "../payments/payment-record";
import type { PspAccountStatus, PspAccountView, PspName, PspSecretKind } from "../psp-accounts/psp-account";
import type { EncryptedPan } from "../vault/card-vault";
import type { AuditDraft } from "./audit";

export type { Actor, AuditDraft } from "./audit";

export interface NewPspSecret {
  id: string;
  kind: PspSecretKind;
  encrypted: EncryptedPan;
  hint: string;
}

export interface StoredPspSecret {
  id: string;
  kind: PspSecretKind;
  encrypted: EncryptedPan;
  /** Null while it is the current secret of its kind; set when a newer one replaced it. */
  validUntil: Date | null;
  createdAt: Date;
}

export interface NewPspAccount {
  id: string;
  psp: PspName;
  mode: Mode;
  endpoint: string;
  merchantAccount: string | null;
}

export interface PspAccountStore {
  /** Null when an active account of this PSP and mode already exists. */
  create(account: NewPspAccount, secrets: NewPspSecret[], audit: AuditDraft): Promise<PspAccountView | null>;
  findById(id: string): Promise<PspAccountView | null>;
  list(): Promise<PspAccountView[]>;
  /** Adds the new current secret of its kind; the current one becomes valid until `previousValidUntil`. */
  replaceSecret(
    accountId: string,
    secret: NewPspSecret,
    previousValidUntil: Date,
    audit: AuditDraft,
  ): Promise<boolean>;
  /** Null when the change would make two active accounts of one PSP and mode. */
  setStatus(accountId: string, status: PspAccountStatus, audit: AuditDraft): Promise<boolean | null>;
  /** A connection test's or a live call's verdict on the credentials (the operator alert). */
  recordCheck(accountId: string, check: { at: Date; ok: boolean; error: string | null }): Promise<void>;
  /** Active accounts of a mode with their secrets still valid at `now`, newest first per kind. */
  loadActive(mode: Mode, now: Date): Promise<Array<{ account: PspAccountView; secrets: StoredPspSecret[] }>>;
}
