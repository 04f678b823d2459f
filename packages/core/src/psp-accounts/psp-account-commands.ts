// The one write path for PSP accounts, used by the console and the CLI: validate, encrypt the secrets,
// write with the audit row. What the audit row keeps of a secret is its hint, never the secret.
import { DomainError } from "../errors/domain-error";
import { newId } from "../ids/ids";
import type { Actor, PspAccountStore, StoredPspSecret } from "../ports/psp-account-store";
import { decryptSecret, encryptSecret, type VaultKeyring } from "../vault/card-vault";
import {
  DEFAULT_SECRET_OVERLAP_MS,
  type PspAccountInput,
  type PspAccountView,
  type PspCatalog,
  type PspSecretKind,
  registeredPsp,
  SECRET_OVERLAP_MAX_MS,
  secretHint,
  validApiKey,
  validatePspAccountInput,
  validReportCredential,
  validWebhookSecret,
} from "./psp-account";

export interface PspAccountCommandsDeps {
  store: PspAccountStore;
  /** The registered PSPs and each one's account rules (the platform's registry). */
  psps: PspCatalog;
  vault: VaultKeyring;
  now: () => Date;
}

/** A live account's usable credentials, decrypted for the SDK adapters (in memory only). */
export interface PspCredentials {
  account: PspAccountView;
  apiKey: string;
  /** The current webhook secret first, then replaced ones still in their overlap. */
  webhookSecrets: string[];
  /** How the account's announced reports are downloaded; null: not configured (a needs-attention item). */
  reportCredential: string | null;
}

function notFound(): DomainError {
  return new DomainError("PSP_ACCOUNT_NOT_FOUND", "No such PSP account.", { field: ["accountId"] });
}

export class PspAccountCommands {
  constructor(private readonly deps: PspAccountCommandsDeps) {}

  async create(actor: Actor, input: PspAccountInput): Promise<PspAccountView> {
    const valid = validatePspAccountInput(input, this.deps.psps);
    const id = newId("pspAccount");
    const secrets = [
      this.sealed("API_KEY", valid.apiKey),
      this.sealed("WEBHOOK_SECRET", valid.webhookSecret),
    ];
    const created = await this.deps.store.create(
      {
        id,
        psp: valid.psp,
        mode: valid.mode,
        endpoint: valid.endpoint,
        merchantAccount: valid.merchantAccount,
      },
      secrets,
      {
        actor,
        action: "psp_account.create",
        targetId: id,
        before: null,
        after: {
          psp: valid.psp,
          mode: valid.mode,
          endpoint: valid.endpoint,
          merchantAccount: valid.merchantAccount,
          apiKeyHint: secretHint(valid.apiKey),
          webhookSecretHint: secretHint(valid.webhookSecret),
        },
      },
    );
    if (!created)
      throw new DomainError(
        "PSP_ACCOUNT_EXISTS",
        `An active ${valid.psp} account for ${valid.mode} mode exists: rotate its secrets or disable it first.`,
        { field: ["psp"] },
      );
    return created;
  }

  /**
   * Makes `secret` the current one of its kind. The one it replaces stays valid for `overlapMs` (webhooks
   * signed with it, calls made while the PSP still accepts it), then expires.
   */
  async rotateSecret(
    actor: Actor,
    accountId: string,
    kind: PspSecretKind,
    secret: string,
    overlapMs = DEFAULT_SECRET_OVERLAP_MS,
  ): Promise<PspAccountView> {
    const account = await this.deps.store.findById(accountId);
    if (!account) throw notFound();
    if (!Number.isInteger(overlapMs) || overlapMs < 0 || overlapMs > SECRET_OVERLAP_MAX_MS)
      throw new DomainError("INVALID_INPUT", "overlap must be 0 to 30 days", { field: ["overlap"] });
    const value =
      kind === "API_KEY"
        ? validApiKey(secret)
        : kind === "WEBHOOK_SECRET"
          ? validWebhookSecret(registeredPsp(this.deps.psps, account.psp).rules, secret)
          : validReportCredential(registeredPsp(this.deps.psps, account.psp).rules, secret);
    const hintField =
      kind === "API_KEY"
        ? "apiKeyHint"
        : kind === "WEBHOOK_SECRET"
          ? "webhookSecretHint"
          : "reportCredentialHint";
    const replaced = await this.deps.store.replaceSecret(
      accountId,
      this.sealed(kind, value),
      new Date(this.deps.now().getTime() + overlapMs),
      {
        actor,
        action: `psp_account.rotate_${kind.toLowerCase()}`,
        targetId: accountId,
        before: { [hintField]: account[hintField] },
        after: { [hintField]: secretHint(value), overlapMs: String(overlapMs) },
      },
    );
    if (!replaced) throw notFound();
    return (await this.deps.store.findById(accountId)) ?? account;
  }

  async setEnabled(actor: Actor, accountId: string, enabled: boolean): Promise<PspAccountView> {
    const account = await this.deps.store.findById(accountId);
    if (!account) throw notFound();
    const status = enabled ? "ACTIVE" : "DISABLED";
    const changed = await this.deps.store.setStatus(accountId, status, {
      actor,
      action: enabled ? "psp_account.enable" : "psp_account.disable",
      targetId: accountId,
      before: { status: account.status },
      after: { status },
    });
    if (changed === null)
      throw new DomainError(
        "PSP_ACCOUNT_EXISTS",
        `Another ${account.psp} account is active for ${account.mode} mode.`,
        {
          field: ["accountId"],
        },
      );
    if (!changed) throw notFound();
    return (await this.deps.store.findById(accountId)) ?? account;
  }

  /** Every account, for operators: no secret, only hints. */
  list(): Promise<PspAccountView[]> {
    return this.deps.store.list();
  }

  /** Every active account of a mode with its credentials decrypted, for building the PSP clients. */
  async credentials(mode: "LIVE" | "TEST"): Promise<PspCredentials[]> {
    const loaded = await this.deps.store.loadActive(mode, this.deps.now());
    const result: PspCredentials[] = [];
    for (const { account, secrets } of loaded) {
      const open = (kind: PspSecretKind) => secrets.filter((s) => s.kind === kind).map((s) => this.open(s));
      const [apiKey] = open("API_KEY");
      if (apiKey === undefined) continue; // cannot happen: an account is created with its key
      result.push({
        account,
        apiKey,
        webhookSecrets: open("WEBHOOK_SECRET"),
        reportCredential: open("REPORT_CREDENTIAL")[0] ?? null,
      });
    }
    return result;
  }

  private sealed(kind: PspSecretKind, value: string) {
    const id = newId("pspAccountSecret");
    return { id, kind, encrypted: encryptSecret(this.deps.vault, value, id), hint: secretHint(value) };
  }

  private open(secret: StoredPspSecret): string {
    return decryptSecret(this.deps.vault, secret.encrypted, secret.id);
  }
}
