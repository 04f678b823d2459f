// The one write path for merchants' webhook endpoints, used by the API (merchants, their own endpoints) and the
// console (operators): validate, check the URL's host, seal the secret with the vault, write with the audit row.
// The signing secret is returned once, at creation and at each roll; afterwards only its hint is shown.
import { DomainError } from "../errors/domain-error";
import { newId } from "../ids/ids";
import type { Mode } from "../payments/payment-record";
import type { Actor } from "../ports/audit";
import type {
  SealedWebhookSecret,
  WebhookEndpointPatch,
  WebhookEndpointStore,
} from "../ports/webhook-endpoint-store";
import { decryptSecret, encryptSecret, type VaultKeyring } from "../vault/card-vault";
import {
  endpointTransition,
  validDescription,
  validEnabledEvents,
  validWebhookUrl,
  WEBHOOK_ENDPOINTS_PER_MODE_MAX,
  type WebhookEndpointView,
} from "./webhook-endpoint";
import { newWebhookSecret, webhookSecretHint } from "./webhook-signature";

/** Checks that a URL's host resolves only to addresses a delivery may reach; throws WEBHOOK_URL_FORBIDDEN. */
export interface UrlGuard {
  assertDeliverable(url: URL, mode: Mode): Promise<void>;
}

export const DEFAULT_SECRET_ROLL_OVERLAP_MS = 24 * 60 * 60_000;
export const SECRET_ROLL_OVERLAP_MAX_MS = 7 * 24 * 60 * 60_000;

export interface WebhookEndpointCommandsDeps {
  store: WebhookEndpointStore;
  vault: VaultKeyring;
  urlGuard: UrlGuard;
  now: () => Date;
}

/** Whose endpoints: a merchant's in one mode (the API key's, or the one an operator acts on). */
export interface EndpointOwner {
  merchantId: string;
  mode: Mode;
  actor: Actor;
}

export interface CreateWebhookEndpointInput {
  url: string;
  enabledEvents: readonly string[];
  description?: string | null;
}

export interface UpdateWebhookEndpointInput {
  url?: string | null;
  enabledEvents?: readonly string[] | null;
  description?: string | null;
}

export interface EndpointWithSecret {
  endpoint: WebhookEndpointView;
  /** Shown once: the caller must store it. */
  secret: string;
}

function notFound(): DomainError {
  return new DomainError("WEBHOOK_ENDPOINT_NOT_FOUND", "No such webhook endpoint.", { field: ["id"] });
}

function changedMeanwhile(): DomainError {
  return new DomainError(
    "WEBHOOK_ENDPOINT_STATE",
    "The endpoint was changed by another request meanwhile: read it again and retry.",
    { field: ["id"] },
  );
}

export class WebhookEndpointCommands {
  constructor(private readonly deps: WebhookEndpointCommandsDeps) {}

  async create(owner: EndpointOwner, input: CreateWebhookEndpointInput): Promise<EndpointWithSecret> {
    const url = validWebhookUrl(input.url, owner.mode);
    const enabledEvents = validEnabledEvents(input.enabledEvents);
    const description = validDescription(input.description);
    if ((await this.deps.store.countActive(owner.merchantId, owner.mode)) >= WEBHOOK_ENDPOINTS_PER_MODE_MAX) {
      throw new DomainError(
        "WEBHOOK_ENDPOINT_LIMIT",
        `A merchant has at most ${WEBHOOK_ENDPOINTS_PER_MODE_MAX} endpoints per mode: delete one first.`,
        { field: ["url"] },
      );
    }
    await this.deps.urlGuard.assertDeliverable(url, owner.mode);
    const id = newId("webhookEndpoint");
    const secret = newWebhookSecret();
    const sealed = this.sealed(secret);
    await this.deps.store.create(
      { id, merchantId: owner.merchantId, mode: owner.mode, url: url.href, description, enabledEvents },
      sealed,
      {
        actor: owner.actor,
        action: "webhook_endpoint.create",
        targetId: id,
        before: null,
        after: {
          merchantId: owner.merchantId,
          mode: owner.mode,
          url: url.href,
          enabledEvents: enabledEvents.join(","),
          secretHint: sealed.hint,
        },
      },
    );
    return { endpoint: await this.get(owner, id), secret };
  }

  async update(
    owner: EndpointOwner,
    id: string,
    input: UpdateWebhookEndpointInput,
  ): Promise<WebhookEndpointView> {
    const endpoint = await this.get(owner, id);
    if (endpoint.status === "DELETED") throw notFound();
    const patch: WebhookEndpointPatch = {};
    if (input.url !== undefined && input.url !== null) {
      const url = validWebhookUrl(input.url, owner.mode);
      await this.deps.urlGuard.assertDeliverable(url, owner.mode);
      patch.url = url.href;
    }
    if (input.enabledEvents !== undefined && input.enabledEvents !== null) {
      patch.enabledEvents = validEnabledEvents(input.enabledEvents);
    }
    if (input.description !== undefined) patch.description = validDescription(input.description);
    return this.apply(owner, endpoint, patch, "webhook_endpoint.update");
  }

  /** Disables (no new deliveries are queued, queued ones wait) or enables again (clears the failure notice). */
  async setEnabled(
    owner: EndpointOwner,
    id: string,
    enabled: boolean,
    byOperator = false,
  ): Promise<WebhookEndpointView> {
    const endpoint = await this.get(owner, id);
    const status = endpointTransition(endpoint.status, enabled ? "ENABLE" : "DISABLE");
    const patch: WebhookEndpointPatch = enabled
      ? { status, disabledReason: null, needsAttention: false, failingSince: null }
      : { status, disabledReason: byOperator ? "OPERATOR" : "MERCHANT" };
    return this.apply(
      owner,
      endpoint,
      patch,
      enabled ? "webhook_endpoint.enable" : "webhook_endpoint.disable",
    );
  }

  /**
   * The delivery worker's notice: an endpoint failing since `failingSince` for days is disabled and flagged for
   * the console (needsAttention), with its audit row (actor system:webhook-delivery) in the same transaction.
   * An endpoint that is no longer ENABLED is left as it is. Returns whether it was disabled now.
   */
  async disableFailing(merchantId: string, mode: Mode, id: string): Promise<boolean> {
    const endpoint = await this.deps.store.findById(merchantId, mode, id);
    if (endpoint?.status !== "ENABLED") return false;
    const status = endpointTransition(endpoint.status, "DISABLE");
    const ok = await this.deps.store.update(
      endpoint.id,
      endpoint.version,
      { status, disabledReason: "FAILING", needsAttention: true },
      {
        actor: { operatorId: null, name: "system:webhook-delivery" },
        action: "webhook_endpoint.disable",
        targetId: endpoint.id,
        before: { status: endpoint.status },
        after: {
          status,
          disabledReason: "FAILING",
          failingSince: endpoint.failingSince?.toISOString() ?? null,
        },
      },
    );
    return ok;
  }

  /** Deleted endpoints get no deliveries and leave the list; their delivery history stays for the audit. */
  async delete(owner: EndpointOwner, id: string): Promise<WebhookEndpointView> {
    const endpoint = await this.get(owner, id);
    const status = endpointTransition(endpoint.status, "DELETE");
    return this.apply(owner, endpoint, { status }, "webhook_endpoint.delete");
  }

  /** A new current secret; the previous one keeps signing (a second v1) until the overlap ends. */
  async rollSecret(
    owner: EndpointOwner,
    id: string,
    overlapMs = DEFAULT_SECRET_ROLL_OVERLAP_MS,
  ): Promise<EndpointWithSecret> {
    if (!Number.isInteger(overlapMs) || overlapMs < 0 || overlapMs > SECRET_ROLL_OVERLAP_MAX_MS) {
      throw new DomainError("INVALID_INPUT", "The overlap is 0 to 7 days, in whole milliseconds.", {
        field: ["overlapSeconds"],
      });
    }
    const endpoint = await this.get(owner, id);
    if (endpoint.status === "DELETED") throw notFound();
    const secret = newWebhookSecret();
    const sealed = this.sealed(secret);
    const replaced = await this.deps.store.replaceSecret(
      id,
      endpoint.version,
      sealed,
      new Date(this.deps.now().getTime() + overlapMs),
      {
        actor: owner.actor,
        action: "webhook_endpoint.roll_secret",
        targetId: id,
        before: { secretHint: endpoint.secretHint },
        after: { secretHint: sealed.hint, overlapMs: String(overlapMs) },
      },
    );
    if (!replaced) throw changedMeanwhile();
    return { endpoint: await this.get(owner, id), secret };
  }

  /** Queues the event again for the endpoint (a new delivery with the same event id and body). */
  async replay(owner: EndpointOwner, endpointId: string, eventId: string): Promise<string> {
    const endpoint = await this.get(owner, endpointId);
    if (endpoint.status === "DELETED") throw notFound();
    const deliveryId = await this.deps.store.enqueueReplay(
      endpointId,
      eventId,
      owner.merchantId,
      owner.mode,
      {
        actor: owner.actor,
        action: "webhook_endpoint.replay",
        targetId: endpointId,
        before: null,
        after: { eventId },
      },
    );
    if (deliveryId === null) {
      throw new DomainError("WEBHOOK_EVENT_NOT_FOUND", "No such event.", { field: ["eventId"] });
    }
    return deliveryId;
  }

  /** The secrets that sign a delivery now (current first), decrypted in memory for the delivery worker. */
  async signingSecrets(endpointId: string): Promise<string[]> {
    const stored = await this.deps.store.signingSecrets(endpointId, this.deps.now());
    return stored.map((secret) => decryptSecret(this.deps.vault, secret.encrypted, secret.id));
  }

  private async get(owner: EndpointOwner, id: string): Promise<WebhookEndpointView> {
    if (typeof id !== "string" || !id.startsWith("we_") || id.length > 64) throw notFound();
    const endpoint = await this.deps.store.findById(owner.merchantId, owner.mode, id);
    if (!endpoint) throw notFound();
    return endpoint;
  }

  private async apply(
    owner: EndpointOwner,
    endpoint: WebhookEndpointView,
    patch: WebhookEndpointPatch,
    action: string,
  ): Promise<WebhookEndpointView> {
    const before: Record<string, string | null> = {};
    const after: Record<string, string | null> = {};
    for (const [key, value] of Object.entries(patch)) {
      const old = (endpoint as unknown as Record<string, unknown>)[key];
      before[key] = auditText(old);
      after[key] = auditText(value);
    }
    const ok = await this.deps.store.update(endpoint.id, endpoint.version, patch, {
      actor: owner.actor,
      action,
      targetId: endpoint.id,
      before,
      after,
    });
    if (!ok) throw changedMeanwhile();
    return this.get(owner, endpoint.id);
  }

  private sealed(secret: string): SealedWebhookSecret {
    const id = newId("webhookEndpointSecret");
    return { id, encrypted: encryptSecret(this.deps.vault, secret, id), hint: webhookSecretHint(secret) };
  }
}

function auditText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}
