// The write side of merchants' webhook endpoints. Every write takes the change's audit draft and writes the
// operator_audit_log row in the same transaction; every update is conditional on the version read.
import type { Mode } from "../payments/payment-record";
import type { EncryptedPan } from "../vault/card-vault";
import type {
  DisabledReason,
  WebhookEndpointStatus,
  WebhookEndpointView,
} from "../webhooks/webhook-endpoint";
import type { AuditDraft } from "./audit";

export interface SealedWebhookSecret {
  id: string;
  encrypted: EncryptedPan;
  hint: string;
}

export interface StoredWebhookSecret {
  id: string;
  encrypted: EncryptedPan;
  validUntil: Date | null;
}

export interface NewWebhookEndpoint {
  id: string;
  merchantId: string;
  mode: Mode;
  url: string;
  description: string | null;
  enabledEvents: string[];
}

export interface WebhookEndpointPatch {
  url?: string;
  description?: string | null;
  enabledEvents?: string[];
  status?: WebhookEndpointStatus;
  disabledReason?: DisabledReason | null;
  /** Cleared when an endpoint is enabled again. */
  needsAttention?: boolean;
  failingSince?: Date | null;
}

export interface WebhookEndpointStore {
  /** The endpoint if it is the merchant's in that mode (deleted ones included). */
  findById(merchantId: string, mode: Mode, id: string): Promise<WebhookEndpointView | null>;
  /** Endpoints not deleted, for the per-mode cap. */
  countActive(merchantId: string, mode: Mode): Promise<number>;
  create(endpoint: NewWebhookEndpoint, secret: SealedWebhookSecret, audit: AuditDraft): Promise<void>;
  /** Applies the patch if the endpoint is still at `version`; false when it changed meanwhile. */
  update(id: string, version: number, patch: WebhookEndpointPatch, audit: AuditDraft): Promise<boolean>;
  /** Makes `secret` current; the current one stays valid until `previousValidUntil`. */
  replaceSecret(
    id: string,
    version: number,
    secret: SealedWebhookSecret,
    previousValidUntil: Date,
    audit: AuditDraft,
  ): Promise<boolean>;
  /** The secrets that sign a delivery at `now`: the current one first, then replaced ones still valid. */
  signingSecrets(endpointId: string, now: Date): Promise<StoredWebhookSecret[]>;
  /** Queues one more delivery of the event to the endpoint (a replay). False when the event is not the merchant's. */
  enqueueReplay(
    endpointId: string,
    eventId: string,
    merchantId: string,
    mode: Mode,
    audit: AuditDraft,
  ): Promise<string | null>;
}
