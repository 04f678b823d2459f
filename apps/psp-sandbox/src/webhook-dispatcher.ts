import type { PspName } from "./charge-ledger";

/** Where one PSP's events go, and how that receiver signs and acknowledges them. */
export interface WebhookEndpoint {
  readonly url: string;
  /** Headers for one attempt; Stripe signs each attempt afresh with the current time. */
  headersFor(body: string): Record<string, string>;
  /** Whether the receiver took the event (Stripe: any 2xx; Adyen: 2xx and "[accepted]"). */
  accepted(statusCode: number, responseBody: string): boolean;
}

export interface WebhookRetryPolicy {
  /** Attempts per delivery, the first included. */
  attemptsMax: number;
  /** Wait before the second attempt; doubles after each failure. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Per attempt: a receiver slower than this counts as a failure. */
  timeoutMs: number;
}

export const DEFAULT_WEBHOOK_RETRY: WebhookRetryPolicy = {
  attemptsMax: 6,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  timeoutMs: 5_000,
};

export interface WebhookDeliveryRecord {
  readonly id: number;
  readonly psp: PspName;
  /** Stripe evt_…; Adyen "<eventCode>:<pspReference>". Copies of a duplicated event share it. */
  readonly eventId: string;
  readonly eventType: string;
  /** The payment's pspReference. */
  readonly paymentPspReference: string;
  readonly url: string;
  attempts: number;
  status: "queued" | "delivering" | "delivered" | "failed";
  lastStatusCode: number | null;
  lastError: string | null;
  /** When the first attempt was due (ISO 8601). */
  readonly firstDueAt: string;
  deliveredAt: string | null;
}

interface QueuedDelivery {
  readonly record: WebhookDeliveryRecord;
  readonly body: string;
  readonly endpoint: WebhookEndpoint;
  /** clear() bumps the generation, so attempts in flight then are not re-queued. */
  readonly generation: number;
  dueAtMs: number;
}

const IN_FLIGHT_MAX = 4;
const QUEUE_MAX = 10_000;
const RECORDS_MAX = 10_000;
const RESPONSE_BODY_CHARS_MAX = 4_096;

/**
 * Delivers webhooks like a PSP does: queued, at most IN_FLIGHT_MAX at a time, retried with
 * exponential backoff on a non-accepted answer or a connection error, up to attemptsMax.
 */
export class WebhookDispatcher {
  private queue: QueuedDelivery[] = [];
  private records: WebhookDeliveryRecord[] = [];
  private readonly inFlight = new Set<AbortController>();
  private timer: NodeJS.Timeout | null = null;
  private nextId = 1;
  private generation = 0;
  private stopped = false;

  constructor(
    private readonly policy: WebhookRetryPolicy,
    private readonly log: (line: string) => void,
  ) {}

  enqueue(delivery: {
    psp: PspName;
    eventId: string;
    eventType: string;
    paymentPspReference: string;
    body: string;
    endpoint: WebhookEndpoint;
    delayMs: number;
  }): void {
    if (this.stopped) return;
    if (this.queue.length >= QUEUE_MAX) {
      this.log(`webhook queue full (${QUEUE_MAX}); dropping ${delivery.eventType} ${delivery.eventId}`);
      return;
    }
    const dueAtMs = Date.now() + Math.max(0, delivery.delayMs);
    const record: WebhookDeliveryRecord = {
      id: this.nextId++,
      psp: delivery.psp,
      eventId: delivery.eventId,
      eventType: delivery.eventType,
      paymentPspReference: delivery.paymentPspReference,
      url: delivery.endpoint.url,
      attempts: 0,
      status: "queued",
      lastStatusCode: null,
      lastError: null,
      firstDueAt: new Date(dueAtMs).toISOString(),
      deliveredAt: null,
    };
    if (this.records.length >= RECORDS_MAX) this.records.shift();
    this.records.push(record);
    this.queue.push({
      record,
      body: delivery.body,
      endpoint: delivery.endpoint,
      generation: this.generation,
      dueAtMs,
    });
    this.schedule();
  }

  deliveries(): WebhookDeliveryRecord[] {
    return structuredClone(this.records);
  }

  /** Drops everything queued and forgets past deliveries; attempts in flight finish unrecorded. */
  clear(): void {
    this.generation += 1;
    this.queue = [];
    this.records = [];
    for (const controller of this.inFlight) controller.abort();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.queue = [];
    for (const controller of this.inFlight) controller.abort();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped || this.queue.length === 0 || this.inFlight.size >= IN_FLIGHT_MAX) return;
    this.queue.sort((left, right) => left.dueAtMs - right.dueAtMs || left.record.id - right.record.id);
    const waitMs = Math.max(0, (this.queue[0]?.dueAtMs ?? 0) - Date.now());
    this.timer = setTimeout(() => this.startDue(), waitMs);
  }

  private startDue(): void {
    this.timer = null;
    const nowMs = Date.now();
    while (this.inFlight.size < IN_FLIGHT_MAX && this.queue.length > 0 && this.queue[0]!.dueAtMs <= nowMs) {
      const delivery = this.queue.shift()!;
      void this.attempt(delivery);
    }
    this.schedule();
  }

  private async attempt(delivery: QueuedDelivery): Promise<void> {
    const { record } = delivery;
    const controller = new AbortController();
    this.inFlight.add(controller);
    record.attempts += 1;
    record.status = "delivering";
    const timeout = setTimeout(() => controller.abort(), this.policy.timeoutMs);
    try {
      const response = await fetch(delivery.endpoint.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...delivery.endpoint.headersFor(delivery.body) },
        body: delivery.body,
        signal: controller.signal,
      });
      const text = (await response.text()).slice(0, RESPONSE_BODY_CHARS_MAX);
      record.lastStatusCode = response.status;
      if (delivery.endpoint.accepted(response.status, text)) {
        record.status = "delivered";
        record.lastError = null;
        record.deliveredAt = new Date().toISOString();
      } else {
        record.lastError = `not accepted: HTTP ${response.status} ${JSON.stringify(text.slice(0, 100))}`;
        this.retryOrGiveUp(delivery);
      }
    } catch (error) {
      record.lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.retryOrGiveUp(delivery);
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
      this.schedule();
    }
  }

  private retryOrGiveUp(delivery: QueuedDelivery): void {
    const { record } = delivery;
    if (this.stopped || delivery.generation !== this.generation) return;
    if (record.attempts >= this.policy.attemptsMax) {
      record.status = "failed";
      this.log(
        `webhook ${record.eventType} ${record.eventId} to ${record.url} failed after ${record.attempts} attempts: ${record.lastError}`,
      );
      return;
    }
    record.status = "queued";
    const backoffMs = Math.min(
      this.policy.initialDelayMs * 2 ** (record.attempts - 1),
      this.policy.maxDelayMs,
    );
    delivery.dueAtMs = Date.now() + backoffMs;
    this.queue.push(delivery);
  }
}
