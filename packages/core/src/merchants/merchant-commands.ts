// The one write path for merchants and their API keys, used by the console, the CLI and start-up seeding:
// validate once, generate keys (only their hashes are stored), write the change with its audit row. A "not
// found" is a null result for the transport to word; bad input is an INVALID_INPUT DomainError.
import { DomainError } from "../errors/domain-error";
import { type MerchantId, newId } from "../ids/ids";
import type { Mode } from "../payments/payment-record";
import { type Actor, auditSnapshot } from "../ports/audit";
import type { MerchantChanges, MerchantStore, NewApiKeyRow } from "../ports/merchant-store";
import { KEY_ALLOWED_ORIGINS_MAX, parseKeyAllowedOrigins } from "./allowed-origins";
import { type ApiKeyKind, generateApiKey } from "./api-keys";
import {
  type ApiKeyRecord,
  accessPolicyAudit,
  DEFAULT_MERCHANT_SETTINGS,
  keyAudit,
  type MerchantAccessPolicy,
  type MerchantRecord,
  type MerchantSettings,
  type NewApiKey,
  settingsAudit,
  validAccessPolicyChanges,
  validMerchantName,
  validMerchantSettings,
} from "./merchant";

export interface MerchantCommandsDeps {
  store: MerchantStore;
  now: () => Date;
  /** Sanctions (issue 22): a new merchant's name is screened once it is created. */
  screening?: { screenMerchant(merchantId: string, reason: string): Promise<unknown> };
}

export interface CreateMerchantInput {
  name: string;
  /** A secret and a publishable key per mode; none: an admin adds them one by one. */
  modes: Mode[];
  settings?: Partial<MerchantSettings>;
  accessPolicy?: Partial<MerchantAccessPolicy>;
}

const MODES: readonly Mode[] = ["TEST", "LIVE"];
const KINDS: readonly ApiKeyKind[] = ["SECRET", "PUBLISHABLE"];
const SETTINGS_FIELDS = [
  "feeRateBps",
  "feeFixedMinor",
  "riskReviewThreshold",
  "riskDeclineThreshold",
] as const;

const NO_ACCESS_OVERRIDES: MerchantAccessPolicy = {
  rateLimitKeyPerSecond: null,
  rateLimitTokenizePerMinute: null,
  concurrentQueriesMax: null,
  allowedOrigins: [],
};

function checkKeyKind(kind: ApiKeyKind, mode: Mode): void {
  if (!KINDS.includes(kind))
    throw new DomainError("INVALID_INPUT", "kind is SECRET or PUBLISHABLE.", { field: ["kind"] });
  if (!MODES.includes(mode))
    throw new DomainError("INVALID_INPUT", "mode is TEST or LIVE.", { field: ["mode"] });
}

export class MerchantCommands {
  constructor(private readonly deps: MerchantCommandsDeps) {}

  async create(
    actor: Actor,
    input: CreateMerchantInput,
  ): Promise<{ merchant: MerchantRecord; keys: NewApiKey[] }> {
    const name = validMerchantName(input.name);
    const settings = validMerchantSettings({ ...DEFAULT_MERCHANT_SETTINGS, ...input.settings });
    const accessPolicy = { ...NO_ACCESS_OVERRIDES, ...validAccessPolicyChanges(input.accessPolicy ?? {}) };
    const modes = [...new Set(input.modes)];
    for (const mode of modes) checkKeyKind("SECRET", mode);
    const id = newId("merchant");
    const at = this.deps.now();
    // A new merchant's publishable keys start with its allowed origins that suit a key's card fields (as the
    // migration copied them to existing keys): those a key of that mode accepts, at most 20.
    const keyOrigins = (mode: Mode) =>
      accessPolicy.allowedOrigins
        .filter((origin) => parseKeyAllowedOrigins([origin], mode).ok)
        .slice(0, KEY_ALLOWED_ORIGINS_MAX);
    const keys = modes.flatMap((mode) =>
      KINDS.map((kind) => this.newKey(id, kind, mode, at, keyOrigins(mode))),
    );
    const merchant = await this.deps.store.create(
      { id, name, ...settings, ...accessPolicy },
      keys.map((key) => key.row),
      {
        actor,
        action: "merchant.create",
        targetId: id,
        before: null,
        after: {
          ...settingsAudit({ name, ...settings }),
          ...accessPolicyAudit(input.accessPolicy === undefined ? {} : accessPolicy),
          ...(modes.length === 0 ? {} : { keyModes: modes.join(" ") }),
        },
      },
    );
    await this.deps.screening?.screenMerchant(merchant.id, "CREATED");
    return { merchant, keys: keys.map((key) => key.issued) };
  }

  /**
   * Changes the given settings (fees, risk thresholds, rate limits, allowed origins; a null limit restores the
   * API's default). Null when there is no such merchant. The thresholds are checked as they will be after the
   * change.
   */
  async updateSettings(
    actor: Actor,
    merchantId: string,
    changes: MerchantChanges,
  ): Promise<{ merchant: MerchantRecord; accessPolicy: MerchantAccessPolicy } | null> {
    const [before, policyBefore] = await Promise.all([
      this.deps.store.findById(merchantId),
      this.deps.store.findAccessPolicy(merchantId),
    ]);
    if (!before || !policyBefore) return null;
    const settingsChange = SETTINGS_FIELDS.some((field) => changes[field] !== undefined);
    const settings = settingsChange
      ? validMerchantSettings({ ...settingsOf(before), ...pickSettings(changes) })
      : {};
    const policy = validAccessPolicyChanges(changes);
    if (!settingsChange && Object.keys(policy).length === 0)
      throw new DomainError("INVALID_INPUT", "Nothing to change: give at least one setting.", { field: [] });
    const policyKeys = Object.keys(policy) as Array<keyof MerchantAccessPolicy>;
    const policyBeforeChanged = Object.fromEntries(policyKeys.map((key) => [key, policyBefore[key]]));
    const updated = await this.deps.store.update(
      before.id,
      { ...settings, ...policy },
      {
        actor,
        action: "merchant.update_settings",
        targetId: before.id,
        before: {
          ...(settingsChange ? settingsAudit(before) : {}),
          ...accessPolicyAudit(policyBeforeChanged),
        },
        after: {
          ...(settingsChange ? settingsAudit({ ...before, ...settings }) : {}),
          ...accessPolicyAudit(policy),
        },
      },
    );
    if (!updated) return null;
    const [merchant, accessPolicy] = await Promise.all([
      this.deps.store.findById(before.id),
      this.deps.store.findAccessPolicy(before.id),
    ]);
    if (!merchant || !accessPolicy) return null;
    return { merchant, accessPolicy };
  }

  /** Adds one key; the whole key is in this answer only. Null when there is no such merchant. */
  async createKey(actor: Actor, merchantId: string, kind: ApiKeyKind, mode: Mode): Promise<NewApiKey | null> {
    checkKeyKind(kind, mode);
    const merchant = await this.deps.store.findById(merchantId);
    if (!merchant) return null;
    const { row, issued } = this.newKey(merchant.id, kind, mode, this.deps.now());
    const created = await this.deps.store.addKey(row, {
      actor,
      action: "api_key.create",
      targetId: merchant.id,
      before: null,
      after: keyAudit(issued),
    });
    return created ? issued : null;
  }

  /** Revokes one active key: it stops authenticating at once. Null when it is not an active key of the merchant. */
  async revokeKey(actor: Actor, merchantId: string, keyId: string): Promise<ApiKeyRecord | null> {
    const before = await this.deps.store.findKey(merchantId, keyId);
    if (!before || before.revokedAt !== null) return null;
    const at = this.deps.now();
    return this.deps.store.revokeKey(merchantId, keyId, at, {
      actor,
      action: "api_key.revoke",
      targetId: before.merchantId,
      before: keyAudit(before),
      after: keyAudit({ ...before, revokedAt: at }),
    });
  }

  /** A new key of the same kind and mode, and the old one revoked, in one transaction. */
  async rollKey(
    actor: Actor,
    merchantId: string,
    keyId: string,
  ): Promise<{ revoked: ApiKeyRecord; created: NewApiKey } | null> {
    const old = await this.deps.store.findKey(merchantId, keyId);
    if (!old || old.revokedAt !== null) return null;
    const at = this.deps.now();
    const { row, issued } = this.newKey(old.merchantId, old.kind, old.mode, at, old.allowedOrigins);
    const rolled = await this.deps.store.rollKey(old.id, row, {
      actor,
      action: "api_key.roll",
      targetId: old.merchantId,
      before: keyAudit(old),
      after: auditSnapshot({ ...keyAudit(issued), revokedKeyId: old.id, revokedKeyRevokedAt: at }),
    });
    return rolled ? { revoked: rolled.revoked, created: issued } : null;
  }

  /**
   * Replaces a publishable key's hosted card-fields origins (the pages that may frame its card fields and receive
   * their payment method), audited in the same transaction. `mode` (the API's secret key's) limits it to keys of
   * that mode. Null when it is not an active key of the merchant (in that mode); INVALID_INPUT for a secret key or
   * origins out of bounds (at most 20, https only, except localhost in test mode).
   */
  async updateKeyOrigins(
    actor: Actor,
    merchantId: string,
    keyId: string,
    origins: readonly string[],
    mode: Mode | null = null,
  ): Promise<ApiKeyRecord | null> {
    if (!Array.isArray(origins))
      throw new DomainError("INVALID_INPUT", "origins is a list.", { field: ["origins"] });
    const before = await this.deps.store.findKey(merchantId, keyId);
    if (!before || before.revokedAt !== null || (mode !== null && before.mode !== mode)) return null;
    if (before.kind !== "PUBLISHABLE")
      throw new DomainError("INVALID_INPUT", "Only a publishable key has card-field origins.", {
        field: ["publishableKeyId"],
      });
    const parsed = parseKeyAllowedOrigins(origins, before.mode);
    if (!parsed.ok) throw new DomainError("INVALID_INPUT", parsed.reason, { field: ["origins"] });
    return this.deps.store.updateKeyOrigins(before.merchantId, before.id, parsed.origins, {
      actor,
      action: "api_key.update_allowed_origins",
      targetId: before.merchantId,
      before: { keyId: before.id, allowedOrigins: before.allowedOrigins.join(" ") },
      after: { keyId: before.id, allowedOrigins: parsed.origins.join(" ") },
    });
  }

  /** `allowedOrigins`: a publishable key's card-field origins (a rolled key keeps its predecessor's). */
  private newKey(
    merchantId: MerchantId,
    kind: ApiKeyKind,
    mode: Mode,
    at: Date,
    allowedOrigins: string[] = [],
  ) {
    const generated = generateApiKey(kind, mode);
    const row: NewApiKeyRow = {
      id: newId("apiKey"),
      merchantId,
      kind,
      mode,
      secretHash: generated.secretHash,
      displayHint: generated.displayHint,
      createdAt: at,
      allowedOrigins: kind === "PUBLISHABLE" ? allowedOrigins : [],
    };
    const issued: NewApiKey = {
      id: row.id,
      merchantId,
      kind,
      mode,
      displayHint: row.displayHint,
      createdAt: at,
      revokedAt: null,
      allowedOrigins: row.allowedOrigins,
      key: generated.key,
    };
    return { row, issued };
  }
}

function settingsOf(merchant: MerchantSettings): MerchantSettings {
  const { feeRateBps, feeFixedMinor, riskReviewThreshold, riskDeclineThreshold } = merchant;
  return { feeRateBps, feeFixedMinor, riskReviewThreshold, riskDeclineThreshold };
}

function pickSettings(source: Partial<MerchantSettings>): Partial<MerchantSettings> {
  const picked: Partial<MerchantSettings> = {};
  for (const field of SETTINGS_FIELDS)
    if (source[field] !== undefined) Object.assign(picked, { [field]: source[field] });
  return picked;
}
