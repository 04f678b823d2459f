// PSP accounts and their encrypted secrets. Every change is written in one transaction with its operator
// audit row; the secrets' ciphertexts never leave this file except towards the core's decryption.
import type { Mode } from "@paycore/core/payments/payment-record";
import type {
  AuditDraft,
  NewPspAccount,
  NewPspSecret,
  PspAccountStore,
  StoredPspSecret,
} from "@paycore/core/ports/psp-account-store";
import type {
  PspAccountStatus,
  PspAccountView,
  PspName,
  PspSecretKind,
} from "@paycore/core/psp-accounts/psp-account";
import type { DatabaseClient, Prisma } from "../client";
import { operatorAuditRow } from "./operator-audit-row";

const UNIQUE_VIOLATION = "P2002";
const ACCOUNT_LIST_MAX = 100;

const ACCOUNT_SELECT = {
  id: true,
  psp: true,
  mode: true,
  endpoint: true,
  merchantAccount: true,
  status: true,
  lastCheckAt: true,
  lastCheckOk: true,
  lastError: true,
  lastErrorAt: true,
  createdAt: true,
  secrets: { where: { validUntil: null }, select: { kind: true, hint: true } },
} as const;

type AccountRow = Prisma.PspAccountGetPayload<{ select: typeof ACCOUNT_SELECT }>;

function toView(row: AccountRow): PspAccountView {
  const hint = (kind: PspSecretKind) => row.secrets.find((s) => s.kind === kind)?.hint ?? null;
  return {
    id: row.id,
    psp: row.psp as PspName,
    mode: row.mode,
    endpoint: row.endpoint,
    merchantAccount: row.merchantAccount,
    status: row.status,
    apiKeyHint: hint("API_KEY"),
    webhookSecretHint: hint("WEBHOOK_SECRET"),
    reportCredentialHint: hint("REPORT_CREDENTIAL"),
    lastCheckAt: row.lastCheckAt,
    lastCheckOk: row.lastCheckOk,
    lastError: row.lastError,
    lastErrorAt: row.lastErrorAt,
    createdAt: row.createdAt,
  };
}

function secretData(accountId: string, secret: NewPspSecret) {
  return {
    id: secret.id,
    accountId,
    kind: secret.kind,
    ciphertext: new Uint8Array(secret.encrypted.ciphertext),
    nonce: new Uint8Array(secret.encrypted.nonce),
    authTag: new Uint8Array(secret.encrypted.authTag),
    keyVersion: secret.encrypted.keyVersion,
    hint: secret.hint,
  };
}

function auditData(audit: AuditDraft) {
  return operatorAuditRow(audit, "psp_account");
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === UNIQUE_VIOLATION;
}

export class PspAccountRepository implements PspAccountStore {
  constructor(private readonly db: DatabaseClient) {}

  async create(
    account: NewPspAccount,
    secrets: NewPspSecret[],
    audit: AuditDraft,
  ): Promise<PspAccountView | null> {
    try {
      return await this.db.$transaction(async (tx) => {
        await tx.pspAccount.create({ data: account, select: { id: true } });
        await tx.pspAccountSecret.createMany({ data: secrets.map((s) => secretData(account.id, s)) });
        await tx.operatorAuditLog.create({ data: auditData(audit), select: { id: true } });
        return toView(
          await tx.pspAccount.findUniqueOrThrow({ where: { id: account.id }, select: ACCOUNT_SELECT }),
        );
      });
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  async findById(id: string): Promise<PspAccountView | null> {
    const row = await this.db.pspAccount.findUnique({ where: { id }, select: ACCOUNT_SELECT });
    return row ? toView(row) : null;
  }

  async list(): Promise<PspAccountView[]> {
    const rows = await this.db.pspAccount.findMany({
      select: ACCOUNT_SELECT,
      orderBy: [{ status: "asc" }, { createdAt: "desc" }],
      take: ACCOUNT_LIST_MAX,
    });
    return rows.map(toView);
  }

  async replaceSecret(
    accountId: string,
    secret: NewPspSecret,
    previousValidUntil: Date,
    audit: AuditDraft,
  ): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const account = await tx.pspAccount.findUnique({ where: { id: accountId }, select: { id: true } });
      if (!account) return false;
      await tx.pspAccountSecret.updateMany({
        where: { accountId, kind: secret.kind, validUntil: null },
        data: { validUntil: previousValidUntil },
      });
      await tx.pspAccountSecret.create({ data: secretData(accountId, secret), select: { id: true } });
      await tx.pspAccount.update({
        where: { id: accountId },
        data: { updatedAt: new Date() },
        select: { id: true },
      });
      await tx.operatorAuditLog.create({ data: auditData(audit), select: { id: true } });
      return true;
    });
  }

  async setStatus(accountId: string, status: PspAccountStatus, audit: AuditDraft): Promise<boolean | null> {
    try {
      return await this.db.$transaction(async (tx) => {
        const { count } = await tx.pspAccount.updateMany({
          where: { id: accountId },
          data: { status, updatedAt: new Date() },
        });
        if (count === 0) return false;
        await tx.operatorAuditLog.create({ data: auditData(audit), select: { id: true } });
        return true;
      });
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  async recordCheck(
    accountId: string,
    check: { at: Date; ok: boolean; error: string | null },
  ): Promise<void> {
    await this.db.pspAccount.updateMany({
      where: { id: accountId },
      data: check.ok
        ? { lastCheckAt: check.at, lastCheckOk: true }
        : { lastCheckAt: check.at, lastCheckOk: false, lastError: check.error, lastErrorAt: check.at },
    });
  }

  async loadActive(
    mode: Mode,
    now: Date,
  ): Promise<Array<{ account: PspAccountView; secrets: StoredPspSecret[] }>> {
    const rows = await this.db.pspAccount.findMany({
      where: { mode, status: "ACTIVE" },
      select: {
        ...ACCOUNT_SELECT,
        secrets: {
          where: { OR: [{ validUntil: null }, { validUntil: { gt: now } }] },
          // The current one (no end) first, then the most recently replaced.
          orderBy: [{ createdAt: "desc" }],
          select: {
            id: true,
            kind: true,
            hint: true,
            ciphertext: true,
            nonce: true,
            authTag: true,
            keyVersion: true,
            validUntil: true,
            createdAt: true,
          },
        },
      },
    });
    return rows.map((row) => ({
      account: toView({ ...row, secrets: row.secrets.filter((s) => s.validUntil === null) }),
      secrets: row.secrets.map((s) => ({
        id: s.id,
        kind: s.kind,
        validUntil: s.validUntil,
        createdAt: s.createdAt,
        encrypted: {
          ciphertext: Buffer.from(s.ciphertext),
          nonce: Buffer.from(s.nonce),
          authTag: Buffer.from(s.authTag),
          keyVersion: s.keyVersion,
        },
      })),
    }));
  }
}
